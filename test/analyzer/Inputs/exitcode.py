#!/usr/bin/env python3
"""Runs a command, passes its output through and prints 'exit: N' last, so
lit tests can check an exact exit status (the lit shell has no $?)."""
import subprocess, sys

r = subprocess.run(sys.argv[1:], stderr=subprocess.STDOUT, stdout=subprocess.PIPE, text=True)
sys.stdout.write(r.stdout)
print("exit: %d" % r.returncode)
