#include "forge/convert_rows.h"

namespace reach::run {

std::vector<std::byte> convert_rows(std::span<const std::byte> in, DType from, DType to, int64_t cols,
                                    ThreadPool& pool) {
  const TypeTraits &src = type_traits(from), &dst = type_traits(to);
  const int64_t rows = static_cast<int64_t>(in.size() / src.row_bytes(cols));
  std::vector<std::byte> out(dst.row_bytes(cols) * static_cast<size_t>(rows));
  pool.parallel_for(rows, 1, [&](int64_t begin, int64_t end) {
    std::vector<float> row(static_cast<size_t>(cols));
    for (int64_t r = begin; r < end; ++r) {
      src.to_float(in.data() + r * src.row_bytes(cols), row.data(), cols);
      dst.from_float(row.data(), out.data() + r * dst.row_bytes(cols), cols);
    }
  });
  return out;
}

}  // namespace reach::run
