#!/usr/bin/env python3
"""Compares the tensors of two GGUF files: for each name, its type, shape and
bytes. Metadata is not compared (writers differ in general.* keys).
  gguf_tensor_diff.py A.gguf B.gguf   exit 0 when every tensor is equal"""
import struct
import sys

TYPE_NAMES = {0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 6: "Q5_0", 7: "Q5_1", 8: "Q8_0", 10: "Q2_K",
              11: "Q3_K", 12: "Q4_K", 13: "Q5_K", 14: "Q6_K", 30: "BF16"}
# elements per block, bytes per block
BLOCKS = {0: (1, 4), 1: (1, 2), 30: (1, 2), 2: (32, 18), 3: (32, 20), 6: (32, 22), 7: (32, 24), 8: (32, 34),
          10: (256, 84), 11: (256, 110), 12: (256, 144), 13: (256, 176), 14: (256, 210)}
SCALARS = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "?", 10: "Q", 11: "q", 12: "d"}


def read(path):
    data = open(path, "rb").read()
    pos = 0

    def take(fmt):
        nonlocal pos
        v = struct.unpack_from("<" + fmt, data, pos)
        pos += struct.calcsize("<" + fmt)
        return v[0]

    def string():
        nonlocal pos
        n = take("Q")
        s = data[pos:pos + n].decode("utf-8", "replace")
        pos += n
        return s

    def value(t):
        if t == 8:
            return string()
        if t == 9:
            inner, n = take("I"), take("Q")
            return [value(inner) for _ in range(n)]
        return take(SCALARS[t])

    assert data[:4] == b"GGUF", path + ": not a GGUF file"
    pos = 4
    take("I")
    n_tensors, n_kv = take("Q"), take("Q")
    meta = {}
    for _ in range(n_kv):
        key = string()
        meta[key] = value(take("I"))
    infos = []
    for _ in range(n_tensors):
        name = string()
        dims = [take("Q") for _ in range(take("I"))]
        infos.append((name, dims, take("I"), take("Q")))
    align = meta.get("general.alignment", 32)
    base = (pos + align - 1) // align * align
    tensors = {}
    for name, dims, t, off in infos:
        elems = 1
        for d in dims:
            elems *= d
        per, size = BLOCKS[t]
        n = elems // per * size
        tensors[name] = (t, dims, data[base + off:base + off + n])
    return tensors


def main():
    a, b = read(sys.argv[1]), read(sys.argv[2])
    bad = 0
    for name in sorted(set(a) | set(b)):
        if name not in a or name not in b:
            print(f"{name}: only in {'A' if name in a else 'B'}")
            bad += 1
            continue
        (ta, da, xa), (tb, db, xb) = a[name], b[name]
        if (ta, da) != (tb, db):
            print(f"{name}: {TYPE_NAMES.get(ta, ta)} {da} vs {TYPE_NAMES.get(tb, tb)} {db}")
            bad += 1
        elif xa != xb:
            diff = sum(1 for i in range(len(xa)) if xa[i] != xb[i])
            print(f"{name}: {TYPE_NAMES.get(ta, ta)} {da}: {diff} of {len(xa)} bytes differ")
            bad += 1
    print(f"{len(a)} tensors, {bad} differ")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
