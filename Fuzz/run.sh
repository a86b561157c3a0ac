#!/usr/bin/env bash
# Coverage-guided fuzzing of every reader with libFuzzer (the toolchain's -sanitize=fuzzer, with AddressSanitizer):
#   bash Fuzz/run.sh [SECONDS_PER_TARGET]        (default 60)
# Builds spectral-fuzz into .build-fuzz, seeds a corpus per target from Fixtures/ and a real run.json, runs each
# target for the given time with a 1 GiB memory limit and a 10 s limit per input, and fails on any crash, leak of
# memory past the limit, or hang. Crashing inputs are kept in .build-fuzz/crashes/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
scratch=.build-fuzz
swift build -c release --product spectral-fuzz --scratch-path "$scratch" --toolset Fuzz/toolset.json \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING 2>&1 | tail -1
fuzzer="$scratch/release/spectral-fuzz"
corpus="$scratch/corpus"; crashes="$scratch/crashes"
rm -rf "$corpus"; mkdir -p "$crashes"
for t in safetensors csv idx gzip onnx run-record options; do mkdir -p "$corpus/$t"; done
cp Fixtures/*.safetensors Fixtures/regions2d/*.safetensors Fixtures/precision/*.safetensors "$corpus/safetensors/"
cp Fixtures/onnx/*.onnx "$corpus/onnx/"
cp Fixtures/training_losses.csv "$corpus/csv/"; printf 'value\n0\n1\n0.5\n-1\n' > "$corpus/csv/column.csv"
printf '1,2,3\r\n4,5,6\r\n' > "$corpus/csv/crlf.csv"
cp Fixtures/inflate/* "$corpus/gzip/"
printf '\x00\x00\x08\x01\x00\x00\x00\x03\x07\x02\x01' > "$corpus/idx/labels.idx"
gzip -c "$corpus/idx/labels.idx" > "$corpus/idx/labels.idx.gz"
if [ -x .build/release/spectral ]; then
    .build/release/spectral exp7 --steps 10 --out "$scratch/record" --quiet > /dev/null && cp "$scratch/record/run.json" "$corpus/run-record/exp7.json"
fi
printf 'exp1\0--iterations\0100\0--out\0o' > "$corpus/options/exp1"
printf 'exact2d\0--weights\0w\0--grid\0004:5\0--out\0o' > "$corpus/options/exact2d"
status=0
for t in safetensors csv idx gzip onnx run-record options; do
    log="$scratch/fuzz-$t.log"
    if SPECTRAL_FUZZ_TARGET=$t "$fuzzer" -max_total_time="$seconds" -rss_limit_mb=1024 -timeout=10 \
        -artifact_prefix="$crashes/$t-" "$corpus/$t" > "$log" 2>&1; then
        runs=$(grep -oE "Done [0-9]+ runs" "$log" | grep -oE "[0-9]+" || echo "?")
        echo "fuzz $t: $runs inputs in ${seconds} s, no crash, no input over 10 s or 1 GiB"
    else
        echo "fuzz $t: FAILED"; grep -E "ERROR|SUMMARY|Test unit written" "$log" | head -5; status=1
    fi
done
exit $status
