#!/usr/bin/env python3
"""Prints every verdict of a reach-audit JSON report, one per line, sorted:
'<status> <kind> <name> @ <file>:<line>' then 'file <path> <status>', so a
test can assert all of them with CHECK-NEXT."""
import json, sys

r = json.load(open(sys.argv[1]))
for s in sorted(r["symbols"], key=lambda s: (s["file"], s["line"], s["name"], s["kind"])):
    print("%s %s %s @ %s:%d" % (s["status"], s["kind"], s["name"], s["file"], s["line"]))
for f in r["files"]:
    print("file %s %s" % (f["path"], f["status"]))
print("summary " + " ".join("%s=%d" % kv for kv in sorted(r["summary"].items())))
