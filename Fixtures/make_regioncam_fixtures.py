#!/usr/bin/env python3
"""Region counts of small 2-D ReLU nets, computed by regioncam (https://pypi.org/project/regioncam/), an
independent enumerator (Rust, Float32), for SpectralExactTests.

Each net has He-normal weights and PyTorch-default biases U(+-1/sqrt(fan_in)), float32, saved with the
`safetensors` package in torch.nn.Sequential naming (0.weight, 0.bias, 2.weight, ...). regioncam enumerates the
regions of the hidden layers on [-1, 1]^2 (Regioncam(size=1.0)); the counts go to regioncam_counts.json.

Run from the repository root:  python3 Fixtures/make_regioncam_fixtures.py   (numpy, safetensors, regioncam 0.5.2)
"""
import json
import os

import numpy as np
import regioncam
from safetensors.numpy import save_file

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "regions2d")
NETS = [[2, 16, 1], [2, 24, 24, 1], [2, 16, 16, 16, 1], [2, 32, 32, 32, 32, 1]]


def main():
    os.makedirs(HERE, exist_ok=True)
    counts = {}
    for i, sizes in enumerate(NETS):
        rng = np.random.default_rng(100 + i)
        tensors = {}
        for l in range(len(sizes) - 1):
            fan_in = sizes[l]
            tensors[f"{2 * l}.weight"] = rng.normal(0, np.sqrt(2 / fan_in), (sizes[l + 1], fan_in)).astype(np.float32)
            bound = 1 / np.sqrt(fan_in)
            tensors[f"{2 * l}.bias"] = rng.uniform(-bound, bound, (sizes[l + 1],)).astype(np.float32)
        name = f"net_{i}.safetensors"
        save_file(tensors, os.path.join(HERE, name))
        rc = regioncam.Regioncam(size=1.0)
        for l in range(len(sizes) - 2):
            # regioncam computes x @ weight + bias: the transpose of PyTorch's [out, in].
            rc.linear(np.ascontiguousarray(tensors[f"{2 * l}.weight"].T), tensors[f"{2 * l}.bias"])
            rc.relu()
        counts[name] = {"sizes": sizes, "regions": int(rc.num_faces)}
    with open(os.path.join(HERE, "regioncam_counts.json"), "w") as f:
        json.dump(counts, f, indent=1, sort_keys=True)
    print(counts)


if __name__ == "__main__":
    main()
