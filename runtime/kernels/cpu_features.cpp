#include "kernels/cpu_features.h"

#include <cpuid.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
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

namespace {

struct CpuId {
  std::string vendor;
  unsigned family = 0, model = 0;
};

CpuId read_cpuid() {
  CpuId id;
  unsigned a, b, c, d;
  if (!__get_cpuid(0, &a, &b, &c, &d)) return id;
  char vendor[13] = {};
  std::memcpy(vendor, &b, 4);
  std::memcpy(vendor + 4, &d, 4);
  std::memcpy(vendor + 8, &c, 4);
  id.vendor = vendor;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return id;
  const unsigned base_family = (a >> 8) & 0xF, base_model = (a >> 4) & 0xF;
  id.family = base_family == 0xF ? base_family + ((a >> 20) & 0xFF) : base_family;
  id.model = base_family == 0x6 || base_family == 0xF ? base_model | (((a >> 16) & 0xF) << 4) : base_model;
  return id;
}

// Measured per CPU family (decode tg on the TinyLlama-shaped Q4_0/Q8_0
// files, 2 threads; docs/runtime.md has the sweeps and their logs).
PrefetchDistances by_identity(const CpuId& id) {
  if (id.vendor == "GenuineIntel") return {2048, 5120, false, {}, "table: Intel (measured on Sapphire Rapids)"};
  // Zen 5: its own L1 prefetchers keep up; a software prefetch into L1 only
  // costs issue slots (2026-12-04, three interleaved sweeps: no L1 prefetch
  // and L2 6 KiB ahead beat the Intel 2048,5120 by 9-17%;
  // bench/runtime/logs/prefetch-sweep-amd-epyc-2026-12-04.log). The L2
  // prefetch as prefetchnta for every type and 9 KiB ahead for Q4_K and
  // Q6_K (2026-12-06, reach-run bench --compare-prefetch, each choice against
  // the one before within one run: decode of the Q4_K_M file +10% for
  // prefetchnta on its Q6_K tensors too, then +10% for the K-quants at 9 KiB,
  // the Q6_K file +7%; Q4_0 and Q8_0 best at 6 KiB; docs/runtime.md,
  // "Prefetch choices compared within one run"). Q5_K, once in row groups,
  // also 9 KiB (2026-12-06: the Q5_K_M file +5 to +7% against 6 KiB in two
  // runs of three repetitions).
  // Then Q4_0 at 9 KiB and Q8_0 at 4 KiB (2026-12-07, --compare-prefetch
  // against the row before, six or eight repetitions a run, medians: Q4_0
  // +0.9, +2.4, -0.1, +1.0, +3.0% in five runs, Q8_0 +2.1, +3.9, +0.8,
  // +2.2, +1.4, +1.1% in six; Q2_K and Q3_K at 9 KiB within ±1%, left at
  // 6 KiB; bench/runtime/logs/decode-prefetch-amd-zen5-2026-12-07-s29.log).
  if (id.vendor == "AuthenticAMD" && id.family == 26)
    return {0,
            6144,
            true,
            {{DType::Q8_0, 4096}, {DType::Q4_0, 9216}, {DType::Q4_K, 9216}, {DType::Q5_K, 9216}, {DType::Q6_K, 9216}},
            "table: AMD family 26 (measured on Zen 5 EPYC)"};
  // Zen 4 (family 25 model 17): no software prefetch at all was best in two
  // interleaved sweeps (Q8_0 +19-25%, Q4_0 +12-16% over 2048,5120;
  // bench/runtime/logs/prefetch-sweep-amd-zen4-2026-12-04.log). Family 25
  // also holds Zen 3, not measured.
  if (id.vendor == "AuthenticAMD" && id.family == 25)
    return {0, 0, false, {}, "table: AMD family 25 (measured on Zen 4 EPYC)"};
  return {2048, 5120, false, {}, "default (the Intel distances; not measured on this CPU family)"};
}

PrefetchDistances choose_prefetch() {
  const char* forced = std::getenv("REACH_PREFETCH");
  if (forced && *forced) return parse_prefetch(forced, "REACH_PREFETCH=");
  return by_identity(read_cpuid());
}

// Set by ScopedPrefetch; null: prefetch_distances().
std::atomic<const PrefetchDistances*> trial{nullptr};

}  // namespace

Ahead PrefetchDistances::for_type(DType type) const {
  const auto further =
      std::find_if(l2_by_type.begin(), l2_by_type.end(), [&](const auto& t) { return t.first == type; });
  return {l1, further == l2_by_type.end() ? l2 : further->second, l2_nta};
}

std::vector<Ahead> PrefetchDistances::choices() const {
  std::vector<Ahead> all = {{l1, l2, l2_nta}};
  for (const auto& [type, further] : l2_by_type) all.push_back({l1, further, l2_nta});
  return all;
}

const PrefetchDistances& prefetch_distances() {
  static const PrefetchDistances p = choose_prefetch();
  return p;
}

namespace {

std::vector<std::string> comma_fields(const std::string& text) {
  std::vector<std::string> fields(1);
  for (char c : text) {
    if (c == ',') fields.emplace_back();
    else fields.back() += c;
  }
  return fields;
}

// A byte distance 0..1 MiB in decimal, or -1.
int64_t distance(const std::string& field) {
  if (field.empty() || field.size() > 7 || field.find_first_not_of("0123456789") != std::string::npos) return -1;
  const int64_t bytes = std::stoll(field);
  return bytes <= (1 << 20) ? bytes : -1;
}

}  // namespace

PrefetchDistances parse_prefetch(const std::string& text, const std::string& what) {
  const auto fail = [&](const std::string& problem) {
    throw std::runtime_error(what + text +
                             ": expected L1,L2[,t1|nta[,TYPE=L2]...], byte distances 0..1048576 into L1 and L2, the "
                             "L2 prefetch's hint for every type and further L2 distances of given types, as in "
                             "2048,5120 or 0,6144,nta,Q4_K=9216; " +
                             problem);
  };
  const std::vector<std::string> fields = comma_fields(text);
  if (fields.size() < 2) fail("two distances needed");
  PrefetchDistances p{distance(fields[0]), distance(fields[1]), false, {}, what.substr(0, what.size() - 1)};
  if (p.l1 < 0) fail("L1 '" + fields[0] + "' is not a distance");
  if (p.l2 < 0) fail("L2 '" + fields[1] + "' is not a distance");
  if (fields.size() > 2) {
    if (fields[2] != "t1" && fields[2] != "nta") fail("the hint '" + fields[2] + "' is neither t1 nor nta");
    p.l2_nta = fields[2] == "nta";
  }
  for (size_t i = 3; i < fields.size(); ++i) {
    const size_t eq = fields[i].find('=');
    if (eq == std::string::npos) fail("'" + fields[i] + "' is not TYPE=L2");
    const TypeTraits* type = type_by_name(fields[i].substr(0, eq));
    if (!type)
      fail("'" + fields[i].substr(0, eq) + "' is not a tensor type (" +
           type_names([](const TypeTraits&) { return true; }) + ")");
    const int64_t l2 = distance(fields[i].substr(eq + 1));
    if (l2 < 0) fail("'" + fields[i] + "': '" + fields[i].substr(eq + 1) + "' is not a distance");
    for (const auto& [listed, bytes] : p.l2_by_type)
      if (listed == type->type) fail(std::string(type->name) + " given twice");
    p.l2_by_type.emplace_back(type->type, l2);
  }
  return p;
}

const PrefetchDistances& active_prefetch() {
  const PrefetchDistances* p = trial.load(std::memory_order_acquire);
  return p ? *p : prefetch_distances();
}

ScopedPrefetch::ScopedPrefetch(const PrefetchDistances& use)
    : before_(trial.exchange(&use, std::memory_order_acq_rel)) {}
ScopedPrefetch::~ScopedPrefetch() { trial.store(before_, std::memory_order_release); }

namespace {

// Measured on Zen 5 (docs/runtime.md, "Column panels"): Q4_0 {2048, 5632}
// from memory, 2 threads, reads as fast as {5632, 2048} once a pass re-reads
// 2 KiB of activation quants or less. Elsewhere the same width, unmeasured:
// it is what the matrices of 2048 columns, which read at the full rate on
// every CPU measured so far, already have.
PanelWidth panel_by_identity(const CpuId& id) {
  if (id.vendor == "AuthenticAMD" && id.family == 26) return {2048, "table: AMD family 26 (measured on Zen 5 EPYC)"};
  return {2048, "default (the Zen 5 width; not measured on this CPU family)"};
}

PanelWidth choose_panel_width() {
  const char* forced = std::getenv("REACH_PANEL_COLUMNS");
  if (forced && *forced) {
    char* end = nullptr;
    const long long columns = std::strtoll(forced, &end, 10);
    if (*end != '\0' || columns < 0 || columns % 32 != 0 || columns > (1 << 24))
      throw std::runtime_error(std::string("REACH_PANEL_COLUMNS=") + forced +
                               ": expected a multiple of 32 columns (0 for whole rows), as in 2048");
    return {columns, "REACH_PANEL_COLUMNS"};
  }
  return panel_by_identity(read_cpuid());
}

}  // namespace

const PanelWidth& panel_width() {
  static const PanelWidth p = choose_panel_width();
  return p;
}

std::string cpu_identity() {
  const CpuId id = read_cpuid();
  return id.vendor + " family " + std::to_string(id.family) + " model " + std::to_string(id.model);
}

}  // namespace reach::run
