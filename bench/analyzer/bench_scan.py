#!/usr/bin/env python3
"""Times `reach-audit scan` against `clang -fsyntax-only` over the same
compile database with the same parallelism, and prints the ratio and peak
memory. The target is scan <= 1.2x syntax-only (#17).

usage: bench_scan.py -p BUILD_DIR [--root DIR] [--rules FILE] [-j N]
                     [--reach-audit PATH] [--clang PATH] [--filter REGEX] [--repeat N]

--filter keeps only compile commands whose file matches REGEX (e.g. to time
only the analyzer's own sources); the scan is given the same subset through
a temporary compile database.
"""
import shutil
import argparse, json, os, re, shlex, subprocess, sys, tempfile, time
from concurrent.futures import ThreadPoolExecutor


def command_args(entry):
    if "arguments" in entry:
        return list(entry["arguments"])
    return shlex.split(entry["command"])


def syntax_only_args(entry, clang):
    """The compile command as the scan sees it: no output, no dependency
    files, -fsyntax-only, the same flags, run by clang."""
    args = command_args(entry)
    cxx = not re.search(r"(^|/)(cc|gcc|clang)(-[0-9.]+)?$", args[0])
    out = [clang if cxx else clang.replace("clang++", "clang")]
    skip = False
    for a in args[1:]:
        if skip:
            skip = False
            continue
        if a in ("-o", "-MF", "-MT", "-MQ"):
            skip = True
            continue
        if a in ("-c", "-MD", "-MMD") or a.startswith("-o"):
            continue
        out.append(a)
    return out + ["-fsyntax-only", "-Wno-unknown-warning-option", "-Qunused-arguments"]


def run_timed(cmd, cwd=None):
    """Runs cmd; returns (seconds, peak RSS in MiB, returncode)."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    return time.perf_counter() - t0, ru.ru_maxrss / 1024.0, os.waitstatus_to_exitcode(status)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-p", required=True)
    ap.add_argument("--root", default=".")
    ap.add_argument("--rules")
    ap.add_argument("-j", type=int, default=os.cpu_count())
    ap.add_argument("--reach-audit", default=None)
    ap.add_argument("--clang", default="clang++-19")
    ap.add_argument("--filter")
    ap.add_argument("--repeat", type=int, default=1)
    o = ap.parse_args()

    db = json.load(open(os.path.join(o.p, "compile_commands.json")))
    if o.filter:
        db = [e for e in db if re.search(o.filter, e["file"])]
    # One command per file, as the scan parses each file's commands.
    seen, entries = set(), []
    for e in db:
        f = os.path.join(e["directory"], e["file"])
        if f not in seen:
            seen.add(f)
            entries.append(e)
    tmp = tempfile.mkdtemp(prefix="reach-bench-")
    with open(os.path.join(tmp, "compile_commands.json"), "w") as out:
        json.dump(entries, out)

    exe = o.reach_audit or os.path.join(o.p, "analyzer", "reach-audit")
    scan = [exe, "scan", "-p", tmp, "--root", o.root, "-j", str(o.j)]
    if o.rules:
        scan += ["--rules", o.rules]

    def syntax_only_all():
        t0 = time.perf_counter()
        with ThreadPoolExecutor(o.j) as pool:
            res = list(pool.map(lambda e: run_timed(syntax_only_args(e, o.clang), e["directory"]), entries))
        failed = sum(1 for r in res if r[2] != 0)
        return time.perf_counter() - t0, max(r[1] for r in res), sum(r[1] for r in res[: o.j]), failed

    best_syn, best_scan = None, None
    for _ in range(o.repeat):
        syn = syntax_only_all()
        # A full scan: into an empty index each time (writing it is part of
        # the cost; a warm index would parse nothing).
        index = os.path.join(tmp, "index")
        shutil.rmtree(index, ignore_errors=True)
        sc = run_timed(scan + ["--index", index])
        best_syn = syn if best_syn is None or syn[0] < best_syn[0] else best_syn
        best_scan = sc if best_scan is None or sc[0] < best_scan[0] else best_scan

    print("translation units:        %d (-j %d)" % (len(entries), o.j))
    print("clang -fsyntax-only:      %.2f s wall, peak RSS %.0f MiB per process%s"
          % (best_syn[0], best_syn[1], "" if not best_syn[3] else " (%d failed)" % best_syn[3]))
    print("reach-audit scan:         %.2f s wall, peak RSS %.0f MiB (whole process, exit %d)"
          % (best_scan[0], best_scan[1], best_scan[2]))
    ratio = best_scan[0] / best_syn[0]
    print("ratio scan/syntax-only:   %.2fx (target <= 1.2x: %s)" % (ratio, "met" if ratio <= 1.2 else "NOT met"))


if __name__ == "__main__":
    sys.exit(main())
