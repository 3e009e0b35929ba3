#include "kernels/cpu_features.h"

#include <cstdlib>
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

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::avx2: return "avx2";
    case Isa::avx_vnni: return "avx_vnni";
    case Isa::avx512_vnni: return "avx512_vnni";
  }
  return "?";
}

// __builtin_cpu_supports also checks that the operating system saves the
// registers the instructions use (XCR0), so AVX-512 off in the kernel reads
// as absent.
bool cpu_runs(Isa isa) {
  __builtin_cpu_init();
  const bool base = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
  switch (isa) {
    case Isa::avx2: return base;
    case Isa::avx_vnni: return base && __builtin_cpu_supports("avxvnni");
    case Isa::avx512_vnni:
      return base && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
             __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni");
  }
  return false;
}

namespace {

Isa choose() {
  const char* forced = std::getenv("REACH_CPU_ISA");
  if (forced == nullptr || *forced == '\0') {
    Isa best = Isa::avx2;
    for (Isa isa : kAllIsas)
      if (cpu_runs(isa)) best = isa;  // kAllIsas is ordered from least to most capable
    return best;
  }
  std::string names;
  for (Isa isa : kAllIsas) {
    if (std::string(forced) != isa_name(isa)) {
      names += std::string(names.empty() ? "" : ", ") + isa_name(isa);
      continue;
    }
    if (!cpu_runs(isa)) throw std::runtime_error(std::string("REACH_CPU_ISA=") + forced + ": this CPU cannot run it");
    return isa;
  }
  throw std::runtime_error(std::string("REACH_CPU_ISA=") + forced + " names no kernel variant (there are: " + names +
                           ")");
}

}  // namespace

Isa chosen_isa() {
  static const Isa isa = choose();
  return isa;
}

}  // namespace reach::run
