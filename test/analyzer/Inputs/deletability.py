#!/usr/bin/env python3
"""Deletability test (#23): every definition `scan` calls dead must be one
that can be deleted. For a CMake project, deletes each dead definition with
only the dead code that references it (`fix --symbol USR --with-dead-users
--apply --verify "cmake --build build"`) from a clean tree, and fails naming
every definition whose deletion broke the build: live code still needed
it, a wrong verdict. Definitions fix keeps (with its reason) are listed.

usage: deletability.py --reach-audit BIN --cmake CMAKE --project DIR --work DIR
"""
import json, os, shutil, sys

import project_copy


def run(cmd, cwd, check=True):
    return project_copy.run("deletability", cmd, cwd, check)


def main():
    a = project_copy.arguments("Deletes each dead definition alone and rebuilds.")
    proj = os.path.join(a.work, "proj")
    shutil.rmtree(a.work, ignore_errors=True)
    project_copy.committed_build("deletability", a.project, proj, a.cmake)
    report = os.path.join(a.work, "scan.json")
    run([a.reach_audit, "scan", "-p", "build", "--root", ".", "--json", report], proj)
    dead = [s for s in json.load(open(report))["symbols"]
            if s["status"] == "dead" and not s.get("vendored")]
    if not dead:
        sys.exit("deletability: scan calls nothing dead in %s: the test would prove nothing" % a.project)
    broken, kept, deleted = [], [], 0
    for s in dead:
        run(["git", "reset", "-q", "--hard"], proj)
        run(["git", "clean", "-fdq", "-e", "build"], proj)
        r = run([a.reach_audit, "fix", "-p", "build", "--root", ".", "--symbol", s["usr"], "--with-dead-users", "--apply",
                 "--max-share=100", "--verify", a.cmake + " --build build"], proj, check=False)
        where = "%s (%s:%d)" % (s["name"], s["file"], s["line"])
        changed = run(["git", "status", "--porcelain", "--untracked-files=no"], proj).stdout.strip()
        # fix re-parses its edits before writing them: a deletion that breaks
        # a TU is dropped there ("deleting it breaks ..."), else --verify fails.
        if r.returncode == 1 or "deleting it breaks" in r.stdout:
            broken.append(where + "\n    " + "\n    ".join(r.stdout.strip().splitlines()[-8:]))
        elif r.returncode != 0:
            sys.exit("deletability: fix failed on %s (exit %d):\n%s" % (where, r.returncode, r.stdout))
        elif not changed:
            kept.append(where + ": " + "; ".join(l.strip() for l in r.stdout.splitlines() if "kept" in l))
        else:
            deleted += 1
    run(["git", "reset", "-q", "--hard"], proj)
    print("deletability: %d dead definitions in %s: %d deleted (with their dead users) and the build passed, %d kept by fix, %d broke the build"
          % (len(dead), os.path.basename(a.project.rstrip("/")), deleted, len(kept), len(broken)))
    for k in kept:
        print("  kept: " + k)
    for b in broken:
        print("  WRONG VERDICT, deleting it alone breaks the build: " + b)
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
