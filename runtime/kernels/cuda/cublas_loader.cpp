#include "kernels/cuda/cublas_loader.h"

#include <dlfcn.h>

#include "kernels/device_error.h"

namespace reach::run::cuda {

namespace {

// Resolves `name` in `library` into `fn`; false, with `why` set, if absent.
template <class Fn>
bool resolve(void* library, const char* name, Fn& fn, std::string& why) {
  fn = reinterpret_cast<Fn>(dlsym(library, name));
  if (!fn) why = std::string("no function ") + name;
  return fn != nullptr;
}

}  // namespace

CublasApi load_cublas(std::span<const std::string> libraries) {
  std::string tried;
  for (const std::string& path : libraries) {
    std::string why;
    // RTLD_LOCAL: its symbols serve only the calls below.
    if (void* library = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL)) {
      CublasApi api;
      const bool all = resolve(library, "cublasCreate_v2", api.create, why) &&
                       resolve(library, "cublasDestroy_v2", api.destroy, why) &&
                       resolve(library, "cublasSetStream_v2", api.set_stream, why) &&
                       resolve(library, "cublasSgemm_v2", api.sgemm, why) &&
                       resolve(library, "cublasGemmEx", api.gemm_ex, why) &&
                       resolve(library, "cublasGetStatusString", api.status_string, why);
      if (all) return api;  // the library stays open: the functions live in it
      dlclose(library);
    } else {
      const char* error = dlerror();
      why = error ? error : "cannot be opened";
    }
    tried += (tried.empty() ? "" : "; ") + path + ": " + why;
  }
  throw DeviceError("cannot load cuBLAS, which --device cuda's matrix products need (" +
                    (tried.empty() ? std::string("no library named") : tried) + ")");
}

const CublasApi& cublas() {
  static const CublasApi api = [] {
    const std::string libraries[] = {REACH_CUBLAS_PATH, REACH_CUBLAS_SONAME};
    return load_cublas(libraries);
  }();
  return api;
}

}  // namespace reach::run::cuda
