# lit configuration for reach-audit: each test is a small C++ program split
# into files with split-file, given a compile_commands.json by Inputs/mkdb.py,
# scanned, and checked with FileCheck.
import os
import lit.formats

config.name = "reach-audit"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".cpp", ".test"]
config.excludes = ["Inputs", "unit"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(os.path.dirname(config.reach_audit), "..", "test", "analyzer")

config.environment["PATH"] = os.pathsep.join([config.llvm_tools_dir, config.environment.get("PATH", os.environ.get("PATH", ""))])
inputs = os.path.join(config.test_source_root, "Inputs")
config.substitutions.append(("%reach-audit", config.reach_audit))
config.substitutions.append(("%mkdb", "python3 " + os.path.join(inputs, "mkdb.py")))
config.substitutions.append(("%jsonnorm", "python3 " + os.path.join(inputs, "jsonnorm.py")))
config.substitutions.append(("%inputs", inputs))
config.substitutions.append(("%verdicts", "python3 " + os.path.join(inputs, "verdicts.py")))
config.substitutions.append(("%sarif-validate", "python3 " + os.path.join(inputs, "sarif_validate.py")))
config.substitutions.append(("%sarifnorm", "python3 " + os.path.join(inputs, "sarifnorm.py")))
config.substitutions.append(("%exitcode", "python3 " + os.path.join(inputs, "exitcode.py")))
config.substitutions.append(("%cmake", config.cmake))
config.substitutions.append(("%clangxx", config.clangxx))
config.substitutions.append(("%ranges", "python3 " + os.path.join(inputs, "ranges.py")))
config.substitutions.append(("%deletability", "python3 " + os.path.join(inputs, "deletability.py")))

# nvcc's compile commands (CUDA sources) are parsed as clang's CUDA host side:
# the tests need a CUDA toolkit, found where the build found nvcc.
if getattr(config, "nvcc", "") and os.path.exists(config.nvcc):
    config.available_features.add("nvcc")
    config.substitutions.append(("%nvcc", config.nvcc))
