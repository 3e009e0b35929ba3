#!/usr/bin/env python3
"""Damages two entries of an index folder: the first (by name) cut to half
its length, the second with one byte in its middle changed."""
import glob, os, sys

entries = sorted(glob.glob(os.path.join(sys.argv[1], "*.tu")))
assert len(entries) >= 2, entries
with open(entries[0], "r+b") as f:
    f.truncate(os.path.getsize(entries[0]) // 2)
with open(entries[1], "r+b") as f:
    middle = os.path.getsize(entries[1]) // 2
    f.seek(middle)
    b = f.read(1)
    f.seek(middle)
    f.write(bytes([b[0] ^ 0xFF]))
