#!/usr/bin/env python3
"""References for SpectralCoreTests' inflater and IDX reader, made with Python's own zlib and gzip.

inflate/: deterministic data compressed by zlib as raw deflate (wbits -15) at levels 0 (stored blocks), 1, 6 and 9,
with the fixed-Huffman strategy (Z_FIXED) and the default (dynamic blocks), and once as a two-member gzip file;
inflate/expected.json gives each file's decompressed length and SHA-256.
mnist/t10k_reference.json: facts about the MNIST test set read with gzip and struct (when ../shared/data/mnist is
present): counts, the first labels, the number of each digit, a few pixels, the sum of all pixel bytes.

Run from the repository root:  python3 Fixtures/make_inflate_fixtures.py
"""
import gzip
import hashlib
import json
import os
import random
import struct
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))


def data():
    rng = random.Random(7)
    text = b"".join(b"the spectral bias of neural networks %d\n" % rng.randrange(1000) for _ in range(3000))
    noise = bytes(rng.randrange(256) for _ in range(20000))
    runs = b"".join(bytes([rng.randrange(4)]) * rng.randrange(1, 300) for _ in range(500))
    return text + noise + runs


def main():
    out = os.path.join(HERE, "inflate")
    os.makedirs(out, exist_ok=True)
    payload = data()
    expected = {}
    for level in [0, 1, 6, 9]:
        for strategy, name in [(zlib.Z_DEFAULT_STRATEGY, "default"), (zlib.Z_FIXED, "fixed")][:1 if level == 0 else 2]:
            c = zlib.compressobj(level, zlib.DEFLATED, -15, 9, strategy)
            blob = c.compress(payload) + c.flush()
            file = f"level{level}_{name}.deflate"
            open(os.path.join(out, file), "wb").write(blob)
            expected[file] = {"length": len(payload), "sha256": hashlib.sha256(payload).hexdigest()}
    two = gzip.compress(payload[:30000]) + gzip.compress(payload[30000:])
    open(os.path.join(out, "two_members.gz"), "wb").write(two)
    expected["two_members.gz"] = {"length": len(payload), "sha256": hashlib.sha256(payload).hexdigest()}
    json.dump(expected, open(os.path.join(out, "expected.json"), "w"), indent=1, sort_keys=True)

    mnist = os.path.join(HERE, "..", "..", "shared", "data", "mnist")
    images, labels = os.path.join(mnist, "t10k-images-idx3-ubyte.gz"), os.path.join(mnist, "t10k-labels-idx1-ubyte.gz")
    if os.path.exists(images) and os.path.exists(labels):
        im = gzip.open(images).read()
        lb = gzip.open(labels).read()
        magic, n, rows, cols = struct.unpack(">IIII", im[:16])
        pixels = im[16:]
        ys = list(lb[8:])
        reference = {
            "images": n, "rows": rows, "columns": cols, "labels": len(ys), "first_labels": ys[:20],
            "digit_counts": [ys.count(d) for d in range(10)], "pixel_sum": sum(pixels),
            "pixels": [[i, r, c, pixels[i * rows * cols + r * cols + c]] for i, r, c in [(0, 7, 10), (0, 12, 15), (1, 5, 12), (9999, 14, 14), (1234, 20, 8)]],
            "threes_and_eights": sum(1 for y in ys if y in (3, 8)),
        }
        json.dump(reference, open(os.path.join(HERE, "mnist", "t10k_reference.json"), "w"), indent=1)


if __name__ == "__main__":
    main()
