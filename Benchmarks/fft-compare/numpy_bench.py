"""NumPy reference timing for `spectral-bench fft`: numpy.fft.fft of one complex128 array of each length given on
the command line, median microseconds of 15 timed batches (the same rule as spectral-bench); one JSON object per
line. NumPy's time includes its Python call overhead, which is part of what a NumPy user pays."""
import json
import sys
import time

import numpy as np

for n in map(int, sys.argv[1:]):
    rng = np.random.default_rng(n)
    x = rng.uniform(-1, 1, n) + 1j * rng.uniform(-1, 1, n)
    np.fft.fft(x)
    calls = 1
    while True:
        start = time.perf_counter()
        for _ in range(calls):
            np.fft.fft(x)
        if time.perf_counter() - start >= 0.01 or calls >= 1 << 20:
            break
        calls *= 2
    samples = []
    for _ in range(15):
        start = time.perf_counter()
        for _ in range(calls):
            np.fft.fft(x)
        samples.append((time.perf_counter() - start) / calls)
    samples.sort()
    print(json.dumps({"library": f"numpy {np.__version__}", "n": n, "microseconds": samples[7] * 1e6}))
