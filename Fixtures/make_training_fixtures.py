#!/usr/bin/env python3
"""Reference training runs for SpectralNetworksTests, computed independently of the Swift code with NumPy.

The updates replicate torch.optim.Adam / torch.optim.SGD (single-tensor path) operation by operation in float32,
with the scalar coefficients computed in float64 and rounded once, as PyTorch does. Forward and backward are the
textbook MLP equations in float32 (NumPy's matmul, so summation order differs from the Swift GEMM: the tests allow
for that). Files are written with the `safetensors` Python package, so loading them also tests reading files made
by another writer.

Run from the repository root:  python3 Fixtures/make_training_fixtures.py   (numpy, safetensors)
"""
import os
import numpy as np
from safetensors.numpy import save_file

HERE = os.path.dirname(os.path.abspath(__file__))
SIZES = [3, 7, 5, 2]
ROWS = 11
STEPS = 20
f32 = np.float32


def init(rng):
    params = {}
    for l in range(len(SIZES) - 1):
        bound = 1 / np.sqrt(SIZES[l])
        params[f"{2 * l}.weight"] = rng.uniform(-bound, bound, (SIZES[l + 1], SIZES[l])).astype(f32)
        params[f"{2 * l}.bias"] = rng.uniform(-bound, bound, (SIZES[l + 1],)).astype(f32)
    return params


def forward_backward(params, x, t):
    layers = len(SIZES) - 1
    hs = [x]
    for l in range(layers):
        z = hs[-1] @ params[f"{2 * l}.weight"].T + params[f"{2 * l}.bias"]
        hs.append(np.maximum(z, f32(0)) if l + 1 < layers else z)
    y = hs[-1]
    n = y.size
    loss = float(np.mean((y.astype(np.float64) - t) ** 2))
    g = (y - t) * f32(2.0 / n)
    grads = {}
    for l in reversed(range(layers)):
        grads[f"{2 * l}.weight"] = (g.T @ hs[l]).astype(f32)
        grads[f"{2 * l}.bias"] = g.sum(axis=0, dtype=f32)
        if l > 0:
            g = (g @ params[f"{2 * l}.weight"]) * (hs[l] > 0)
    return loss, grads


def adam(params, x, t, lr, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0):
    m = {k: np.zeros_like(v) for k, v in params.items()}
    v = {k: np.zeros_like(v) for k, v in params.items()}
    losses = []
    for step in range(1, STEPS + 1):
        loss, grads = forward_backward(params, x, t)
        losses.append(loss)
        bc1 = 1 - beta1 ** step
        bc2_sqrt = (1 - beta2 ** step) ** 0.5
        for k in params:
            g = grads[k]
            if weight_decay != 0:
                g = g + f32(weight_decay) * params[k]
            m[k] = m[k] + f32(1 - beta1) * (g - m[k])            # lerp_(grad, 1 - beta1)
            v[k] = v[k] * f32(beta2) + f32(1 - beta2) * g * g     # mul_(beta2).addcmul_(g, g, value=1 - beta2)
            denom = np.sqrt(v[k]) / f32(bc2_sqrt) + f32(eps)
            params[k] = params[k] + f32(-lr / bc1) * m[k] / denom  # addcdiv_(m, denom, value=-step_size)
    return params, losses


def sgd(params, x, t, lr, momentum, weight_decay):
    buf = {}
    losses = []
    for step in range(1, STEPS + 1):
        loss, grads = forward_backward(params, x, t)
        losses.append(loss)
        for k in params:
            g = grads[k] + f32(weight_decay) * params[k]
            buf[k] = g if step == 1 else f32(momentum) * buf[k] + g
            params[k] = params[k] - f32(lr) * buf[k]
    return params, losses


def main():
    rng = np.random.default_rng(20190611)
    initial = init(rng)
    x = rng.uniform(-1, 1, (ROWS, SIZES[0])).astype(f32)
    t = rng.uniform(-1, 1, (ROWS, SIZES[-1])).astype(f32)
    save_file(initial, os.path.join(HERE, "mlp_initial.safetensors"))
    save_file({"inputs": x, "targets": t}, os.path.join(HERE, "mlp_data.safetensors"))
    save_file({k: v.astype(np.float64) for k, v in initial.items()}, os.path.join(HERE, "mlp_initial_f64.safetensors"))

    final, losses = adam({k: v.copy() for k, v in initial.items()}, x, t, lr=1e-2)
    save_file(final, os.path.join(HERE, "adam_final.safetensors"))
    final, sgd_losses = sgd({k: v.copy() for k, v in initial.items()}, x, t, lr=5e-2, momentum=0.9, weight_decay=1e-3)
    save_file(final, os.path.join(HERE, "sgd_final.safetensors"))
    with open(os.path.join(HERE, "training_losses.csv"), "w") as f:
        f.write("step,adam_loss,sgd_loss\n")
        for i, (a, s) in enumerate(zip(losses, sgd_losses)):
            f.write(f"{i + 1},{a!r},{s!r}\n")


if __name__ == "__main__":
    main()
