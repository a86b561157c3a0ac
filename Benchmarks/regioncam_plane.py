"""regioncam alone on the plane and box `spectral regions2d --model … --through …` uses, for timing the two side by
side (`/usr/bin/time -v` on each, or any A/B timer). MLP graphs only (see model_compare.as_mlp).

    python3 Benchmarks/regioncam_plane.py MODEL.onnx POINTS X0:X1,Y0:Y1
"""
import sys
import time

import numpy as np
import onnx
import regioncam

sys.path.insert(0, __import__("os").path.dirname(__file__))
from model_compare import as_mlp, load_points  # noqa: E402

model, points, box = onnx.load(sys.argv[1]), load_points(sys.argv[2]), sys.argv[3]
origin = points[0]
b1 = (points[1] - origin) / np.linalg.norm(points[1] - origin)
v = points[2] - origin
for _ in range(2):
    v = v - (v @ b1) * b1
basis = np.stack([b1, v / np.linalg.norm(v)])
(x0, x1), (y0, y1) = [tuple(float(t) for t in r.split(":")) for r in box.split(",")]
centre, half = np.array([(x0 + x1) / 2, (y0 + y1) / 2]), np.array([(x1 - x0) / 2, (y1 - y0) / 2])
start = time.perf_counter()
rc = regioncam.Regioncam(size=1.0)
rc.linear((basis * half[:, None]).astype(np.float32), (origin + centre @ basis).astype(np.float32))
for layer in as_mlp(model):
    rc.linear(layer[0].astype(np.float32), layer[1].astype(np.float32))
    if len(layer) > 2:
        rc.relu()
print(rc.num_faces, time.perf_counter() - start)
