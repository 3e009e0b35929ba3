#include "tool/cache_type_option.h"

#include <string>

namespace reach::run::cli {

DType cache_type_option(const Args& a, const Device& device) {
  const bool cpu = device.kind == Device::Kind::Cpu;
  const std::string given = a.str("--cache-type", cpu ? "f16" : "f32");
  if (given == "f32") return DType::F32;
  if (given != "f16") throw UsageError("--cache-type " + given + ": expected f32 or f16");
  if (!cpu)
    throw UsageError("--cache-type f16: the CUDA backend's KV cache is F32 (f16 runs with --device cpu)");
  return DType::F16;
}

}  // namespace reach::run::cli
