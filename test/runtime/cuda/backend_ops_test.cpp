// The CUDA backend op by op against the CPU backend, in the manner of
// llama.cpp's test-backend-ops: random inputs of many shapes, each op run on
// the GPU and on the CPU, and the normalised mean squared error
//   NMSE = Σ (gpu - cpu)² / Σ cpu²
// held to 1e-7 where both compute in F32 from the same inputs, and to the
// bound test-backend-ops uses for matrix products, 5e-4, where one side
// rounds its inputs differently (the GEMM on quantized or BF16 weights: the
// CPU quantizes activations to Q8_0, the GPU rounds them to F16/BF16).
// Without a usable GPU every test is skipped, and says why.
#include <gtest/gtest.h>

#include <cuda_runtime_api.h>

#include <string>
#include <vector>

#include "gpu_test_util.h"
#include "kernels/attention.h"
#include "kernels/cuda/cuda_ops.h"
#include "kernels/cuda/device.h"
#include "kernels/cuda/matmul.h"
#include "kernels/matmul.h"
#include "kernels/ops.h"
#include "kernels/quant.h"
#include "reference.h"

namespace reach::run {
namespace {

using cuda::DeviceBuffer;
using testing::nmse;
using testing::random_floats;

constexpr double kF32Bound = 1e-7;
constexpr double kRoundedInputsBound = 5e-4;

const DType kEveryType[] = {DType::F32,  DType::F16,  DType::BF16, DType::Q8_0, DType::Q4_0, DType::Q4_1, DType::Q5_0,
                            DType::Q5_1, DType::Q2_K, DType::Q3_K, DType::Q4_K, DType::Q5_K, DType::Q6_K};

DeviceBuffer to_device(const void* data, size_t bytes) {
  DeviceBuffer b(bytes, "test input");
  b.upload(data, bytes);
  return b;
}
template <class T>
DeviceBuffer to_device(const std::vector<T>& v) {
  return to_device(v.data(), v.size() * sizeof(T));
}
std::vector<float> from_device(const DeviceBuffer& b, size_t n) {
  std::vector<float> v(n);
  cuda::check(cudaDeviceSynchronize(), "running the op");
  cuda::check(cudaMemcpy(v.data(), b.data(), n * sizeof(float), cudaMemcpyDeviceToHost), "reading the result");
  return v;
}

// A matrix of `type` on the device, and the same bytes as the CPU reads them.
struct BothMatrices {
  testing::StoredMatrix host;
  DeviceBuffer device;
  cuda::DeviceMatrix view;
};
BothMatrices both_matrices(int64_t rows, int64_t cols, DType type, uint64_t seed) {
  BothMatrices m{testing::store_matrix(random_floats(static_cast<size_t>(rows * cols), seed), rows, cols, type), {}, {}};
  std::vector<std::byte> layout(cuda::device_matrix_bytes(type, rows, cols));
  cuda::repack_for_device(type, rows, cols, m.host.bytes.data(), layout.data());
  m.device = to_device(layout);
  m.view = {type, rows, cols, m.device.data()};
  return m;
}

TEST(CudaOps, RmsNormMatchesCpu) {
  SKIP_WITHOUT_GPU();
  for (auto [rows, width] : {std::pair<int64_t, int64_t>{1, 64}, {3, 4096}, {7, 5120}, {2, 100}, {33, 96}}) {
    const auto x = random_floats(static_cast<size_t>(rows * width), 1, 3.0f);
    const auto w = random_floats(static_cast<size_t>(width), 2);
    std::vector<float> want(x.size());
    for (int64_t r = 0; r < rows; ++r) rmsnorm(x.data() + r * width, w.data(), want.data() + r * width, width, 1e-5f);
    DeviceBuffer dx = to_device(x), dw = to_device(w), out(x.size() * 4, "out");
    cuda::rmsnorm(dx.as<float>(), dw.as<float>(), out.as<float>(), rows, width, 1e-5f, nullptr);
    EXPECT_LE(nmse(from_device(out, x.size()), want), kF32Bound) << rows << "x" << width;
  }
}

TEST(CudaOps, RopeMatchesCpuInBothStyles) {
  SKIP_WITHOUT_GPU();
  for (RopeStyle style : {RopeStyle::HalfSplit, RopeStyle::AdjacentPairs})
    for (auto [n, heads, hd] : {std::tuple<int64_t, int32_t, int32_t>{1, 4, 64}, {9, 8, 128}, {3, 2, 96}, {17, 32, 128}}) {
      auto x = random_floats(static_cast<size_t>(n * heads * hd), 3);
      const auto inv_freq = rope_inv_freq(hd, 10000.0f, RopeScaling{});
      std::vector<float> cos(static_cast<size_t>(n * hd / 2)), sin(cos.size());
      for (int64_t t = 0; t < n; ++t) rope_cos_sin(40 + t, inv_freq, cos.data() + t * hd / 2, sin.data() + t * hd / 2);
      DeviceBuffer dx = to_device(x), dc = to_device(cos), ds = to_device(sin);
      for (int64_t t = 0; t < n; ++t) rope(x.data() + t * heads * hd, heads, hd, cos.data() + t * hd / 2, sin.data() + t * hd / 2, style);
      cuda::rope(dx.as<float>(), heads, nullptr, 0, n, hd, dc.as<float>(), ds.as<float>(), style, nullptr);
      EXPECT_LE(nmse(from_device(dx, x.size()), x), kF32Bound) << n << " tokens, " << heads << "x" << hd;
    }
}

// q and k rotated in one launch: each as when rotated alone.
TEST(CudaOps, RopeOfQueriesAndKeysInOneLaunchEqualsEachAlone) {
  SKIP_WITHOUT_GPU();
  const int64_t n = 5;
  const int32_t hd = 64, q_heads = 8, k_heads = 2;
  const auto q = random_floats(static_cast<size_t>(n * q_heads * hd), 4), k = random_floats(static_cast<size_t>(n * k_heads * hd), 5);
  const auto cos = random_floats(static_cast<size_t>(n * hd / 2), 6), sin = random_floats(cos.size(), 7);
  DeviceBuffer dc = to_device(cos), ds = to_device(sin);
  DeviceBuffer q1 = to_device(q), k1 = to_device(k), q2 = to_device(q), k2 = to_device(k);
  cuda::rope(q1.as<float>(), q_heads, k1.as<float>(), k_heads, n, hd, dc.as<float>(), ds.as<float>(), RopeStyle::HalfSplit, nullptr);
  cuda::rope(q2.as<float>(), q_heads, nullptr, 0, n, hd, dc.as<float>(), ds.as<float>(), RopeStyle::HalfSplit, nullptr);
  cuda::rope(k2.as<float>(), k_heads, nullptr, 0, n, hd, dc.as<float>(), ds.as<float>(), RopeStyle::HalfSplit, nullptr);
  EXPECT_EQ(from_device(q1, q.size()), from_device(q2, q.size()));
  EXPECT_EQ(from_device(k1, k.size()), from_device(k2, k.size()));
}

TEST(CudaOps, ElementwiseOpsMatchCpu) {
  SKIP_WITHOUT_GPU();
  for (int64_t n : {1, 31, 4096, 100003}) {
    auto gate = random_floats(static_cast<size_t>(n), 4, 4.0f);
    const auto up = random_floats(static_cast<size_t>(n), 5);
    DeviceBuffer dg = to_device(gate), du = to_device(up);
    silu_mul(gate.data(), up.data(), n);
    cuda::silu_mul(dg.as<float>(), du.as<float>(), n, nullptr);
    EXPECT_LE(nmse(from_device(dg, gate.size()), gate), kF32Bound) << "silu_mul " << n;
  }
  const int64_t rows = 5, width = 48;
  auto y = random_floats(rows * width, 7);
  const auto bias = random_floats(width, 8);
  DeviceBuffer dy = to_device(y), db = to_device(bias);
  for (int64_t r = 0; r < rows; ++r) add_inplace(y.data() + r * width, bias.data(), width);
  cuda::add_rows(dy.as<float>(), db.as<float>(), rows, width, nullptr);
  EXPECT_EQ(from_device(dy, y.size()), y);
}

TEST(CudaOps, GetRowsDecodesEveryTypeAsTheCpuDoes) {
  SKIP_WITHOUT_GPU();
  for (DType type : kEveryType) {
    const int64_t rows = 50, cols = 256;
    BothMatrices m = both_matrices(rows, cols, type, 9);
    const std::vector<int32_t> ids = {0, 49, 7, 7, 23};
    std::vector<float> want(ids.size() * cols);
    for (size_t t = 0; t < ids.size(); ++t)
      dequantize_row(type, m.host.view.data + ids[t] * m.host.view.row_bytes(), want.data() + t * cols, cols);
    DeviceBuffer did = to_device(ids), out(want.size() * 4, "out");
    cuda::get_rows(m.view, did.as<int32_t>(), static_cast<int64_t>(ids.size()), out.as<float>(), nullptr);
    EXPECT_EQ(from_device(out, want.size()), want) << type_traits(type).name;
  }
}

// GEMV for up to kGemvMaxTokens rows, the GEMM past that, for every type.
TEST(CudaOps, MatmulMatchesCpuForEveryTypeAndBatch) {
  SKIP_WITHOUT_GPU();
  ThreadPool pool(2);
  cudaStream_t stream = nullptr;
  cuda::check(cudaStreamCreate(&stream), "stream");
  for (DType type : kEveryType) {
    cuda::Matmul matmul(stream);  // fresh scratch: a type must not lean on what another type's run left there
    for (auto [rows, cols] : {std::pair<int64_t, int64_t>{64, 64}, {131, 256}, {1000, 2048}, {2048, 5632}}) {
      if (cols % type_traits(type).block_elems != 0) continue;  // no K-quant row of 64
      BothMatrices m = both_matrices(rows, cols, type, static_cast<uint64_t>(rows + cols));
      PackedStorage storage(WeightMatrix::packed_bytes(m.host.view));
      const WeightMatrix cpu(m.host.view, storage, pool);
      for (int64_t n : {1, 2, 5, 8, 9, 33, 128}) {
        const auto x = random_floats(static_cast<size_t>(n * cols), 10 + n);
        std::vector<float> want(static_cast<size_t>(n * rows));
        if (n <= cuda::kGemvMaxTokens) {
          for (int64_t t = 0; t < n; ++t) cpu.gemv(x.data() + t * cols, want.data() + t * rows, pool);
        } else {
          cpu.gemm(x.data(), n, want.data(), pool);
        }
        DeviceBuffer dx = to_device(x), dy(want.size() * 4, "y");
        matmul(m.view, dx.as<float>(), n, dy.as<float>());
        cuda::check(cudaStreamSynchronize(stream), "matmul");
        const bool rounded_differently = n > cuda::kGemvMaxTokens && type != DType::F32 && type != DType::F16;
        EXPECT_LE(nmse(from_device(dy, want.size()), want), rounded_differently ? kRoundedInputsBound : kF32Bound)
            << type_traits(type).name << " " << rows << "x" << cols << ", n = " << n;
      }
    }
  }
  cudaStreamDestroy(stream);
}

// The residual add in the product's store (o and down): y + X·Wᵀ, in the
// GEMV with the bits of y plus the product alone (the CPU's x += xb).
TEST(CudaOps, ProductsAddedToYEqualYPlusTheProduct) {
  SKIP_WITHOUT_GPU();
  for (DType type : {DType::F32, DType::F16, DType::Q4_0, DType::Q4_K}) {
    const int64_t rows = 200, cols = 512;
    BothMatrices m = both_matrices(rows, cols, type, 40);
    cuda::Matmul matmul(nullptr);
    for (int64_t n : {1, 5, 40}) {
      const auto x = random_floats(static_cast<size_t>(n * cols), 41), y0 = random_floats(static_cast<size_t>(n * rows), 42);
      DeviceBuffer dx = to_device(x), product(y0.size() * 4, "product"), sum = to_device(y0);
      matmul(m.view, dx.as<float>(), n, product.as<float>());
      const cuda::Matmul::Product added{&m.view, sum.as<float>(), true};
      matmul({&added, 1}, dx.as<float>(), n);
      std::vector<float> want = from_device(product, y0.size());
      for (size_t i = 0; i < want.size(); ++i) want[i] = y0[i] + want[i];
      if (n <= cuda::kGemvMaxTokens)
        EXPECT_EQ(from_device(sum, want.size()), want) << type_traits(type).name << ", n = " << n;
      else  // cuBLAS may pick another algorithm when it also reads Y
        EXPECT_LE(nmse(from_device(sum, want.size()), want), kF32Bound) << type_traits(type).name << ", n = " << n;
    }
  }
}

// Products that share their input (q, k, v): X quantized once for those
// that read the same activation type, again where the type changes, and
// up to three matrices of one type (of any heights) in one launch; each
// output has the bits of its product alone.
TEST(CudaOps, ProductsSharingAnInputEqualEachAlone) {
  SKIP_WITHOUT_GPU();
  const int64_t cols = 512;
  std::vector<BothMatrices> ms;
  uint64_t seed = 20;
  for (auto [type, rows] : std::vector<std::pair<DType, int64_t>>{{DType::Q4_0, 96},
                                                                  {DType::Q4_0, 33},
                                                                  {DType::Q4_0, 130},
                                                                  {DType::Q4_0, 8},  // a fourth: a second launch
                                                                  {DType::Q8_0, 64},
                                                                  {DType::Q4_K, 40},
                                                                  {DType::Q4_K, 72},
                                                                  {DType::F16, 96},
                                                                  {DType::Q6_K, 96},
                                                                  {DType::Q5_1, 50},
                                                                  {DType::Q5_0, 96}})
    ms.push_back(both_matrices(rows, cols, type, ++seed));
  for (int64_t n : {1, 3, 11}) {
    const auto x = random_floats(static_cast<size_t>(n * cols), 30 + n);
    DeviceBuffer dx = to_device(x);
    std::vector<DeviceBuffer> together, alone;
    std::vector<cuda::Matmul::Product> products;
    cuda::Matmul shared(nullptr), single(nullptr);
    for (const BothMatrices& m : ms) {
      const size_t bytes = static_cast<size_t>(n * m.view.rows) * 4;
      together.emplace_back(bytes, "y"), alone.emplace_back(bytes, "y");
      products.push_back({&m.view, together.back().as<float>()});
      single(m.view, dx.as<float>(), n, alone.back().as<float>(), true);
    }
    shared(products, dx.as<float>(), n, true);
    for (size_t i = 0; i < ms.size(); ++i) {
      const auto count = static_cast<size_t>(n * ms[i].view.rows);
      EXPECT_EQ(from_device(together[i], count), from_device(alone[i], count))
          << "product " << i << " (" << type_traits(ms[i].view.dtype).name << "), n = " << n;
    }
  }
}

// Rows computed "as alone" (the server's batched decode) have each row's
// bits from a batch of one, whatever the batch.
TEST(CudaOps, MatmulRowsAsAloneEqualOneRowAtATime) {
  SKIP_WITHOUT_GPU();
  cuda::Matmul matmul(nullptr);
  for (DType type : {DType::F16, DType::Q4_0, DType::Q5_1, DType::Q4_K}) {
    BothMatrices m = both_matrices(300, 512, type, 11);
    const int64_t n = 13;
    const auto x = random_floats(static_cast<size_t>(n * 512), 12);
    DeviceBuffer dx = to_device(x), together(n * 300 * 4, "y"), alone(n * 300 * 4, "y");
    matmul(m.view, dx.as<float>(), n, together.as<float>(), true);
    for (int64_t t = 0; t < n; ++t) matmul(m.view, dx.as<float>() + t * 512, 1, alone.as<float>() + t * 300);
    EXPECT_EQ(from_device(together, n * 300), from_device(alone, n * 300)) << type_traits(type).name;
  }
}

TEST(CudaOps, AttentionMatchesCpu) {
  SKIP_WITHOUT_GPU();
  ThreadPool pool(2);
  struct Case {
    int64_t n, pos0;
    AttentionShape shape;
  };
  for (const Case& c : std::vector<Case>{{1, 0, {4, 2, 64}},
                                         {1, 37, {8, 8, 128}},
                                         {5, 3, {4, 1, 32}},
                                         {33, 0, {8, 2, 128}},
                                         {70, 100, {4, 4, 256}},
                                         {8, 200, {32, 8, 96}},
                                         {129, 0, {2, 1, 64}},
                                         {1, 3000, {32, 8, 128}},  // past kKeysPerSplit: split runs for decode
                                         {3, 700, {8, 2, 64}},
                                         {1, 9000, {4, 4, 32}}}) {  // past kMaxSplits runs of 256
    const int64_t q_dim = c.shape.n_heads * c.shape.head_dim, kv_dim = c.shape.n_kv_heads * c.shape.head_dim;
    const int64_t positions = c.pos0 + c.n;
    const auto q = random_floats(static_cast<size_t>(c.n * q_dim), 13, 2.0f);
    const auto k = random_floats(static_cast<size_t>(positions * kv_dim), 14, 2.0f);
    const auto v = random_floats(static_cast<size_t>(positions * kv_dim), 15);
    std::vector<float> want(q.size());
    const KVLayout host = KVLayout::for_positions(positions);  // the CPU's cache, from the same rows
    std::vector<float> host_k(static_cast<size_t>(c.shape.n_kv_heads * host.head_elements(c.shape.head_dim)));
    std::vector<float> host_v(host_k.size());
    store_kv(k.data(), v.data(), 0, positions, host, c.shape, host_k.data(), host_v.data());
    attention(q.data(), c.n, c.pos0, host_k.data(), host_v.data(), host, c.shape, want.data(), pool);
    DeviceBuffer dq = to_device(q), dk = to_device(k), dv = to_device(v), out(q.size() * 4, "out");
    cuda::attention(dq.as<float>(), c.n, c.pos0, dk.as<float>(), dv.as<float>(), c.shape, out.as<float>(), nullptr);
    const std::vector<float> got = from_device(out, want.size());
    EXPECT_LE(nmse(got, want), kF32Bound) << c.n << " tokens at " << c.pos0 << ", heads " << c.shape.n_heads << "/"
                                          << c.shape.n_kv_heads << "x" << c.shape.head_dim;
    // The position read from device memory (a replayed decode step): the
    // same bits, whatever position the host passes.
    DeviceBuffer pos = to_device(std::vector<int64_t>{c.pos0});
    cuda::attention(dq.as<float>(), c.n, 0, dk.as<float>(), dv.as<float>(), c.shape, out.as<float>(), nullptr,
                    pos.as<int64_t>());
    EXPECT_EQ(from_device(out, want.size()), got) << c.n << " tokens at " << c.pos0 << " read from the device";
    // The keys in split runs (decode), combined: the CPU's result; and with
    // the run count of an earlier position (a graph captured there,
    // replayed here) and this one read from the device, still the CPU's.
    DeviceBuffer scratch(std::max<size_t>(1, cuda::attention_scratch_floats(c.n, c.shape)) * 4, "scratch");
    cuda::attention(dq.as<float>(), c.n, c.pos0, dk.as<float>(), dv.as<float>(), c.shape, out.as<float>(), nullptr,
                    nullptr, scratch.as<float>());
    const std::vector<float> split = from_device(out, want.size());
    EXPECT_LE(nmse(split, want), kF32Bound) << c.n << " tokens at " << c.pos0 << " in "
                                            << cuda::attention_splits(c.n, c.pos0 + c.n) << " runs";
    cuda::attention(dq.as<float>(), c.n, c.pos0 / 3, dk.as<float>(), dv.as<float>(), c.shape, out.as<float>(), nullptr,
                    pos.as<int64_t>(), scratch.as<float>());
    EXPECT_LE(nmse(from_device(out, want.size()), want), kF32Bound)
        << c.n << " tokens at " << c.pos0 << " in " << cuda::attention_splits(c.n, c.pos0 / 3 + c.n) << " runs";
  }
}

TEST(CudaOps, StoreKvWritesAtThePositionTheDeviceHolds) {
  SKIP_WITHOUT_GPU();
  const int64_t width = 96, capacity = 10, n = 3, pos = 6;
  const auto k = random_floats(static_cast<size_t>(n * width), 16), v = random_floats(k.size(), 17);
  std::vector<float> want_k(static_cast<size_t>(capacity * width), -1.0f), want_v = want_k;
  std::copy(k.begin(), k.end(), want_k.begin() + pos * width);
  std::copy(v.begin(), v.end(), want_v.begin() + pos * width);
  DeviceBuffer keys = to_device(std::vector<float>(want_k.size(), -1.0f)), values = to_device(std::vector<float>(want_v.size(), -1.0f));
  DeviceBuffer dk = to_device(k), dv = to_device(v), at = to_device(std::vector<int64_t>{pos});
  cuda::store_kv({keys.as<float>(), values.as<float>(), dk.as<float>(), dv.as<float>(), width}, at.as<int64_t>(), n, nullptr);
  EXPECT_EQ(from_device(keys, want_k.size()), want_k);
  EXPECT_EQ(from_device(values, want_v.size()), want_v);
}

TEST(CudaOps, AttentionRefusesAHeadDimWithoutAKernel) {
  SKIP_WITHOUT_GPU();
  EXPECT_FALSE(cuda::attention_supports(80));
  EXPECT_THROW(cuda::attention(nullptr, 1, 0, nullptr, nullptr, {1, 1, 80}, nullptr, nullptr), DeviceError);
}

}  // namespace
}  // namespace reach::run
