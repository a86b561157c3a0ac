#!/usr/bin/env python3
"""`spectral profile` beside torch.profiler, same shapes, same run: per-operation time of one training step.

Shapes: the Exp-1 net (input 1, depth 6, output 1) at each --widths, full-batch --samples rows, MSE, Adam lr 1e-3,
on each --threads. For every shape both trainers are warmed up, then timed unprofiled (steps per second) and
profiled: torch's per-operator self CPU time (`key_averages`) and ours (`profile.csv`), in microseconds per step.
Prints one markdown table per shape: the step times, then the operations side by side, largest first.

    swift build -c release -Xcc -march=x86-64-v3 --product spectral
    python3 Benchmarks/torch_profile.py --widths 64,256 --samples 200 --threads 1,2   # needs torch (pip install torch)
"""
import argparse
import csv
import json
import os
import subprocess
import tempfile
import time

import torch
from torch.profiler import ProfilerActivity, profile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SPECTRAL = os.path.join(ROOT, ".build", "release", "spectral")


def torch_net(width, depth):
    layers, size = [], 1
    for _ in range(depth - 1):
        layers += [torch.nn.Linear(size, width), torch.nn.ReLU()]
        size = width
    return torch.nn.Sequential(*layers, torch.nn.Linear(size, 1))


def torch_step_and_profile(width, depth, samples, steps):
    torch.manual_seed(0)
    net = torch_net(width, depth)
    x = torch.rand(samples, 1)
    y = torch.sin(2 * torch.pi * 5 * x)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = torch.nn.functional.mse_loss(net(x), y)
        loss.backward()
        opt.step()

    for _ in range(50):
        step()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    seconds = (time.perf_counter() - start) / steps
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        for _ in range(steps):
            step()
    ops = [(e.key, e.self_cpu_time_total / steps) for e in prof.key_averages() if e.self_cpu_time_total > 0]
    return seconds, sorted(ops, key=lambda o: -o[1])


def spectral_profile(width, depth, samples, steps, threads):
    with tempfile.TemporaryDirectory() as out:
        subprocess.run(
            [SPECTRAL, "profile", "--depth", str(depth), "--width", str(width), "--samples", str(samples),
             "--steps", str(steps), "--threads", str(threads), "--out", os.path.join(out, "p"), "--quiet"],
            check=True, stdout=subprocess.DEVNULL)
        with open(os.path.join(out, "p", "summary.json")) as f:
            summary = json.load(f)
        per_operation = {}
        with open(os.path.join(out, "p", "profile.csv")) as f:
            for row in csv.DictReader(f):
                if row["thread"] == "caller" and row["operation"] != "step":
                    per_operation[row["operation"]] = per_operation.get(row["operation"], 0) + float(
                        row["seconds_per_step"]) * 1e6
    return summary, sorted(per_operation.items(), key=lambda o: -o[1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--widths", default="64,256")
    parser.add_argument("--samples", default="200")
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--depth", type=int, default=6)
    parser.add_argument("--steps", type=int, default=300)
    args = parser.parse_args()
    for threads in map(int, args.threads.split(",")):
        torch.set_num_threads(threads)
        for width in map(int, args.widths.split(",")):
            for samples in map(int, args.samples.split(",")):
                theirs, ops = torch_step_and_profile(width, args.depth, samples, args.steps)
                summary, ours = spectral_profile(width, args.depth, samples, args.steps, threads)
                print(f"\n#### width {width}, {samples} samples, {threads} thread(s), torch {torch.__version__}\n")
                print(f"step: ours {summary['step_seconds'] * 1e6:.0f} µs ({summary['fraction_of_peak']:.3f} of "
                      f"the FMA peak), torch {theirs * 1e6:.0f} µs unprofiled; ratio {theirs / summary['step_seconds']:.2f}\n")
                print("| ours | µs/step | torch.profiler (self CPU) | µs/step |\n| --- | --- | --- | --- |")
                for i in range(max(len(ours), 8)):
                    left = ours[i] if i < len(ours) else ("", None)
                    right = ops[i] if i < len(ops) else ("", None)
                    cell = lambda v: "" if v is None else f"{v:.1f}"
                    print(f"| {left[0]} | {cell(left[1])} | {right[0]} | {cell(right[1])} |")


if __name__ == "__main__":
    main()
