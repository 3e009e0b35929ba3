#!/usr/bin/env python3
"""Writes a project of TOPS x SUBS x FILES sources under DIR for the module
view tests: each file defines a function that calls the next file's, and one
dead function; mod0/sub0/f0.cpp holds main. Prints the file list.

usage: gen_project.py DIR TOPS SUBS FILES
"""
import os, sys

d, tops, subs, files = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
paths = ["mod%d/sub%d/f%d.cpp" % (t, s, f) for t in range(tops) for s in range(subs) for f in range(files)]
for i, p in enumerate(paths):
    os.makedirs(os.path.join(d, os.path.dirname(p)), exist_ok=True)
    nxt = "f%d()" % (i + 1) if i + 1 < len(paths) else "0"
    decl = "int f%d();\n" % (i + 1) if i + 1 < len(paths) else ""
    body = decl + "int f%d() { return %s; }\nint unused%d() { return %d; }\n" % (i, nxt, i, i)
    if i == 0:
        body += "int main() { return f0(); }\n"
    open(os.path.join(d, p), "w").write(body)
print(" ".join(paths))
