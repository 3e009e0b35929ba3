#!/usr/bin/env python3
"""Prints each symbol of a reach-audit JSON report with its range:
'<status> <name> <begin line>:<col>-<end line>:<col>', sorted by position,
so a lit test can assert every definition's whole range."""
import json, sys

r = json.load(open(sys.argv[1]))
for s in sorted(r["symbols"], key=lambda s: (s["file"], s["range"]["begin"]["offset"], s["name"])):
    b, e = s["range"]["begin"], s["range"]["end"]
    print("%s %s %d:%d-%d:%d" % (s["status"], s["name"], b["line"], b["column"], e["line"], e["column"]))
