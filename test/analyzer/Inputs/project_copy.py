"""What the deletability and safety-mutation scripts share: their command
line, running a step, and a committed, built copy of a CMake project to
edit (so that fix's git checks and --verify see a real repository)."""
import argparse, os, shutil, subprocess, sys


def arguments(description):
    """--reach-audit BIN --cmake CMAKE --project DIR --work DIR"""
    ap = argparse.ArgumentParser(description=description)
    for flag in ("--reach-audit", "--cmake", "--project", "--work"):
        ap.add_argument(flag, required=True)
    return ap.parse_args()


def run(who, cmd, cwd, check=True):
    """Runs cmd in cwd, output captured; with check, a failure ends the
    script with `who: CMD failed (exit N)` and the output."""
    r = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if check and r.returncode != 0:
        sys.exit("%s: %s failed (exit %d):\n%s" % (who, " ".join(cmd), r.returncode, r.stdout))
    return r


def committed_build(who, project, proj, cmake):
    """Copies project to proj (replacing it), commits it to a new git
    repository that ignores build/, and configures and builds it there."""
    shutil.rmtree(proj, ignore_errors=True)
    shutil.copytree(project, proj)
    with open(os.path.join(proj, ".gitignore"), "w") as f:
        f.write("build/\n")
    run(who, ["git", "init", "-q", "."], proj)
    run(who, ["git", "add", "."], proj)
    run(who, ["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "init"], proj)
    run(who, [cmake, "-S", ".", "-B", "build", "-G", "Ninja", "-DCMAKE_EXPORT_COMPILE_COMMANDS=ON"], proj)
    run(who, [cmake, "--build", "build"], proj)
