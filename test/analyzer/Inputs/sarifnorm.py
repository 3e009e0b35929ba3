#!/usr/bin/env python3
"""Prints a SARIF log with the machine-specific root URI replaced by
file:///<root>/ (and the build's informationUri by a placeholder), for
comparison with a golden file."""
import json, sys

log = json.load(open(sys.argv[1]))
for run in log["runs"]:
    for base in run.get("originalUriBaseIds", {}).values():
        base["uri"] = "file:///<root>/"
    driver = run["tool"]["driver"]
    if "informationUri" in driver:  # the checkout's docs, or its origin
        driver["informationUri"] = "<information-uri>"
print(json.dumps(log, indent=2, sort_keys=True))
