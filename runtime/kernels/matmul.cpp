#include "kernels/matmul.h"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "kernels/blas_rows.h"
#include "kernels/block_dot.h"
#include "kernels/dot.h"
#include "kernels/quant.h"
#include "kernels/row_groups.h"

namespace reach::run {

namespace {

// Rows per task so that a thread's slice of W starts on a cache line-ish
// boundary and threads do not share output cache lines.
constexpr int64_t kRowGrain = 16;
// Rows of an F16/BF16 W expanded to F32 at a time for sgemm: 64 rows of
// 5632 floats is 1.4 MiB, about what one core's L2 holds.
constexpr int64_t kGemmTileRows = 64;

// ---- decode: one row of W at a time (kernels/dot.h) -----------------------

// Runs row_dot(row_index) for every row of W on the pool.
template <class RowDot>
void for_each_row(const WeightMatrix& w, float* y, ThreadPool& pool, const RowDot& row_dot) {
  pool.parallel_for(w.rows(), kRowGrain, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) y[r] = row_dot(r);
  });
}

const std::byte* row_ptr(const WeightMatrix& w, int64_t r) {
  return w.data() + static_cast<size_t>(r) * (w.nbytes() / static_cast<size_t>(w.rows()));
}

void gemv_f32(const WeightMatrix& w, const float* x, float* y, ThreadPool& pool) {
  const int64_t n = w.cols();
  for_each_row(w, y, pool, [&](int64_t r) { return dot_f32(reinterpret_cast<const float*>(row_ptr(w, r)), x, n); });
}

void gemv_f16(const WeightMatrix& w, const float* x, float* y, ThreadPool& pool) {
  const int64_t n = w.cols();
  thread_local std::vector<float> xh;
  xh.resize(static_cast<size_t>(n));
  round_to_f16(x, xh.data(), n);  // llama.cpp's vec_dot_type
  // A pointer, not the thread_local itself: workers must read this thread's copy.
  const float* x_half = xh.data();
  for_each_row(w, y, pool,
               [&](int64_t r) { return dot_f16(reinterpret_cast<const uint16_t*>(row_ptr(w, r)), x_half, n); });
}

void gemv_bf16(const WeightMatrix& w, const float* x, float* y, ThreadPool& pool) {
  const int64_t n = w.cols();
  for_each_row(w, y, pool,
               [&](int64_t r) { return dot_bf16(reinterpret_cast<const uint16_t*>(row_ptr(w, r)), x, n); });
}

// ---- prefill: Y = X · Wᵀ with sgemm, a slice of W's rows per pool thread --

void gemm_f32(const WeightMatrix& w, const float* x, int64_t n, float* y, ThreadPool& pool) {
  const int64_t in = w.cols(), out = w.rows();
  pool.parallel_for(out, kRowGrain, [&](int64_t begin, int64_t end) {
    sgemm_rows(x, n, in, reinterpret_cast<const float*>(row_ptr(w, begin)), end - begin, y + begin, out);
  });
}

// For F16 weights the activation rows rounded to F16, as the GEMV sees them
// (llama.cpp's vec_dot_type), so that batched prefill computes the same
// products as token-by-token decode; only the summation order differs.
// Split over the pool: for a 512-token prompt this is millions of elements.
const float* activation_rows_as_seen(DType w_type, const float* x, int64_t n, int64_t in, ThreadPool& pool) {
  if (type_traits(w_type).vec_dot_type != DType::F16) return x;
  thread_local std::vector<float> seen_rows;
  seen_rows.resize(static_cast<size_t>(n * in));
  float* seen = seen_rows.data();  // workers write the caller's copy
  pool.parallel_for(n, 1, [&](int64_t begin, int64_t end) {
    round_to_f16(x + begin * in, seen + begin * in, (end - begin) * in);
  });
  return seen;
}

void gemm_dequantized(const WeightMatrix& w, const float* x_in, int64_t n, float* y, ThreadPool& pool) {
  const int64_t in = w.cols(), out = w.rows();
  const float* x = activation_rows_as_seen(w.dtype(), x_in, n, in, pool);
  pool.parallel_for(out, kRowGrain, [&](int64_t begin, int64_t end) {
    thread_local std::vector<float> tile;
    tile.resize(static_cast<size_t>(kGemmTileRows * in));
    for (int64_t r0 = begin; r0 < end; r0 += kGemmTileRows) {
      const int64_t rows = std::min(kGemmTileRows, end - r0);
      for (int64_t r = 0; r < rows; ++r) dequantize_row(w.dtype(), row_ptr(w, r0 + r), tile.data() + r * in, in);
      sgemm_rows(x, n, in, tile.data(), rows, y + r0, out);
    }
  });
}

// ---- Q8_0 / Q4_0 / the K-quants: row groups (kernels/row_groups.h) -------

void gemm_row_groups(const WeightMatrix& w, const float* x, int64_t n, float* y, ThreadPool& pool) {
  const row_groups::Product product{w.dtype(), w.data(), w.rows(), y};
  row_groups::multiply({&product, 1}, w.cols(), x, n, w.isa(), pool, w.panel_columns());
}

void gemv_row_groups(const WeightMatrix& w, const float* x, float* y, ThreadPool& pool) {
  gemm_row_groups(w, x, 1, y, pool);
}

// ---- Q4_1 / Q5_0 / Q5_1: the file's rows, Q8_0 activations (kernels/block_dot.h)

// Each row of Y is what the GEMV computes for that token.
void gemm_block32(const WeightMatrix& w, const float* x, int64_t n, float* y, ThreadPool& pool) {
  const int64_t in = w.cols(), out = w.rows(), blocks = in / kQuantBlock;
  thread_local std::vector<BlockQ8_0> quantized;
  thread_local std::vector<int32_t> sums;
  thread_local std::vector<float> scaled_sums;
  quantized.resize(static_cast<size_t>(n * blocks));
  sums.resize(static_cast<size_t>(n * blocks));
  scaled_sums.resize(static_cast<size_t>(n * blocks));
  BlockQ8_0* xq = quantized.data();  // workers read the caller's copies
  int32_t* xs = sums.data();
  float* xss = scaled_sums.data();
  pool.parallel_for(n, 1, [&](int64_t begin, int64_t end) {
    for (int64_t t = begin; t < end; ++t)
      quantize_row_q8_0(x + t * in, xq + t * blocks, in, xs + t * blocks, xss + t * blocks);
  });
  const BlockRowDot dot = block_row_dot(w.dtype());
  pool.parallel_for(out, kRowGrain, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r)
      for (int64_t t = 0; t < n; ++t) {
        const int64_t at = t * blocks;
        y[t * out + r] = dot(row_ptr(w, r), xq + at, xs + at, xss + at, in);
      }
  });
}

void gemv_block32(const WeightMatrix& w, const float* x, float* y, ThreadPool& pool) { gemm_block32(w, x, 1, y, pool); }

}  // namespace

struct WeightMatrix::Kernel {
  DType weight_type;
  bool packed;     // reads a repacked copy of W rather than the file's rows
  bool same_rows;  // gemm's rows have gemv's bits (one kernel for both)
  void (*gemv)(const WeightMatrix& w, const float* x, float* y, ThreadPool& pool);
  void (*gemm)(const WeightMatrix& w, const float* x, int64_t n, float* y, ThreadPool& pool);
};

namespace {
const WeightMatrix::Kernel kKernels[] = {
    {DType::F32, false, false, gemv_f32, gemm_f32},
    {DType::F16, false, false, gemv_f16, gemm_dequantized},
    {DType::BF16, false, false, gemv_bf16, gemm_dequantized},
    {DType::Q8_0, true, true, gemv_row_groups, gemm_row_groups},
    {DType::Q4_0, true, true, gemv_row_groups, gemm_row_groups},
    {DType::Q4_1, false, true, gemv_block32, gemm_block32},
    {DType::Q5_0, false, true, gemv_block32, gemm_block32},
    {DType::Q5_1, false, true, gemv_block32, gemm_block32},
    {DType::Q2_K, true, true, gemv_row_groups, gemm_row_groups},
    {DType::Q3_K, true, true, gemv_row_groups, gemm_row_groups},
    {DType::Q4_K, true, true, gemv_row_groups, gemm_row_groups},
    {DType::Q5_K, true, true, gemv_row_groups, gemm_row_groups},
    {DType::Q6_K, true, true, gemv_row_groups, gemm_row_groups},
};
}  // namespace

namespace {
const WeightMatrix::Kernel* kernel_for(DType type) {
  for (const WeightMatrix::Kernel& k : kKernels)
    if (k.weight_type == type) return &k;
  return nullptr;
}
}  // namespace

size_t WeightMatrix::packed_bytes(const TensorView& w, int64_t panel_columns) {
  const Kernel* k = kernel_for(w.dtype);
  return k && k->packed && w.shape.size() == 2 ? row_groups::packed_bytes(w, panel_columns) : 0;
}

WeightMatrix::WeightMatrix(const TensorView& w, PackedStorage& storage, ThreadPool& pool, Isa isa,
                           int64_t panel_columns)
    : isa_(isa), panel_columns_(panel_columns) {
  use_single_threaded_blas();  // the pool does the threading
  if (w.shape.size() != 2)
    throw std::invalid_argument("matmul: weight '" + w.name + "' is not a matrix");
  const TypeTraits& info = type_traits(w.dtype);
  if (w.cols() % info.block_elems != 0)
    throw std::invalid_argument("matmul: weight '" + w.name + "' has rows of " + std::to_string(w.cols()) +
                                " elements, not a multiple of the " + std::string(info.name) + " block");
  kernel_ = kernel_for(w.dtype);
  if (!kernel_)
    throw std::invalid_argument("matmul: no kernel for " + std::string(info.name) + " weights ('" + w.name + "')");
  dtype_ = w.dtype;
  rows_ = w.rows();
  cols_ = w.cols();
  nbytes_ = w.nbytes;
  data_ = w.data;
  if (kernel_->packed) {
    std::byte* packed = storage.take(packed_bytes(w, panel_columns));
    row_groups::pack(w, packed, pool, panel_columns, isa);
    data_ = packed;
  }
}

void WeightMatrix::gemv(const float* x, float* y, ThreadPool& pool) const { kernel_->gemv(*this, x, y, pool); }

void WeightMatrix::gemm(const float* x, int64_t n, float* y, ThreadPool& pool) const {
  kernel_->gemm(*this, x, n, y, pool);
}

bool WeightMatrix::gemm_rows_equal_gemv() const { return kernel_->same_rows; }

namespace {
// Whether the matrices' products can be one call of row_groups::multiply
// (the packed types are the row-group ones).
bool in_one_pass(std::span<const WeightMatrix::Product> products) {
  const WeightMatrix& first = *products[0].w;
  for (const WeightMatrix::Product& p : products) {
    const WeightMatrix& w = *p.w;
    if (!kernel_for(w.dtype())->packed || !row_groups::share_activation(w.dtype(), first.dtype()) ||
        w.cols() != first.cols() || w.isa() != first.isa() || w.panel_columns() != first.panel_columns())
      return false;
  }
  return true;
}
}  // namespace

void WeightMatrix::gemm_each(std::span<const Product> products, const float* x, int64_t n, ThreadPool& pool) {
  if (products.empty()) return;
  if (in_one_pass(products)) {
    thread_local std::vector<row_groups::Product> matrices;
    matrices.clear();
    for (const Product& p : products) matrices.push_back({p.w->dtype(), p.w->data(), p.w->rows(), p.y});
    const WeightMatrix& first = *products[0].w;
    return row_groups::multiply(matrices, first.cols(), x, n, first.isa(), pool, first.panel_columns());
  }
  for (const Product& p : products) {
    if (n == 1) p.w->gemv(x, p.y, pool);
    else p.w->gemm(x, n, p.y, pool);
  }
}

}  // namespace reach::run
