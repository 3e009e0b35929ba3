#!/usr/bin/env python3
"""Mutation test of reach-audit's safety net (#10). Takes a committed copy of
an end-to-end CMake project, then for each of 20+ rule typos and
misconfigurations (misspelt entries, wrong root, empty database, missing
build, rules in a parent folder, ...) runs `scan`, `check` and
`fix --apply --verify`, and asserts that each exits 2 with an error message
and that no byte of the tree changes. The right configuration is run too:
there `fix` must delete code and the build must still pass, so the test
also proves the commands are able to change bytes at all.

usage: safety_mutations.py --reach-audit BIN --cmake CMAKE --project DIR --work DIR
"""
import hashlib, json, os, shutil, sys

import project_copy

RA = CMAKE = None


def run(cmd, cwd, check=True):
    return project_copy.run("safety", cmd, cwd, check)


def tree_digest(root):
    """Every file's bytes under root, build/ and .git/ aside."""
    h = hashlib.sha256()
    for d, dirs, files in os.walk(root):
        dirs[:] = sorted(x for x in dirs if x not in ("build", ".git"))
        for f in sorted(files):
            p = os.path.join(d, f)
            h.update(os.path.relpath(p, root).encode() + b"\0")
            with open(p, "rb") as fh:
                h.update(fh.read())
    return h.hexdigest()


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


def good_rules(proj):
    with open(os.path.join(proj, "reach.yaml")) as f:
        return f.read()


def commands(ctx, args):
    """scan, check and fix with the same configuration arguments."""
    verify = CMAKE + " --build " + os.path.join(ctx["proj"], "build")
    return [
        ("scan", [RA, "scan"] + args),
        ("check", [RA, "check", "--baseline", ctx["baseline"]] + args),
        ("fix", [RA, "fix", "--apply", "--edit-cmake", "--max-share=100", "--verify", verify] + args),
    ]


# Each mutation edits the tree or the setup and returns (args, cwd). The
# default arguments are the right ones: -p build --root . from the project.
def rules_edit(old, new):
    def m(ctx):
        write(ctx["rules"], ctx["good_rules"].replace(old, new))
        return ctx["args"], ctx["proj"]
    return m


def rules_text(text):
    def m(ctx):
        write(ctx["rules"], text)
        return ctx["args"], ctx["proj"]
    return m


def db_edit(fn):
    def m(ctx):
        db = os.path.join(ctx["proj"], "build", "compile_commands.json")
        shutil.copy(db, db + ".orig")
        with open(db) as f:
            text = f.read()
        write(db, fn(text))
        return ctx["args"], ctx["proj"]
    return m


def missing_file_in_db(text):
    entries = json.loads(text)
    entries[0]["file"] = entries[0]["file"].replace(".cpp", "_gone.cpp")
    return json.dumps(entries)


def args_only(fn):
    def m(ctx):
        return fn(ctx), ctx["proj"]
    return m


def parent_rules_with_typo(ctx):
    # No rules in the project; a parent folder's reach.yaml (misspelt) is
    # found by discovery from a subfolder, and must be reported, not used
    # silently or ignored.
    os.remove(ctx["rules"])
    write(os.path.join(os.path.dirname(ctx["proj"]), "reach.yaml"),
          ctx["good_rules"].replace("function: main", "function: mian"))
    return ["-p", os.path.join(ctx["proj"], "build")], os.path.join(ctx["proj"], "app")


def inline_keep_without_reason(ctx):
    path = os.path.join(ctx["proj"], "loaders", "loaders.cpp")
    with open(path) as f:
        text = f.read()
    old = "bool load_npz("
    assert old in text, "the e2e project changed: update this mutation"
    write(path, text.replace(old, "// reach: keep()\n" + old))
    return ctx["args"], ctx["proj"]


MUTATIONS = [
    ("misspelt entry function", rules_edit("function: main", "function: mian")),
    ("entry regex matching nothing", rules_edit("function: main", "match: \"^zzz$\"")),
    ("misspelt registered-by", rules_edit("ipc::register_handler", "ipc::register_handlr")),
    ("keep symbol that does not exist", rules_edit("kernels::abi_version", "kernels::abi_versoin")),
    ("tests glob matching no file", rules_edit("path: test/**", "path: tset/**")),
    ("entry annotation nothing carries", rules_text("entries:\n  - annotation: reach::entyr\n")),
    ("header glob matching nothing", rules_text("entries:\n  - header: \"inlcude/**\"\n")),
    ("exported: false", rules_text("entries:\n  - exported: false\n")),
    ("empty rules file", rules_text("")),
    ("misspelt top-level key", rules_edit("entries:", "entires:")),
    ("malformed YAML", rules_text("entries:\n  - function: [main\n")),
    ("exclude glob matching no file", rules_edit("tests:", "exclude:\n  - path: tols/**\ntests:")),
    ("--rules naming a missing file", args_only(lambda c: c["args"] + ["--rules", "nosuch.yaml"])),
    ("root holding no compiled source", args_only(lambda c: ["-p", "build", "--root", "tools"])),
    ("root outside the project", args_only(lambda c: ["-p", "build", "--root", c["elsewhere"]])),
    ("missing build folder", args_only(lambda c: ["-p", "no-build", "--root", "."])),
    ("build folder without a database", args_only(lambda c: ["-p", c["nodb"], "--root", "."])),
    ("empty compile database", db_edit(lambda t: "[]")),
    ("malformed compile database", db_edit(lambda t: t[: len(t) // 2])),
    ("database entry whose file does not exist", db_edit(missing_file_in_db)),
    ("-p given twice", args_only(lambda c: ["-p", "build", "-p", "build", "--root", "."])),
    ("rules in a parent folder, misspelt", parent_rules_with_typo),
    ("inline keep without a reason", inline_keep_without_reason),
]


def reset(ctx):
    proj = ctx["proj"]
    run(["git", "reset", "-q", "--hard"], proj)
    run(["git", "clean", "-fdq", "-e", "build"], proj)
    db = os.path.join(proj, "build", "compile_commands.json")
    if os.path.exists(db + ".orig"):
        shutil.move(db + ".orig", db)
    parent_rules = os.path.join(os.path.dirname(proj), "reach.yaml")
    if os.path.exists(parent_rules):
        os.remove(parent_rules)


def main():
    global RA, CMAKE
    a = project_copy.arguments("Runs scan, check and fix on misconfigured copies of a project.")
    RA, CMAKE = os.path.abspath(a.reach_audit), a.cmake
    work = os.path.abspath(a.work)
    shutil.rmtree(work, ignore_errors=True)
    proj = os.path.join(work, "tree", "proj")
    project_copy.committed_build("safety", a.project, proj, CMAKE)
    ctx = {"proj": proj, "rules": os.path.join(proj, "reach.yaml"), "args": ["-p", "build", "--root", "."],
           "baseline": os.path.join(work, "baseline.json"), "elsewhere": os.path.join(work, "elsewhere"),
           "nodb": os.path.join(work, "nodb"), "good_rules": good_rules(proj)}
    os.makedirs(ctx["elsewhere"])
    os.makedirs(ctx["nodb"])
    write(os.path.join(ctx["elsewhere"], "x.cpp"), "int x() { return 0; }\n")
    run([RA, "check", "--baseline", ctx["baseline"], "--update-baseline"] + ctx["args"], proj)

    failures = []
    for name, mutate in MUTATIONS:
        reset(ctx)
        args, cwd = mutate(ctx)
        before = tree_digest(proj)
        for cmd_name, cmd in commands(ctx, args):
            r = run(cmd, cwd, check=False)
            last = r.stdout.strip().splitlines()[-1:] or ["(no output)"]
            if r.returncode != 2 or "error" not in r.stdout:
                failures.append("%s: %s exited %d (want 2 with an error message): %s"
                                % (name, cmd_name, r.returncode, last[0]))
            if tree_digest(proj) != before:
                failures.append("%s: %s changed the tree" % (name, cmd_name))
                run(["git", "checkout", "-q", "--", "."], proj)
        print("ok   %s" % name if not any(f.startswith(name + ":") for f in failures) else "FAIL %s" % name)

    # The right configuration: every command succeeds and fix deletes code
    # that the build does not need.
    reset(ctx)
    before = tree_digest(proj)
    for cmd_name, cmd in commands(ctx, ctx["args"]):
        r = run(cmd, proj, check=False)
        if r.returncode != 0:
            failures.append("right configuration: %s exited %d:\n%s" % (cmd_name, r.returncode, r.stdout))
    changed = tree_digest(proj) != before
    if not changed:
        failures.append("right configuration: fix --apply changed nothing (the test would prove nothing)")
    print("%s right configuration: scan, check and fix exit 0, fix deleted dead code and the build passed"
          % ("ok  " if changed and not failures else "FAIL"))
    reset(ctx)

    print("safety: %d misconfigurations, each run through scan, check and fix --apply --verify: %d failure(s)"
          % (len(MUTATIONS), len(failures)))
    for f in failures:
        print("  " + f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
