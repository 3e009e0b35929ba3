#include "extract/NvccCommand.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Path.h"

namespace reach {

namespace {

const char *const CompatDir = "/reach-audit-virtual/cuda-compat";

/// nvcc options that take their value as the next argument and only matter
/// to nvcc's own device or link steps.
bool dropsNextToo(llvm::StringRef A) {
  static const char *Options[] = {"-gencode", "--generate-code", "-arch", "--gpu-architecture", "-code",
                                  "--gpu-code", "-ccbin", "--compiler-bindir", "-Xptxas", "--ptxas-options",
                                  "-Xnvlink", "--nvlink-options", "-Xcudafe", "-Xfatbin", "--fatbin-options",
                                  "-maxrregcount", "--maxrregcount", "-t", "--threads"};
  for (const char *O : Options)
    if (A == O)
      return true;
  return false;
}

/// nvcc options, alone or with `=value`, that clang has no use for.
bool dropsAlone(llvm::StringRef A) {
  static const char *Prefixes[] = {
      "-forward-unknown-to-host-compiler", "--forward-unknown-to-host-compiler", "-gencode=", "--generate-code=",
      "-arch=", "--gpu-architecture=", "-code=", "--gpu-code=", "-ccbin=", "--compiler-bindir=",
      "-Xptxas=", "--ptxas-options=", "-Xnvlink=", "-Xcudafe=", "-Xfatbin=", "--expt-relaxed-constexpr",
      "-expt-relaxed-constexpr", "--expt-extended-lambda", "-expt-extended-lambda", "--extended-lambda",
      "-extended-lambda", "-rdc=", "--relocatable-device-code=", "-dc", "--device-c", "-lineinfo",
      "--generate-line-info", "-use_fast_math", "--use_fast_math", "-maxrregcount=", "--maxrregcount=",
      "--threads=", "-t=", "--diag-suppress=", "-diag-suppress=", "--display-error-number",
      "-Werror=all-warnings", "--keep", "-G"};
  for (const char *P : Prefixes) {
    llvm::StringRef Prefix(P);
    if (Prefix.ends_with("=") ? A.starts_with(Prefix) : A == Prefix)
      return true;
  }
  return false;
}

/// The toolkit an nvcc path belongs to: <toolkit>/bin/nvcc.
std::string toolkitOf(llvm::StringRef Nvcc) {
  llvm::StringRef Bin = llvm::sys::path::parent_path(Nvcc);
  if (llvm::sys::path::filename(Bin) != "bin")
    return "";
  return llvm::sys::path::parent_path(Bin).str();
}

/// "-Xcompiler=-Wall,-fPIC" or "-Xcompiler" "-Wall,-fPIC": the host
/// compiler's own options, which clang takes as they are.
void addHostOptions(llvm::StringRef List, std::vector<std::string> &Out) {
  llvm::SmallVector<llvm::StringRef, 4> Parts;
  List.split(Parts, ',', -1, false);
  for (llvm::StringRef P : Parts)
    Out.push_back(P.str());
}

} // namespace

bool isNvccDriver(const std::string &Argv0) {
  return llvm::StringRef(llvm::sys::path::filename(Argv0)).starts_with("nvcc");
}

std::vector<std::string> clangCommandForNvcc(const std::vector<std::string> &Nvcc) {
  std::vector<std::string> R{"clang++"};
  for (size_t I = 1; I < Nvcc.size(); ++I) {
    llvm::StringRef A = Nvcc[I];
    if (dropsNextToo(A)) {
      ++I;
    } else if (dropsAlone(A)) {
    } else if (A == "-x" && I + 1 < Nvcc.size()) {
      R.push_back("-x");
      R.push_back(Nvcc[++I] == "cu" ? "cuda" : Nvcc[I]);
    } else if (A == "-Xcompiler" || A == "--compiler-options") {
      if (I + 1 < Nvcc.size())
        addHostOptions(Nvcc[++I], R);
    } else if (A.consume_front("-Xcompiler=") || A.consume_front("--compiler-options=")) {
      addHostOptions(A, R);
    } else if (A.consume_front("-isystem=")) {  // nvcc's spelling of -isystem DIR
      R.push_back("-isystem");
      R.push_back(A.str());
    } else {
      R.push_back(A.str());
    }
  }
  // Before the file and any "--": the host side of CUDA, this toolkit.
  std::vector<std::string> Mode = {"--cuda-host-only", "-Wno-unknown-cuda-version", "-isystem", CompatDir};
  if (std::string Toolkit = toolkitOf(Nvcc[0]); !Toolkit.empty())
    Mode.push_back("--cuda-path=" + Toolkit);
  R.insert(R.begin() + 1, Mode.begin(), Mode.end());
  return R;
}

const std::map<std::string, std::string> &cudaCompatFiles() {
  static const std::map<std::string, std::string> Files = {
      {std::string(CompatDir) + "/texture_fetch_functions.h",
       "// Served by reach-audit: clang's CUDA wrapper includes this header, which CUDA 13 no longer ships.\n"}};
  return Files;
}

} // namespace reach
