"""NumPy reference timing for `spectral-bench fft`: numpy.fft.fft of one complex128 array (or, after the word
`real`, numpy.fft.rfft of one float64 array; `complex` may be given too) of each length given on the command line, median microseconds of 15 timed batches (the same rule as spectral-bench); one JSON object per
line. NumPy's time includes its Python call overhead, which is part of what a NumPy user pays."""
import json
import sys
import time

import numpy as np

args = sys.argv[1:]
real = args[:1] == ["real"]
if args[:1] in (["real"], ["complex"]):
    args = args[1:]
transform = np.fft.rfft if real else np.fft.fft
for n in map(int, args):
    rng = np.random.default_rng(n)
    x = rng.uniform(-1, 1, n) + (0 if real else 1j * rng.uniform(-1, 1, n))
    transform(x)
    calls = 1
    while True:
        start = time.perf_counter()
        for _ in range(calls):
            transform(x)
        if time.perf_counter() - start >= 0.01 or calls >= 1 << 20:
            break
        calls *= 2
    samples = []
    for _ in range(15):
        start = time.perf_counter()
        for _ in range(calls):
            transform(x)
        samples.append((time.perf_counter() - start) / calls)
    samples.sort()
    print(json.dumps({"library": f"numpy {np.__version__}", "n": n, "microseconds": samples[7] * 1e6}))
