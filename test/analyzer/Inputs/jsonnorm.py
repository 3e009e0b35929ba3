#!/usr/bin/env python3
"""Prints a reach-audit JSON report with the machine-specific root replaced,
so that it can be compared with a golden file."""
import json, sys

report = json.load(open(sys.argv[1]))
report["root"] = "<root>"
print(json.dumps(report, indent=2, sort_keys=True))
