"""Times regioncam (https://pypi.org/project/regioncam/, Float32) on an MLP saved as safetensors by SpectralBias.

Run by `spectral-bench regions2d --regioncam PYTHON`, where PYTHON has `pip install regioncam numpy safetensors`.
Prints one JSON object: seconds and region count on [-1, 1]^2.
"""
import json
import sys
import time

import numpy as np
import regioncam
from safetensors.numpy import load_file

tensors = load_file(sys.argv[1])
layers = sorted({int(name.split(".")[0]) for name in tensors})
start = time.perf_counter()
rc = regioncam.Regioncam(size=1.0)
for i, layer in enumerate(layers[:-1]):
    # regioncam computes x @ weight + bias; the file holds PyTorch's [out, in] weights.
    rc.linear(np.ascontiguousarray(tensors[f"{layer}.weight"].T), tensors[f"{layer}.bias"])
    rc.relu()
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "regions": rc.num_faces}))
