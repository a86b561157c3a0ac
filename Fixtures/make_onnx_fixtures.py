"""Builds small PyTorch models with every kind of supported op, exports them with torch.onnx.export, and writes
their outputs on random inputs in Float64 (the same weights, `model.double()`), for the ONNX tests.

    pip install torch onnx onnxscript numpy regioncam
    python3 Fixtures/make_onnx_fixtures.py          # writes Fixtures/onnx/*.onnx and *_io.csv

Each `<name>_io.csv` has one row per random input: the input's values, then the Float64 outputs (columns x0…,
y0…). The tests evaluate the lowered network at the same inputs and compare (docs/models.md).
"""
import os

import numpy as np
import torch
from torch import nn

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "onnx")


class ResidualMLP(nn.Module):
    """3 inputs → 16, two residual blocks (x + relu(Wx + b)), LeakyReLU in the second, 2 outputs."""

    def __init__(self):
        super().__init__()
        self.inp = nn.Linear(3, 16)
        self.a = nn.Linear(16, 16)
        self.b = nn.Linear(16, 16)
        self.out = nn.Linear(16, 2)

    def forward(self, x):
        h = torch.relu(self.inp(x))
        h = h + torch.relu(self.a(h))
        h = h + nn.functional.leaky_relu(self.b(h), 0.125)
        return self.out(h)


class ConvNet(nn.Module):
    """1×8×8 image → Conv(3×3, pad 1) + BatchNorm + ReLU + MaxPool(2) → Conv(stride 2, groups) + AvgPool → 10 logits,
    with Clip, Abs, PReLU, Max and Concat on the way."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 4, 3, padding=1)
        self.bn = nn.BatchNorm2d(4)
        self.conv2 = nn.Conv2d(4, 4, 2, stride=2, groups=2)
        self.prelu = nn.PReLU(4)
        self.fc = nn.Linear(4 * 2 * 2 * 2, 10)

    def forward(self, x):
        h = torch.relu(self.bn(self.conv1(x)))
        h = nn.functional.max_pool2d(h, 2)
        g = self.prelu(self.conv2(h))
        g = nn.functional.avg_pool2d(g, 1)
        a = torch.clamp(g, -0.5, 0.7)
        b = torch.maximum(torch.abs(g) - 0.2, g)
        h = torch.cat([a, b], dim=1).flatten(1)
        return self.fc(h)


class Classifier(nn.Module):
    """784 → 32 → 32 → 10 with a trailing LogSoftmax (dropped by the lowering)."""

    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(784, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(),
                                 nn.Linear(32, 10))

    def forward(self, x):
        return torch.log_softmax(self.net(x), dim=1)


def export(name, model, shape, seed):
    torch.manual_seed(seed)
    for p in model.parameters():
        with torch.no_grad():
            p.add_(0.05 * torch.randn_like(p))
    if hasattr(model, "bn"):
        model.bn.running_mean.uniform_(-0.2, 0.2)
        model.bn.running_var.uniform_(0.5, 1.5)
    model.eval()
    path = os.path.join(HERE, f"{name}.onnx")
    torch.onnx.export(model, torch.zeros(shape), path, opset_version=17, dynamo=False,
                      input_names=["x"], output_names=["y"])
    rng = np.random.default_rng(seed)
    inputs = rng.uniform(-1, 1, (8, int(np.prod(shape))))
    double = model.double()
    with torch.no_grad():
        outputs = double(torch.tensor(inputs).reshape([8] + list(shape[1:]))).numpy()
    if name == "classifier":  # the lowering analyses the logits: the reference drops the LogSoftmax too
        with torch.no_grad():
            outputs = double.net(torch.tensor(inputs).reshape([8] + list(shape[1:]))).numpy()
    header = [f"x{i}" for i in range(inputs.shape[1])] + [f"y{i}" for i in range(outputs.shape[1])]
    np.savetxt(os.path.join(HERE, f"{name}_io.csv"), np.hstack([inputs, outputs]), delimiter=",",
               header=",".join(header), comments="", fmt="%.17g")


def regioncam_count(model, through):
    """Regions of the residual MLP on the plane through three points, box [-1, 1]^2 in the slice coordinates the
    package uses (origin the first point, orthonormalised differences), counted by regioncam."""
    import json
    import regioncam
    N = regioncam.nn
    origin = through[0]
    b1 = (through[1] - origin) / np.linalg.norm(through[1] - origin)
    v = through[2] - origin
    for _ in range(2):
        v = v - (v @ b1) * b1
    basis = np.stack([b1, v / np.linalg.norm(v)])
    f32 = lambda t: t.detach().numpy().astype(np.float32)
    lin = lambda l: N.Linear(f32(l.weight).T.copy(), f32(l.bias))
    net = N.Sequential(
        N.Linear(basis.astype(np.float32), origin.astype(np.float32)), lin(model.inp), N.ReLU(),
        N.Residual(N.Sequential(lin(model.a), N.ReLU())), N.Residual(N.Sequential(lin(model.b), N.LeakyReLU(0.125))),
        lin(model.out))
    rc = regioncam.Regioncam(size=1.0)
    rc.add(net)
    with open(os.path.join(HERE, "regioncam_counts.json"), "w") as f:
        json.dump({"residual_mlp.onnx": {"through_rows": [0, 1, 2], "box": [[-1, 1], [-1, 1]],
                                         "regions": rc.num_faces}}, f, indent=1)


if __name__ == "__main__":
    os.makedirs(HERE, exist_ok=True)
    residual = ResidualMLP()
    export("residual_mlp", residual, (1, 3), 1)
    residual.float()
    rows = np.loadtxt(os.path.join(HERE, "residual_mlp_io.csv"), delimiter=",", skiprows=1)[:3, :3]
    regioncam_count(residual, rows)
    export("convnet", ConvNet(), (1, 1, 8, 8), 2)
    export("classifier", Classifier(), (1, 1, 28, 28), 3)
