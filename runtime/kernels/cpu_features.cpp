#include "kernels/cpu_features.h"

#include <stdexcept>
#include <string>

namespace reach::run {

void require_cpu_features() {
  __builtin_cpu_init();
  std::string missing;
  if (!__builtin_cpu_supports("avx2")) missing += " avx2";
  if (!__builtin_cpu_supports("fma")) missing += " fma";
  if (!__builtin_cpu_supports("f16c")) missing += " f16c";
  if (!missing.empty())
    throw std::runtime_error("this CPU lacks instructions reach-run's kernels are built for:" + missing);
}

}  // namespace reach::run
