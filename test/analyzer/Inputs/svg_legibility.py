#!/usr/bin/env python3
"""Checks a module-view SVG for the rules a person needs to read it.

usage: svg_legibility.py SVG --max-boxes N [--min-font PT]
Counts the drawn boxes (Graphviz 'node' groups, legend excluded) and the
smallest text; prints 'legible: B boxes, smallest text F, W x H pt' or what
breaks a rule, exit 1.
"""
import argparse, re, sys
import xml.etree.ElementTree as ET

ap = argparse.ArgumentParser()
ap.add_argument("svg")
ap.add_argument("--max-boxes", type=int, required=True)
ap.add_argument("--min-font", type=float, default=10.0)
a = ap.parse_args()

ns = {"s": "http://www.w3.org/2000/svg"}
root = ET.parse(a.svg).getroot()
boxes = [g for g in root.iter("{http://www.w3.org/2000/svg}g")
         if "node" in g.get("class", "").split()
         and not g.findtext("s:title", "", ns).startswith("legend:")]
fonts = [float(t.get("font-size")) for t in root.iter("{http://www.w3.org/2000/svg}text") if t.get("font-size")]
width = float(re.sub("[a-z]+$", "", root.get("width", "0")))
height = float(re.sub("[a-z]+$", "", root.get("height", "0")))
problems = []
if len(boxes) > a.max_boxes:
    problems.append("%d boxes, more than %d" % (len(boxes), a.max_boxes))
if not fonts:
    problems.append("no text")
elif min(fonts) < a.min_font:
    problems.append("text of %.1f, smaller than %.1f" % (min(fonts), a.min_font))
legend = any(g.findtext("s:title", "", ns) == "cluster_legend" for g in root.iter("{http://www.w3.org/2000/svg}g"))
if not legend:
    problems.append("no legend")
if problems:
    print("illegible: " + "; ".join(problems))
    sys.exit(1)
print("legible: %d boxes, smallest text %.1f, %.0f x %.0f pt" % (len(boxes), min(fonts), width, height))
