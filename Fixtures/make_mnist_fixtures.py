#!/usr/bin/env python3
"""References for the MNIST experiments' data, computed from the published MNIST test files with Python's gzip,
struct and math (no code of the package involved).

mnist/exp3_targets.json: the t10k 3/8 subset in file order as experiment 3 builds it (docs/experiments.md §3):
its size, the 80/20 split, and for the first and last few training rows and the first validation rows the target
under each noise formula and label coding, ψ = sin(2πk‖x‖) (the notebook's) and sin(k‖x‖) (the paper's Eq. 10),
with ‖x‖ the Euclidean norm of the pixels / 255. Validation targets stay clean.

Run from the repository root (needs ../shared/data/mnist):  python3 Fixtures/make_mnist_fixtures.py
"""
import gzip
import json
import math
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
MNIST = os.path.join(HERE, "..", "..", "shared", "data", "mnist")


def read_idx(name):
    with gzip.open(os.path.join(MNIST, name)) as f:
        raw = f.read()
    magic, = struct.unpack(">I", raw[:4])
    rank = magic & 0xFF
    dims = struct.unpack(">" + "I" * rank, raw[4:4 + 4 * rank])
    return dims, raw[4 + 4 * rank:]


def main():
    (count, rows, cols), pixels = read_idx("t10k-images-idx3-ubyte.gz")
    (_,), labels = read_idx("t10k-labels-idx1-ubyte.gz")
    size = rows * cols
    chosen = [i for i in range(count) if labels[i] in (3, 8)]
    norms = [math.sqrt(sum((b / 255.0) ** 2 for b in pixels[i * size:(i + 1) * size])) for i in chosen]
    train = int(0.8 * len(chosen))
    settings = [(0.05, 1.0), (1.0, 1.0), (0.1, 0.6)]
    picks = list(range(5)) + list(range(train - 3, train))
    checks = []
    for k, beta in settings:
        for formula, scale in [("coded", 2 * math.pi), ("printed", 1.0)]:
            for coding, low in [("signed", -1.0), ("binary", 0.0)]:
                clean = [low if labels[i] == 3 else 1.0 for i in chosen]
                checks.append({
                    "k": k, "beta": beta, "noise": formula, "labels": coding,
                    "train_rows": picks,
                    "train_targets": [clean[j] + beta * math.sin(scale * k * norms[j]) for j in picks],
                    "validation_targets": clean[train:train + 5],
                })
    reference = {"samples": len(chosen), "train_rows": train, "validation_rows": len(chosen) - train,
                 "first_indices": chosen[:5], "first_norms": norms[:5], "checks": checks}
    with open(os.path.join(HERE, "mnist", "exp3_targets.json"), "w") as f:
        json.dump(reference, f, indent=1)


if __name__ == "__main__":
    main()
