#!/usr/bin/env python3
"""Writes DIR/compile_commands.json for source files in DIR.

usage: mkdb.py DIR [--cc COMPILER] FILE... [-- FLAG...]
Each FILE (relative to DIR) gets one command: COMPILER -std=c++20 FLAGS -c FILE -o FILE.o
(-std=gnu11 for a .c FILE)
"""
import json, os, sys

args = sys.argv[1:]
d = os.path.abspath(args.pop(0))
cc = "clang++"
if args and args[0] == "--cc":
    cc = args[1]
    args = args[2:]
flags = []
if "--" in args:
    i = args.index("--")
    flags = args[i + 1:]
    args = args[:i]
cmds = []
for f in args:
    path = os.path.join(d, f)
    std = "-std=gnu11" if f.endswith(".c") else "-std=c++20"
    cmds.append({"directory": d, "file": path,
                 "command": " ".join([cc, std] + flags + ["-c", path, "-o", path + ".o"])})
with open(os.path.join(d, "compile_commands.json"), "w") as out:
    json.dump(cmds, out, indent=1)
