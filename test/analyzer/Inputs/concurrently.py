#!/usr/bin/env python3
"""Runs commands at the same time; fails unless every one exits 0.

usage: concurrently.py OUT_PREFIX -- CMD... [--- CMD...]
The stdout of the K-th command goes to OUT_PREFIX.K (K from 1).
"""
import subprocess, sys

args = sys.argv[1:]
prefix = args.pop(0)
assert args and args.pop(0) == "--", __doc__
commands, cur = [], []
for a in args:
    if a == "---":
        commands.append(cur)
        cur = []
    else:
        cur.append(a)
commands.append(cur)
procs = [subprocess.Popen(c, stdout=open(f"{prefix}.{k + 1}", "w")) for k, c in enumerate(commands)]
codes = [p.wait() for p in procs]
if any(codes):
    sys.exit(f"concurrently.py: exit codes {codes}")
