"""Times spectral-bench's Float64 FFT, complex or real, beside FFTW (FFTW_MEASURE, one thread) and NumPy
(numpy.fft.fft or numpy.fft.rfft) on this machine, in one run: each length is measured by all three in turn, for several rounds, so that the machine's slow and fast
minutes fall on all of them alike. Each measurement is a median of 15 timed batches; the best round of each is
reported (on a shared machine interference only ever adds time), with the two ratios.

    python3 Benchmarks/fft-compare/compare.py [--rounds 3] [--kind complex|real] [N ...]

Without sizes: every power of two from 2^8 to 2^20 and the lengths 1000, 3000, 10007 and 65537.

Needs a release build (swift build -c release), cc, Debian's libfftw3-dev and NumPy. FFTW is measured by
fftw_bench.c, compiled here into a temporary folder; none of it is part of the package."""
import json
import os
import subprocess
import sys
import tempfile

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(os.path.dirname(here))
args = sys.argv[1:]
rounds, kind = 3, "complex"
while args[:1] in (["--rounds"], ["--kind"]):
    if args[0] == "--rounds":
        rounds = int(args[1])
    else:
        kind = args[1]
    args = args[2:]
if kind not in ("complex", "real"):
    sys.exit("--kind is complex or real")
sizes = [int(a) for a in args] or [1 << e for e in range(8, 21)] + [1000, 3000, 10007, 65537]

build = tempfile.mkdtemp()
fftw = os.path.join(build, "fftw_bench")
subprocess.run(["cc", "-O2", os.path.join(here, "fftw_bench.c"), "-lfftw3", "-lm", "-o", fftw], check=True)
ours = os.path.join(root, ".build", "release", "spectral-bench")


def microseconds(command):
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])["microseconds"]


for n in sizes:
    times = {"spectralbias": [], "fftw": [], "numpy": []}
    for _ in range(rounds):
        times["spectralbias"].append(microseconds([ours, "fft", "--n", str(n), "--kind", kind]))
        times["fftw"].append(microseconds([fftw] + (["real"] if kind == "real" else []) + [str(n)]))
        times["numpy"].append(microseconds([sys.executable, os.path.join(here, "numpy_bench.py"), kind, str(n)]))
    best = {name: min(t) for name, t in times.items()}
    print(json.dumps({"n": n, "kind": kind, "microseconds": best, "rounds": rounds,
                      "ours_over_fftw": best["spectralbias"] / best["fftw"],
                      "numpy_over_ours": best["numpy"] / best["spectralbias"]}), flush=True)
