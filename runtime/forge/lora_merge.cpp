#include "forge/lora_merge.h"

#include <cblas.h>

#include <fstream>
#include <map>
#include <stdexcept>

#include "forge/convert_rows.h"
#include "kernels/blas_rows.h"
#include "kernels/quant.h"

namespace reach::run {
namespace {

namespace fs = std::filesystem;

// The model's files copied to `out` (a folder: every regular file in it).
void copy_model(const ModelSource& source, const fs::path& out) {
  std::error_code ec;
  if (!fs::is_directory(source.path(), ec)) {
    fs::copy_file(source.path(), out);
    return;
  }
  fs::create_directories(out);
  for (const auto& entry : fs::directory_iterator(source.path()))
    if (entry.is_regular_file()) fs::copy_file(entry.path(), out / entry.path().filename());
}

// `t` with its updates merged, in its own type.
std::vector<std::byte> merged_bytes(const TensorView& t, const std::vector<const LoraDelta*>& deltas, ThreadPool& pool) {
  std::vector<float> w(static_cast<size_t>(t.numel()));
  for (int64_t r = 0; r < t.rows(); ++r)
    dequantize_row(t.dtype, t.data + static_cast<size_t>(r) * t.row_bytes(), w.data() + r * t.cols(), t.cols());
  merge_deltas(w.data(), t.rows(), t.cols(), deltas);
  return convert_rows(std::as_bytes(std::span(w)), DType::F32, t.dtype, t.cols(), pool);
}

void overwrite(const fs::path& file, size_t offset, const std::vector<std::byte>& bytes) {
  std::fstream f(file, std::ios::binary | std::ios::in | std::ios::out);
  f.seekp(static_cast<std::streamoff>(offset));
  if (!f || !f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size())) ||
      !f.flush())
    throw std::runtime_error(file.string() + ": write failed (disk full?)");
}

}  // namespace

void merge_deltas(float* w, int64_t rows, int64_t cols, const std::vector<const LoraDelta*>& deltas) {
  use_single_threaded_blas();
  for (const LoraDelta* d : deltas)
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, static_cast<int>(rows), static_cast<int>(cols),
                static_cast<int>(d->rank), d->scale, d->b.data(), static_cast<int>(d->rank), d->a.data(),
                static_cast<int>(cols), 1.0f, w, static_cast<int>(cols));
}

void write_merged(const ModelSource& source, const std::vector<LoraAdapter>& adapters, const fs::path& out,
                  ThreadPool& pool) {
  std::error_code ec;
  if (fs::exists(out, ec)) throw std::invalid_argument(out.string() + ": already exists; give a new path");
  const bool folder = fs::is_directory(source.path(), ec);
  if (!folder && out.extension() != ".gguf")
    throw std::invalid_argument(out.string() + ": a GGUF model is merged into a .gguf file");
  std::map<std::string, std::vector<const LoraDelta*>> by_weight;
  for (const LoraAdapter& a : adapters)
    for (const auto& [name, delta] : a.deltas) by_weight[name].push_back(&delta);
  try {
    copy_model(source, out);
    for (const auto& [name, deltas] : by_weight) {
      const TensorView& t = source.get(name);
      const ModelSource::FileRange at = source.locate(t);
      overwrite(folder ? out / at.file.filename() : out, at.offset, merged_bytes(t, deltas, pool));
      source.drop_pages(t);
    }
  } catch (...) {
    fs::remove_all(out, ec);
    throw;
  }
}

}  // namespace reach::run
