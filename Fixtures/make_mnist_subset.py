#!/usr/bin/env python3
"""A small MNIST subset kept in the repository, so the MNIST experiments' tests run on every machine.

Fixtures/mnist/subset/t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz: the first 200 threes and the first
200 eights of the published t10k files, in file order (the digits exp3, exp4 and `paths --mnist` use by default),
as IDX files gzipped with a zero timestamp (the same bytes on every run). mnist/subset_reference.json holds what a
reader must find in them (counts, labels in order, the sum of the pixel bytes, digit counts), computed here with
Python's gzip and struct only.

Run from the repository root (needs ../shared/data/mnist):  python3 Fixtures/make_mnist_subset.py
"""
import gzip
import json
import os
import struct

from make_mnist_fixtures import HERE, read_idx  # the same IDX reading (Python's gzip and struct)

OUT = os.path.join(HERE, "mnist", "subset")
PER_DIGIT = 200
DIGITS = (3, 8)


def write_idx(name, magic, dims, body):
    header = struct.pack(">I", magic) + struct.pack(">" + "I" * len(dims), *dims)
    with open(os.path.join(OUT, name), "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as f:
            f.write(header + body)


def main():
    (count, rows, cols), pixels = read_idx("t10k-images-idx3-ubyte.gz")
    _, labels = read_idx("t10k-labels-idx1-ubyte.gz")
    image_magic, label_magic = 0x0803, 0x0801  # unsigned bytes; 3 and 1 dimensions
    size = rows * cols
    taken = {d: 0 for d in DIGITS}
    chosen = []
    for i in range(count):
        digit = labels[i]
        if digit in taken and taken[digit] < PER_DIGIT:
            taken[digit] += 1
            chosen.append(i)
    os.makedirs(OUT, exist_ok=True)
    images = b"".join(pixels[i * size:(i + 1) * size] for i in chosen)
    chosen_labels = bytes(labels[i] for i in chosen)
    write_idx("t10k-images-idx3-ubyte.gz", image_magic, (len(chosen), rows, cols), images)
    write_idx("t10k-labels-idx1-ubyte.gz", label_magic, (len(chosen),), chosen_labels)
    reference = {
        "images": len(chosen), "rows": rows, "columns": cols, "source_indices": chosen,
        "labels": list(chosen_labels), "digit_counts": [chosen_labels.count(d) for d in range(10)],
        "pixel_sum": sum(images), "first_image": list(images[:size]),
    }
    with open(os.path.join(HERE, "mnist", "subset_reference.json"), "w") as f:
        json.dump(reference, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
