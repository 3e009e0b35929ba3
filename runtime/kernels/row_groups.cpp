#include "kernels/row_groups.h"

#include "kernels/row_groups_layout.h"

#include <immintrin.h>

#include <algorithm>
#include <cstring>
#include <vector>

namespace reach::run::row_groups {

namespace {

bool is_k_quant(DType type) { return type_traits(type).k_quant(); }

// `blocks`: 32-column blocks (Q8_0, Q4_0) or 256-column super-blocks (K-quants).
size_t group_bytes(DType type, int64_t blocks) {
  if (is_k_quant(type)) return k_group_bytes(type, blocks);
  return static_cast<size_t>(GroupLayout(type).group_bytes(blocks));
}

int64_t blocks_per_row(DType type, int64_t cols) { return cols / type_traits(type).block_elems; }

// Q8_0/Q4_0 rows in panels of at most panel_columns (row_groups_layout.h).
Panels panels_of(int64_t cols, int64_t panel_columns) { return Panels(cols / kQuantBlock, panel_columns / kQuantBlock); }

// Where panel p's groups start in the packed form of {rows, cols}.
size_t panel_offset(DType type, int64_t rows, const Panels& panels, int64_t p) {
  return static_cast<size_t>(group_count(rows)) * static_cast<size_t>(p) * group_bytes(type, panels.width);
}

// n activation rows quantized to Q8_0 as the kernels read them.
struct Activations {
  std::vector<BlockQ8_0> q;  // [n][blocks]
  std::vector<float> d;      // [n][blocks] q's scales as floats
  std::vector<int32_t> sum;  // [n][blocks] Σq: what the weights' offsets add (row_groups_kernel.h)
};

void quantize(const float* x, int64_t n, int64_t cols, Activations& out, ThreadPool& pool) {
  const int64_t blocks = cols / kQuantBlock;
  out.q.resize(static_cast<size_t>(n * blocks));
  out.d.resize(out.q.size());
  out.sum.resize(out.q.size());
  const auto rows = [&](int64_t begin, int64_t end) {
    for (int64_t t = begin; t < end; ++t) {
      BlockQ8_0* q = out.q.data() + t * blocks;
      quantize_row_q8_0(x + t * cols, q, cols, out.sum.data() + t * blocks);
      for (int64_t b = 0; b < blocks; ++b) out.d[static_cast<size_t>(t * blocks + b)] = _cvtsh_ss(q[b].d);  // F16C
    }
  };
  if (n == 1) rows(0, 1);  // decode: ~2 µs of work, less than waking the pool
  else pool.parallel_for(n, 1, rows);
}

using GroupsKernel = void (*)(const GroupJob& job, int64_t g0, int64_t g1);

GroupsKernel kernel_for(Isa isa) {
  switch (isa) {
    case Isa::avx2: return avx2::multiply_groups;
    case Isa::avx_vnni: return avx_vnni::multiply_groups;
    case Isa::avx512_vnni: return avx512_vnni::multiply_groups;
  }
  return avx2::multiply_groups;
}

// Blocks [first, first + blocks) of W's rows as a matrix of row groups.
void pack_panel(const TensorView& w, int64_t first, int64_t blocks, std::byte* out, ThreadPool& pool) {
  const int64_t rows = w.rows();
  const bool q4 = w.dtype == DType::Q4_0;
  const int64_t vectors = quant_bytes(w.dtype) / (kRows * 4);  // 4-byte pieces per row and block
  const GroupLayout layout(w.dtype);
  const size_t stride = group_bytes(w.dtype, blocks), row_bytes = w.row_bytes();
  pool.parallel_for(group_count(rows), 1, [&](int64_t g0, int64_t g1) {
    for (int64_t g = g0; g < g1; ++g) {
      std::byte* group = out + static_cast<size_t>(g) * stride;
      std::memset(group, 0, stride);  // missing rows: zero quants, scale 0
      for (int64_t r = 0; r < kRows && g * kRows + r < rows; ++r) {
        const std::byte* row = w.data + static_cast<size_t>(g * kRows + r) * row_bytes;
        for (int64_t b = 0; b < blocks; ++b) {
          uint16_t d;
          const uint8_t* q;
          if (q4) {
            const auto& blk = reinterpret_cast<const BlockQ4_0*>(row)[first + b];
            d = blk.d;
            q = blk.q;
          } else {
            const auto& blk = reinterpret_cast<const BlockQ8_0*>(row)[first + b];
            d = blk.d;
            q = reinterpret_cast<const uint8_t*>(blk.q);
          }
          for (int64_t v = 0; v < vectors; ++v)
            std::memcpy(group + layout.quants(b) + (v * kRows + r) * 4, q + 4 * v, 4);
          std::memcpy(group + layout.scales(b) + 2 * r, &d, 2);
        }
      }
    }
  });
}

}  // namespace

size_t packed_bytes(const TensorView& w, int64_t panel_columns) {
  const size_t groups = static_cast<size_t>(group_count(w.rows()));
  if (is_k_quant(w.dtype)) return groups * group_bytes(w.dtype, blocks_per_row(w.dtype, w.cols()));
  const Panels panels = panels_of(w.cols(), panel_columns);
  const int64_t last = panels.count() - 1;
  return panel_offset(w.dtype, w.rows(), panels, last) + groups * group_bytes(w.dtype, panels.size(last));
}

void pack(const TensorView& w, std::byte* out, ThreadPool& pool, int64_t panel_columns, Isa isa) {
  if (is_k_quant(w.dtype)) return pack_k_groups(w, out, pool, isa);
  const Panels panels = panels_of(w.cols(), panel_columns);
  for (int64_t p = 0; p < panels.count(); ++p) pack_panel(w, panels.begin(p), panels.size(p),
                                                          out + panel_offset(w.dtype, w.rows(), panels, p), pool);
}

bool share_activation(DType a, DType b) { return is_k_quant(a) == is_k_quant(b); }

void multiply(std::span<const Product> products, int64_t cols, const float* x, int64_t n, Isa isa, ThreadPool& pool,
              int64_t panel_columns) {
  if (products.empty()) return;
  if (is_k_quant(products[0].type)) return multiply_k(products, cols, x, n, isa, pool);
  thread_local Activations quantized;
  quantize(x, n, cols, quantized, pool);
  const int64_t blocks = cols / kQuantBlock;
  const Panels panels = panels_of(cols, panel_columns);
  const GroupsKernel kernel = kernel_for(isa);
  thread_local std::vector<GroupJob> jobs;
  for (int64_t p = 0; p < panels.count(); ++p) {
    const int64_t first = panels.begin(p);
    jobs.clear();
    for (const Product& m : products) {
      // Pointers into this thread's activations: workers must not read their own.
      jobs.push_back({m.type, m.packed + panel_offset(m.type, m.rows, panels, p), group_bytes(m.type, panels.size(p)),
                      m.rows, panels.size(p), n, blocks, quantized.q.data() + first, quantized.d.data() + first,
                      quantized.sum.data() + first, m.y, p > 0, active_prefetch().for_type(m.type)});
    }
    run_side_by_side(jobs.data(), jobs.size(), kernel, pool);
  }
}

}  // namespace reach::run::row_groups
