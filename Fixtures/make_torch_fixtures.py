#!/usr/bin/env python3
"""Training runs made by PyTorch itself, for SpectralNetworksTests.TorchFixtureTests.

The net and data are those of make_training_fixtures.py (mlp_initial.safetensors, mlp_data.safetensors: a
3 -> 7 -> 5 -> 2 ReLU MLP on 11 rows), loaded into torch.nn.Sequential and trained in float32 by torch.optim:
  adam_wd:       Adam(lr=1e-2, weight_decay=1e-2), MSE, 20 full-batch steps;
  sgd_nesterov:  SGD(lr=5e-2, momentum=0.9, nesterov=True, weight_decay=1e-3), MSE, 20 steps;
  sgd_momentum:  SGD(lr=5e-2, momentum=0.9), MSE, 20 steps;
  bce:           Adam(lr=1e-2), BCEWithLogitsLoss against targets sigmoid(t), 20 steps;
  minibatch:     Adam(lr=1e-2), MSE, 15 steps of 4 rows, in the order SpectralBias's trainer draws them: the rows
                 are reshuffled (SplitMix64 seeded with 5, Fisher-Yates) each time the stream of rows wraps, and a
                 batch continues across the wrap. The generator and shuffle are re-implemented here from their
                 definitions, so torch sees exactly the batches the trainer will;
  adam_clip:     Adam(lr=1e-2), MSE, 20 steps, every parameter clamped to [-0.3, 0.3] after each step
                 (p.clamp_(-c, c), experiment 7's weight clipping).
Each case writes <case>_final.safetensors; torch_losses.csv has the loss of every step (before the update).

Run from the repository root:  python3 Fixtures/make_torch_fixtures.py   (torch, numpy, safetensors)
"""
import csv
import os

import numpy as np
import torch
from safetensors.numpy import load_file, save_file

HERE = os.path.dirname(os.path.abspath(__file__))
MASK = (1 << 64) - 1


class SplitMix64:
    def __init__(self, seed):
        self.state = seed & MASK

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    def index_below(self, bound):
        limit = MASK - MASK % bound
        while True:
            x = self.next()
            if x < limit:
                return x % bound

    def shuffle(self, a):
        for i in range(len(a) - 1, 0, -1):
            j = self.index_below(i + 1)
            a[i], a[j] = a[j], a[i]


def load_net():
    tensors = load_file(os.path.join(HERE, "mlp_initial.safetensors"))
    layers = sorted({int(k.split(".")[0]) for k in tensors})
    modules = []
    for i, l in enumerate(layers):
        w = tensors[f"{l}.weight"]
        lin = torch.nn.Linear(w.shape[1], w.shape[0])
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(w))
            lin.bias.copy_(torch.from_numpy(tensors[f"{l}.bias"]))
        modules.append(lin)
        if i + 1 < len(layers):
            modules.append(torch.nn.ReLU())
    return torch.nn.Sequential(*modules)


def main():
    torch.set_num_threads(1)
    data = load_file(os.path.join(HERE, "mlp_data.safetensors"))
    x = torch.from_numpy(data["inputs"].astype(np.float32))
    t = torch.from_numpy(data["targets"].astype(np.float32))
    rows = []
    cases = {
        "adam_wd": (lambda p: torch.optim.Adam(p, lr=1e-2, weight_decay=1e-2), torch.nn.MSELoss(), t, None, 20),
        "sgd_nesterov": (lambda p: torch.optim.SGD(p, lr=5e-2, momentum=0.9, nesterov=True, weight_decay=1e-3), torch.nn.MSELoss(), t, None, 20),
        "sgd_momentum": (lambda p: torch.optim.SGD(p, lr=5e-2, momentum=0.9), torch.nn.MSELoss(), t, None, 20),
        "bce": (lambda p: torch.optim.Adam(p, lr=1e-2), torch.nn.BCEWithLogitsLoss(), torch.sigmoid(t), None, 20),
        "minibatch": (lambda p: torch.optim.Adam(p, lr=1e-2), torch.nn.MSELoss(), t, 4, 15),
        "adam_clip": (lambda p: torch.optim.Adam(p, lr=1e-2), torch.nn.MSELoss(), t, None, 20),
    }
    # Experiment 7's weight clipping: every parameter clamped to [-c, c] after each step (c below the initial
    # weights' bound 1/sqrt(3), so clipping acts from the first step).
    clips = {"adam_clip": 0.3}
    for name, (make, loss_fn, target, batch, steps) in cases.items():
        net = load_net()
        opt = make(net.parameters())
        order, cursor, rng = list(range(x.shape[0])), 0, SplitMix64(5)
        for step in range(steps):
            if batch is None:
                xb, tb = x, target
            else:
                picked = []
                for _ in range(batch):
                    if cursor == 0:
                        rng.shuffle(order)
                    picked.append(order[cursor])
                    cursor = (cursor + 1) % x.shape[0]
                xb, tb = x[picked], target[picked]
            opt.zero_grad()
            loss = loss_fn(net(xb), tb)
            loss.backward()
            opt.step()
            if name in clips:
                with torch.no_grad():
                    for p in net.parameters():
                        p.clamp_(-clips[name], clips[name])
            rows.append([name, step + 1, repr(float(loss.detach()))])
        out = {f"{i}.{k}": v.detach().numpy().astype(np.float32) for i, m in enumerate(net) if isinstance(m, torch.nn.Linear)
               for k, v in (("weight", m.weight), ("bias", m.bias))}
        save_file(out, os.path.join(HERE, f"torch_{name}_final.safetensors"))
    with open(os.path.join(HERE, "torch_losses.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["case", "step", "loss"])
        w.writerows(rows)


if __name__ == "__main__":
    main()
