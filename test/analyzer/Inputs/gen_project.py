#!/usr/bin/env python3
"""Writes a project of TOPS x SUBS x FILES sources under DIR for the module
view tests: each file defines a function that calls the next file's, and one
dead function; mod0/sub0/f0.cpp holds main. Prints the file list.

usage: gen_project.py DIR TOPS SUBS FILES
"""
import os, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_folders import write_chain

d, tops, subs, files = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
paths = ["mod%d/sub%d/f%d.cpp" % (t, s, f) for t in range(tops) for s in range(subs) for f in range(files)]
write_chain(d, paths)
print(" ".join(paths))
