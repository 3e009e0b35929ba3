#pragma once
// What the CPU can run. The kernels are compiled for AVX2 + FMA + F16C;
// require_cpu_features(), called once at start-up, throws
// std::runtime_error naming the missing instructions, so an old CPU gets a
// message instead of SIGILL in the middle of a forward pass.
//
// An op may have instruction-set variants (kernels/row_groups.h): one
// implementation, written once, compiled for several instruction sets, each
// giving the scalar reference's bits. chosen_isa() picks one once, the best
// this CPU runs, or the one REACH_CPU_ISA names (for tests and benchmarks).
#include <string>

namespace reach::run {

void require_cpu_features();

enum class Isa {
  avx2,         // AVX2 + FMA + F16C: vpmaddubsw + vpmaddwd
  avx_vnni,     // + AVX-VNNI (VEX vpdpbusd, 16 vector registers)
  avx512_vnni,  // + AVX-512 F/BW/VL/VNNI (EVEX vpdpbusd on 256 bits, 32 registers)
};
inline constexpr Isa kAllIsas[] = {Isa::avx2, Isa::avx_vnni, Isa::avx512_vnni};

const char* isa_name(Isa isa);
// Whether this CPU (and its operating system) runs isa's instructions.
bool cpu_runs(Isa isa);
// Computed on the first call: REACH_CPU_ISA when set (std::runtime_error if
// it names no variant or one this CPU cannot run), else the best variant.
Isa chosen_isa();

}  // namespace reach::run
