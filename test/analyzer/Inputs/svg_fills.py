#!/usr/bin/env python3
"""Prints 'TITLE FILL' for every node of a Graphviz SVG, sorted by title:
the fill colour of its first shape, i.e. the colour the reader sees."""
import sys
import xml.etree.ElementTree as ET

NS = {"svg": "http://www.w3.org/2000/svg"}
root = ET.parse(sys.argv[1]).getroot()
rows = []
for g in root.iter("{http://www.w3.org/2000/svg}g"):
    if "node" not in (g.get("class") or "").split():
        continue
    title = g.find("svg:title", NS).text
    shape = next(e for e in g.iter() if e.tag.split("}")[1] in ("polygon", "ellipse", "path") and e.get("fill"))
    rows.append("%s %s" % (title, shape.get("fill")))
print("\n".join(sorted(rows)))
