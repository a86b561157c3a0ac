"""Checks `spectral regions2d --model` (or `exact1d --model`) against onnxruntime, a Float64 NumPy evaluation of the
ONNX graph, and (for MLP graphs, 2-D) regioncam's region count on the same plane and box, with both times.

    pip install onnx onnxruntime numpy regioncam
    python3 Benchmarks/model_compare.py --spectral .build/release/spectral --model M.onnx --through P.csv \
        [--output I | --margin A,B] [--dims 2] [--box X0:X1,Y0:Y1] [--regioncam]

Prints one JSON object: regions, the largest relative errors of f at every region's centroid (from the region's
affine map) against onnxruntime (Float32) and against the Float64 reference, regioncam's count, and the end-to-end
seconds of both. Exit 1 when a check fails: 1e-5 relative against onnxruntime (its Float32 rounding), 1e-10
against the Float64 reference (both sides evaluate the same graph in Float64; the slice's basis adds a few ulps).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import onnx
from onnx import numpy_helper


def load_points(spec):
    if spec.startswith("idx:"):
        import gzip
        path, which = spec[4:].rsplit(":", 1)
        raw = gzip.open(path).read() if path.endswith(".gz") else open(path, "rb").read()
        n, h, w = (int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(3))
        images = np.frombuffer(raw, np.uint8, offset=16).reshape(n, h * w)
        return np.array([images[int(i)] / 255.0 for i in which.split(",")])
    if spec.endswith(".npy"):
        return np.load(spec).reshape(np.load(spec).shape[0], -1)
    return np.loadtxt(spec, delimiter=",", ndmin=2)


def conv2d(x, w, b, strides, pads, dilations, group):
    n, c, h, wd = x.shape
    m, cg, kh, kw = w.shape
    x = np.pad(x, ((0, 0), (0, 0), (pads[0], pads[2]), (pads[1], pads[3])))
    oh = (x.shape[2] - dilations[0] * (kh - 1) - 1) // strides[0] + 1
    ow = (x.shape[3] - dilations[1] * (kw - 1) - 1) // strides[1] + 1
    y = np.zeros((n, m, oh, ow))
    for f in range(m):
        g = f // (m // group)
        for ky in range(kh):
            for kx in range(kw):
                patch = x[:, g * cg:(g + 1) * cg, ky * dilations[0]:ky * dilations[0] + strides[0] * oh:strides[0],
                          kx * dilations[1]:kx * dilations[1] + strides[1] * ow:strides[1]]
                y[:, f] += np.einsum("ncij,c->nij", patch, w[f, :, ky, kx])
        y[:, f] += 0 if b is None else b[f]
    return y


def evaluate64(model, x):
    """The graph's ops in Float64 NumPy (the ops of the models this script is run on)."""
    g = model.graph
    env = {t.name: numpy_helper.to_array(t).astype(np.float64) for t in g.initializer}
    inp = [i for i in g.input if i.name not in env][0]
    shape = [d.dim_value or 1 for d in inp.type.tensor_type.shape.dim]
    env[inp.name] = x.reshape(shape)
    for node in g.node:
        a = {at.name: onnx.helper.get_attribute_value(at) for at in node.attribute}
        i = [env[n] if n else None for n in node.input]
        op = node.op_type
        if op == "Sub": y = i[0] - i[1]
        elif op == "Add": y = i[0] + i[1]
        elif op == "Flatten": y = i[0].reshape(int(np.prod(i[0].shape[:a.get("axis", 1)])), -1)
        elif op == "MatMul": y = i[0] @ i[1]
        elif op == "Relu": y = np.maximum(i[0], 0)
        elif op == "Gemm":
            A = i[0].T if a.get("transA") else i[0]
            B = i[1].T if a.get("transB") else i[1]
            y = a.get("alpha", 1.0) * A @ B + (a.get("beta", 1.0) * i[2] if len(i) > 2 else 0)
        elif op == "Conv":
            k = len(i[1].shape) - 2
            y = conv2d(i[0], i[1], i[2] if len(i) > 2 else None, a.get("strides", [1] * k),
                       a.get("pads", [0] * 2 * k), a.get("dilations", [1] * k), a.get("group", 1))
        elif op == "MaxPool":
            (kh, kw), (sh, sw) = a["kernel_shape"], a.get("strides", [1, 1])
            n, c, h, w = i[0].shape
            oh, ow = (h - kh) // sh + 1, (w - kw) // sw + 1
            y = np.full((n, c, oh, ow), -np.inf)
            for ky in range(kh):
                for kx in range(kw):
                    y = np.maximum(y, i[0][:, :, ky:ky + sh * oh:sh, kx:kx + sw * ow:sw])
        else:
            raise SystemExit(f"evaluate64 does not know {op}")
        env[node.output[0]] = y
    return env[g.output[0].name].reshape(-1)


def as_mlp(model):
    """(weight [in, out], bias) per layer, relu between, for Sub/Flatten/MatMul/Gemm/Add/Relu graphs; None else."""
    g = model.graph
    consts = {t.name: numpy_helper.to_array(t).astype(np.float64) for t in g.initializer}
    layers, shift = [], None
    for node in g.node:
        a = {at.name: onnx.helper.get_attribute_value(at) for at in node.attribute}
        if node.op_type == "Sub" and node.input[1] in consts:
            shift = consts[node.input[1]].reshape(-1)
        elif node.op_type == "Flatten":
            pass
        elif node.op_type == "MatMul":
            layers.append([consts[node.input[1]], np.zeros(consts[node.input[1]].shape[1])])
        elif node.op_type == "Gemm":
            w = consts[node.input[1]]
            layers.append([w.T if a.get("transB") else w, consts[node.input[2]]])
        elif node.op_type == "Add" and node.input[1] in consts:
            layers[-1][1] = layers[-1][1] + consts[node.input[1]]
        elif node.op_type == "Relu":
            layers[-1].append("relu")
        else:
            return None
    if shift is not None:
        layers[0][1] = layers[0][1] - shift @ layers[0][0]
    return layers


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--spectral", required=True)
    p.add_argument("--model", required=True)
    p.add_argument("--through", required=True)
    p.add_argument("--output", type=int)
    p.add_argument("--margin")
    p.add_argument("--box")
    p.add_argument("--regioncam", action="store_true")
    args = p.parse_args()
    model = onnx.load(args.model)
    points = load_points(args.through)
    dims = len(points) - 1
    out = tempfile.mkdtemp()
    cmd = [args.spectral, "regions2d" if dims == 2 else "exact1d", "--model", args.model, "--through",
           args.through, "--out", os.path.join(out, "r"), "--quiet"]
    if args.output is not None: cmd += ["--output", str(args.output)]
    if args.margin: cmd += ["--margin", args.margin]
    if args.box: cmd += ["--box" if dims == 2 else "--interval", args.box]
    start = time.perf_counter()
    subprocess.run(cmd, check=True)
    ours = time.perf_counter() - start
    sl = json.load(open(os.path.join(out, "r", "slice.json")))
    origin, basis = np.array(sl["origin"]), np.array(sl["basis"])
    pick = (lambda y: y[args.output]) if args.output is not None else (
        (lambda y: y[int(args.margin.split(",")[0])] - y[int(args.margin.split(",")[1])]) if args.margin
        else (lambda y: y[0]))
    import onnxruntime as ort
    session = ort.InferenceSession(args.model, providers=["CPUExecutionProvider"])
    feed_name = session.get_inputs()[0].name
    feed_shape = [d if isinstance(d, int) and d > 0 else 1 for d in session.get_inputs()[0].shape]
    if dims == 2:
        table = np.genfromtxt(os.path.join(out, "r", "regions.csv"), delimiter=",", names=True)
        ts = np.stack([table["centroid_x"], table["centroid_y"]], 1)
        ours_f = table["gradient_x"] * ts[:, 0] + table["gradient_y"] * ts[:, 1] + table["offset"]
    else:
        table = np.genfromtxt(os.path.join(out, "r", "breakpoints.csv"), delimiter=",", names=True, ndmin=1)
        ts, ours_f = table["x"].reshape(-1, 1), table["value"]
    sample = np.linspace(0, len(ts) - 1, min(len(ts), 400)).astype(int)
    err_ort, err_64, scale = 0.0, 0.0, 1e-300
    for k in sample:
        x = origin + ts[k] @ basis
        ref = pick(evaluate64(model, x))
        y32 = pick(session.run(None, {feed_name: x.reshape(feed_shape).astype(np.float32)})[0].reshape(-1))
        scale = max(scale, abs(ref))
        err_64 = max(err_64, abs(ours_f[k] - ref))
        err_ort = max(err_ort, abs(ours_f[k] - y32))
    missed = 0.0
    if dims == 1:
        # No kink is missed: f (the Float64 reference) at the midpoint of every piece between two kinks equals the
        # mean of its values at the ends (a kink inside would bend it).
        xs, fs = ts[:, 0], ours_f
        for k in np.linspace(0, len(xs) - 2, min(len(xs) - 1, 400)).astype(int) if len(xs) > 1 else []:
            mid = pick(evaluate64(model, origin + 0.5 * (xs[k] + xs[k + 1]) * basis[0]))
            missed = max(missed, abs(mid - 0.5 * (fs[k] + fs[k + 1])))
    result = {"model": os.path.basename(args.model), "dims": dims, "regions": int(len(ts)) if dims == 2 else None,
              "kinks": int(len(ts)) if dims == 1 else None, "checked": int(len(sample)),
              "relative_error_vs_onnxruntime": err_ort / scale, "relative_error_vs_float64": err_64 / scale,
              "piece_midpoint_bend_relative": missed / scale,
              "seconds_spectral": ours}
    ok = err_ort / scale < 1e-5 and err_64 / scale < 1e-10 and missed / scale < 1e-9
    if args.regioncam and dims == 2:
        mlp = as_mlp(model)
        if mlp is not None:
            import regioncam
            (x0, x1), (y0, y1) = sl["box"]
            centre, half = np.array([(x0 + x1) / 2, (y0 + y1) / 2]), np.array([(x1 - x0) / 2, (y1 - y0) / 2])
            start = time.perf_counter()
            rc = regioncam.Regioncam(size=1.0)
            rc.linear((basis * half[:, None]).astype(np.float32), (origin + centre @ basis).astype(np.float32))
            for layer in mlp:
                rc.linear(layer[0].astype(np.float32), layer[1].astype(np.float32))
                if len(layer) > 2: rc.relu()
            result["regions_regioncam"] = rc.num_faces
            result["seconds_regioncam"] = time.perf_counter() - start
            result["regioncam_over_spectral_seconds"] = result["seconds_regioncam"] / ours
            ok = ok and abs(rc.num_faces - len(ts)) <= 0.005 * rc.num_faces
    result["ok"] = bool(ok)
    print(json.dumps(result))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
