// A compile command of nvcc, NVIDIA's CUDA driver, as the clang command that
// parses the same source: clang's own CUDA mode for the host side
// (--cuda-host-only), which still builds the AST of every __global__ and
// __device__ function, so kernels and what they call are in the graph. nvcc
// drives a host compiler and a device compiler with options of its own;
// those that only steer code generation (--generate-code, -arch, -Xptxas,
// --expt-relaxed-constexpr, ...) are dropped, the language becomes cuda, and
// the toolkit is the one the nvcc named lives in.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace reach {

/// True for a driver named nvcc (any folder, any version suffix).
bool isNvccDriver(const std::string &Argv0);

/// The clang arguments for an nvcc command line (argv[0] included).
std::vector<std::string> clangCommandForNvcc(const std::vector<std::string> &Nvcc);

/// Headers clang's CUDA wrapper includes that newer toolkits no longer ship
/// (CUDA 13 dropped texture_fetch_functions.h; clang 19 still includes it):
/// absolute path -> contents, served from a virtual folder that
/// clangCommandForNvcc puts on the include path.
const std::map<std::string, std::string> &cudaCompatFiles();

} // namespace reach
