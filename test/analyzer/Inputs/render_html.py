#!/usr/bin/env python3
"""Loads an HTML file (optionally with a #fragment) in headless Chromium and
prints the DOM after its scripts ran (--dump-dom).

usage: render_html.py FILE [FRAGMENT]
Chromium runs with a fresh, temporary profile and no network services; as
root it needs --no-sandbox. scripts/setup.sh installs Debian's chromium."""
import os, shutil, subprocess, sys, tempfile

browser = shutil.which("chromium") or shutil.which("chromium-browser")
if not browser:
    sys.exit("render_html.py: chromium not found; run scripts/setup.sh (Debian package 'chromium')")
url = "file://" + os.path.abspath(sys.argv[1]) + (("#" + sys.argv[2]) if len(sys.argv) > 2 else "")
profile = tempfile.mkdtemp(prefix="reach-chromium-")
try:
    r = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu",
                        "--disable-background-networking", "--disable-component-update",
                        "--disable-sync", "--no-first-run", "--user-data-dir=" + profile,
                        "--dump-dom", url],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=120)
finally:
    shutil.rmtree(profile, ignore_errors=True)
if r.returncode != 0 or not r.stdout.strip():
    sys.stderr.write(r.stderr)
    sys.exit("render_html.py: chromium failed (exit %d)" % r.returncode)
sys.stdout.write(r.stdout)
