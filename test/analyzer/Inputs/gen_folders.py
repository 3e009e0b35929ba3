#!/usr/bin/env python3
"""Writes a project of uneven folders under DIR for the module view tests.
Each SPEC is PREFIX:FOLDERS:FILES, FOLDERS folders PREFIX0, PREFIX1, ... of
FILES sources each. Every file defines a function that calls the next
file's, and one dead function; the first file holds main. Prints the file
list to build. PREFIX:FOLDERS:FILES:unbuilt writes sources the list leaves
out (orphaned files, without definitions in the analysis).

usage: gen_folders.py DIR SPEC...   e.g. big/part:4:30 tools/tool:45:1 big/old:10:3:unbuilt
"""
import os, sys


def write_chain(d, paths):
    """Each of paths under d defines f<i> calling f<i+1> and a dead
    unused<i>; the first holds main."""
    for i, p in enumerate(paths):
        os.makedirs(os.path.join(d, os.path.dirname(p)), exist_ok=True)
        nxt = "f%d()" % (i + 1) if i + 1 < len(paths) else "0"
        decl = "int f%d();\n" % (i + 1) if i + 1 < len(paths) else ""
        body = decl + "int f%d() { return %s; }\nint unused%d() { return %d; }\n" % (i, nxt, i, i)
        if i == 0:
            body += "int main() { return f0(); }\n"
        open(os.path.join(d, p), "w").write(body)


def main():
    d = sys.argv[1]
    paths = []
    for spec in sys.argv[2:]:
        prefix, folders, files, *unbuilt = spec.split(":")
        these = ["%s%d/f%d.cpp" % (prefix, n, f) for n in range(int(folders)) for f in range(int(files))]
        if unbuilt:
            for p in these:
                os.makedirs(os.path.join(d, os.path.dirname(p)), exist_ok=True)
                open(os.path.join(d, p), "w").write("int %s() { return 0; }\n" % p.replace("/", "_").replace(".", "_"))
        else:
            paths += these
    write_chain(d, paths)
    print(" ".join(paths))


if __name__ == "__main__":
    main()
