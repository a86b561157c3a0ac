#!/usr/bin/env python3
"""SymmetricEigen beside numpy.linalg.eigh (LAPACK dsyevd through the BLAS numpy links), same matrices, same run.

Matrices: a Gaussian kernel (sigma 1.25) on 2,000 random points of [0, 1]^20, and, when ../shared/data/mnist is
there, experiment 4's kernel on the t10k 3/8 subset (1,984 samples, sigma 1.25: close to the identity).
Each matrix is written as raw Float64 and given to `spectral-bench eigh --matrix`; numpy is timed best of 3.
Prints one line per matrix: both times, their ratio, and the largest eigenvalue difference relative to max |λ|;
then a line for the eigenvalues alone (spectral-bench's values-only mode beside numpy.linalg.eigvalsh).

    swift build -c release --product spectral-bench
    python3 Benchmarks/eigh_compare.py [--threads 2]      # needs numpy (pip install numpy)
"""
import argparse
import gzip
import json
import os
import subprocess
import tempfile
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, ".build", "release", "spectral-bench")
MNIST = os.path.join(ROOT, "..", "shared", "data", "mnist")


def gaussian_kernel(x, sigma):
    sq = (x * x).sum(1)
    d2 = np.maximum(sq[:, None] + sq[None, :] - 2 * x @ x.T, 0)
    np.fill_diagonal(d2, 0)
    return np.exp(-d2 / (2 * sigma * sigma))


def mnist_kernel():
    images = os.path.join(MNIST, "t10k-images-idx3-ubyte.gz")
    if not os.path.exists(images):
        return None
    with gzip.open(images) as f:
        pixels = np.frombuffer(f.read()[16:], dtype=np.uint8).reshape(-1, 784)
    with gzip.open(os.path.join(MNIST, "t10k-labels-idx1-ubyte.gz")) as f:
        labels = np.frombuffer(f.read()[8:], dtype=np.uint8)
    x = pixels[(labels == 3) | (labels == 8)][:2000].astype(np.float32).astype(np.float64) / 255
    return gaussian_kernel(x, 1.25)


def compare(name, a, threads):
    n = a.shape[0]
    with tempfile.NamedTemporaryFile(suffix=".f64", delete=False) as f:
        f.write(np.ascontiguousarray(a, dtype="<f8").tobytes())
        path = f.name
    try:
        out = subprocess.run([BENCH, "eigh", "--n", str(n), "--matrix", path, "--threads", str(threads), "--repeats", "3"],
                             check=True, capture_output=True, text=True).stdout
    finally:
        os.unlink(path)
    ours = next(json.loads(line) for line in out.splitlines() if '"eigh"' in line)
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        values, _ = np.linalg.eigh(a)
        best = min(best, time.perf_counter() - start)
    best_values_only = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        np.linalg.eigvalsh(a)
        best_values_only = min(best_values_only, time.perf_counter() - start)
    scale = np.abs(values).max()
    print(f"{name}: n {n}, spectral {ours['seconds']:.3f} s (tridiagonalize {ours['tridiagonalize_seconds']:.3f}, "
          f"divide and conquer {ours['divide_and_conquer_seconds']:.3f}, reflectors {ours['apply_reflectors_seconds']:.3f}), "
          f"numpy {best:.3f} s, ratio {ours['seconds'] / best:.2f}; eigenvalues {values[0]:.6g} ... {values[-1]:.6g}, "
          f"spectral's smallest/largest differ by {abs(ours['smallest'] - values[0]) / scale:.1e} / "
          f"{abs(ours['largest'] - values[-1]) / scale:.1e} of max |λ|; residual {ours['residual_sampled']:.1e}")
    print(f"{name}: eigenvalues only, spectral {ours['values_only_seconds']:.3f} s "
          f"({ours['values_only_speedup']:.2f}x faster than with vectors), numpy.linalg.eigvalsh {best_values_only:.3f} s "
          f"({best / best_values_only:.2f}x faster than eigh), ratio {ours['values_only_seconds'] / best_values_only:.2f}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    args = parser.parse_args()
    rng = np.random.default_rng(8)
    compare("random-point kernel", gaussian_kernel(rng.random((2000, 20)), 1.25), args.threads)
    k = mnist_kernel()
    if k is None:
        print("MNIST kernel: skipped (no ../shared/data/mnist)")
    else:
        compare("MNIST 3/8 kernel (sigma 1.25)", k, args.threads)


if __name__ == "__main__":
    main()
