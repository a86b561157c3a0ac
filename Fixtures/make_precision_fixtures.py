#!/usr/bin/env python3
"""Float64 references for the precision contract (SpectralExactTests.PrecisionContractTests).

Two nets with F64 weights that Float32 cannot represent (normal draws, never rounded), saved with the `safetensors`
package in torch.nn.Sequential naming. The references are computed here in Float64 NumPy by a method of its own:
each linear piece (1-D) or point (2-D) gets its activation pattern from the forward pass, and its affine map from
the product of the masked weight matrices, W_L D_{L-1} W_{L-1} ... D_1 W_1 -- not from propagated slopes.

  net1d_f64.safetensors, reference1d.json: every kink x_j of f: R -> R and its slope jump (found piece by piece:
      the kinks of layer l are the zeros, inside each piece of layers < l, of each unit's affine pre-activation);
  net2d_f64.safetensors, reference2d.json: 400 points of [-1, 1]^2 (every pre-activation at least 1e-6 from 0, so
      each lies inside one region) with the gradient and value of the net's affine map there.
Both JSON files also give how far the same computation moves when the weights are first rounded to Float32: the
tolerance of the test (1e-12) must be far below that, or it would not catch a rounding.

Run from the repository root:  python3 Fixtures/make_precision_fixtures.py   (numpy, safetensors)
"""
import json
import os

import numpy as np
from safetensors.numpy import save_file

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "precision")


def make_net(sizes, seed):
    rng = np.random.default_rng(seed)
    layers = []
    for l in range(len(sizes) - 1):
        w = rng.normal(0, np.sqrt(2 / sizes[l]), (sizes[l + 1], sizes[l]))
        b = rng.normal(0, 0.3, sizes[l + 1])
        layers.append((w, b))
    return layers


def save(layers, name):
    tensors = {}
    for l, (w, b) in enumerate(layers):
        tensors[f"{2 * l}.weight"] = np.ascontiguousarray(w, dtype=np.float64)
        tensors[f"{2 * l}.bias"] = np.ascontiguousarray(b, dtype=np.float64)
    save_file(tensors, os.path.join(HERE, name))


def pattern(layers, x):
    """Activation masks of the hidden layers at x, and the smallest |pre-activation|."""
    h, masks, margin = np.asarray(x, dtype=np.float64), [], np.inf
    for w, b in layers[:-1]:
        z = w @ h + b
        margin = min(margin, np.min(np.abs(z)))
        masks.append(z > 0)
        h = np.maximum(z, 0)
    return masks, margin


def affine_map(layers, masks, upto=None):
    """A, c with (pre-activation of layer `upto`, or the output) = A x + c on the region of `masks`."""
    upto = len(layers) - 1 if upto is None else upto
    a, c = layers[0][0].copy(), layers[0][1].copy()
    for l in range(1, upto + 1):
        d = masks[l - 1].astype(np.float64)
        a = layers[l][0] @ (d[:, None] * a)
        c = layers[l][0] @ (d * c) + layers[l][1]
    return a, c


def kinks_1d(layers):
    points = []
    for l in range(len(layers) - 1):
        edges = [-np.inf] + sorted(points) + [np.inf]
        found = []
        for lo, hi in zip(edges, edges[1:]):
            probe = (lo + hi) / 2 if np.isfinite(lo) and np.isfinite(hi) else (hi - 1 if np.isfinite(hi) else lo + 1 if np.isfinite(lo) else 0.0)
            masks, _ = pattern(layers, [probe])
            a, c = affine_map(layers, masks, upto=l)
            for u in range(a.shape[0]):
                if a[u, 0] != 0:
                    x = -c[u] / a[u, 0]
                    if lo < x < hi:
                        found.append(x)
        points += found
    points = sorted(points)
    slopes = []
    edges = [-np.inf] + points + [np.inf]
    for lo, hi in zip(edges, edges[1:]):
        probe = (lo + hi) / 2 if np.isfinite(lo) and np.isfinite(hi) else (hi - 1 if np.isfinite(hi) else lo + 1 if np.isfinite(lo) else 0.0)
        masks, _ = pattern(layers, [probe])
        slopes.append(affine_map(layers, masks)[0][0, 0])
    jumps = np.diff(slopes)
    scale = np.max(np.abs(slopes))
    keep = np.abs(jumps) > 1e-11 * scale
    return np.array(points)[keep], jumps[keep]


def main():
    os.makedirs(HERE, exist_ok=True)
    net1 = make_net([1, 8, 8, 8, 1], 11)
    save(net1, "net1d_f64.safetensors")
    kinks, jumps = kinks_1d(net1)
    rounded = [(w.astype(np.float32).astype(np.float64), b.astype(np.float32).astype(np.float64)) for w, b in net1]
    rk, _ = kinks_1d(rounded)
    moved = float(np.max(np.abs(rk - kinks))) if len(rk) == len(kinks) else float("inf")
    json.dump({"kinks": kinks.tolist(), "slope_jumps": jumps.tolist(), "float32_rounding_moves_kinks_by": moved},
              open(os.path.join(HERE, "reference1d.json"), "w"), indent=1)

    net2 = make_net([2, 16, 16, 1], 12)
    save(net2, "net2d_f64.safetensors")
    rng = np.random.default_rng(13)
    rows, change = [], 0.0
    rounded = [(w.astype(np.float32).astype(np.float64), b.astype(np.float32).astype(np.float64)) for w, b in net2]
    while len(rows) < 400:
        x = rng.uniform(-1, 1, 2)
        masks, margin = pattern(net2, x)
        if margin < 1e-6:
            continue
        a, c = affine_map(net2, masks)
        ar, cr = affine_map(rounded, masks)
        change = max(change, float(np.max(np.abs(ar - a))), float(abs((ar @ x + cr - a @ x - c)[0])))
        rows.append({"x": x.tolist(), "gradient": a[0].tolist(), "value": float((a @ x + c)[0])})
    json.dump({"points": rows, "float32_rounding_changes_maps_by": change},
              open(os.path.join(HERE, "reference2d.json"), "w"), indent=1)
    print(f"1-D: {len(kinks)} kinks, Float32 rounding moves them by {moved:.2e}; 2-D: maps change by {change:.2e}")


if __name__ == "__main__":
    main()
