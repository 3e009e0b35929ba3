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
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "formats/tensor_type.h"

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

// What one kernel prefetches ahead of each 64-byte line it reads, into L1
// and into L2 (bytes; 0: none), and with which instruction the L2 one goes
// (prefetch_ahead.h's prefetch_lines_ahead).
struct Ahead {
  int64_t l1, l2;
  bool l2_nta;  // prefetchnta instead of prefetcht1
};

// How far ahead of its reads the decode GEMV prefetches (and attention, over
// the KV cache's F32 or F16 streams, at the distances of a type not listed):
// bytes ahead of each 64-byte line into L1 and into L2 (further for the
// types that say so), and whether the L2 prefetch is prefetchnta (the line
// is read once) rather than prefetcht1. The best choices depend on the
// CPU's memory system, so they are made once, from the CPU's vendor and
// family (a table measured per family, docs/runtime.md), or from
// REACH_PREFETCH=L1,L2[,nta|t1[,TYPE=L2]...] (bytes, the hint, and other
// types' L2 distances; for tuning runs). `source` says which; `reach-run
// bench` prints it.
struct PrefetchDistances {
  int64_t l1 = 2048, l2 = 5120;
  bool l2_nta = false;
  // Types whose L2 prefetch runs at another distance than l2 (on Zen 5 the
  // Q4_K, Q5_K, Q6_K and Q4_0 decodes fastest 9 KiB ahead, Q8_0's 4 KiB, the
  // rest 6 KiB).
  std::vector<std::pair<DType, int64_t>> l2_by_type;
  std::string source;
  // What the kernels of weights of `type` use.
  Ahead for_type(DType type) const;
  // Every choice for_type hands out: the one of the types not listed in
  // l2_by_type, then each listed one's (what a roofline read must include).
  std::vector<Ahead> choices() const;
};
const PrefetchDistances& prefetch_distances();
// REACH_PREFETCH's syntax, "L1,L2[,t1|nta[,TYPE=L2]...]": both distances
// and the L2 prefetch's hint for every type (t1 when left out), then the
// types whose L2 prefetch runs at another distance (l2_by_type), so that
// the text can say what any row of the table says. `what` is what quotes
// the text in messages ("REACH_PREFETCH=", "--compare-prefetch "), and
// without its last character the choice's `source`. Throws
// std::runtime_error with that quote and what was expected when malformed.
PrefetchDistances parse_prefetch(const std::string& text, const std::string& what);
// The choice the kernels read, once per product: prefetch_distances(), or
// another while a ScopedPrefetch holds one. For tuning runs (reach-run bench
// --compare-prefetch alternates two choices within one run, so that both
// meet the same minutes of a shared machine's memory); set between products,
// never while one runs.
const PrefetchDistances& active_prefetch();
class ScopedPrefetch {
 public:
  explicit ScopedPrefetch(const PrefetchDistances& use);
  ~ScopedPrefetch();
  ScopedPrefetch(const ScopedPrefetch&) = delete;
  ScopedPrefetch& operator=(const ScopedPrefetch&) = delete;

 private:
  const PrefetchDistances* before_;
};
// Columns per panel of the Q8_0/Q4_0 row groups (kernels/row_groups.h,
// row_groups_layout.h's Panels): a pass over a group re-reads the
// activation's quants of its columns, and decode from memory slows once they
// no longer stay in L1 beside the weights streaming past. Chosen once, from
// the CPU's vendor and family (docs/runtime.md), or from
// REACH_PANEL_COLUMNS=N (a multiple of 32; 0 for whole rows). Read when a
// matrix is packed; `reach-run bench` prints it.
struct PanelWidth {
  int64_t columns = 2048;
  std::string source;
};
const PanelWidth& panel_width();
std::string cpu_identity();  // "GenuineIntel family 6 model 143", for the table and the bench

}  // namespace reach::run
