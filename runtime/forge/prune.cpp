#include "forge/prune.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <stdexcept>
#include <string>

#include "formats/mapped_file.h"

namespace reach::run {

namespace fs = std::filesystem;

namespace {

std::string tensor_name(int32_t layer, const char* name) {
  return "model.layers." + std::to_string(layer) + ".self_attn." + name;
}

class RangeCollector {
 public:
  explicit RangeCollector(const ModelSource& source) : source_(source) {}

  // Rows [first, first + count) of the tensor, if the model has it.
  void rows(const std::string& name, int64_t first, int64_t count) {
    const TensorView* t = source_.find(name);
    if (t == nullptr) return;
    const auto at = source_.locate(*t);
    // A bias {n} is one row: its "rows" are single values.
    const size_t row_bytes = t->shape.size() == 1 ? type_traits(t->dtype).row_bytes(1) : t->row_bytes();
    ranges_[at.file].push_back({at.offset + static_cast<size_t>(first) * row_bytes,
                                at.offset + static_cast<size_t>(first + count) * row_bytes});
  }

  // Columns [first, first + count) of every row: whole blocks only.
  void columns(const std::string& name, int64_t first, int64_t count) {
    const TensorView& t = source_.get(name);
    const auto& traits = type_traits(t.dtype);
    if (first % traits.block_elems != 0 || count % traits.block_elems != 0)
      throw std::invalid_argument(name + " is " + std::string(traits.name) + " in blocks of " +
                                  std::to_string(traits.block_elems) + " values: columns " + std::to_string(first) +
                                  ".." + std::to_string(first + count - 1) +
                                  " are not whole blocks, so they cannot be zeroed exactly");
    const auto at = source_.locate(t);
    const size_t begin = traits.row_bytes(first), bytes = traits.row_bytes(count);
    for (int64_t r = 0; r < t.rows(); ++r) {
      const size_t row = at.offset + static_cast<size_t>(r) * t.row_bytes() + begin;
      ranges_[at.file].push_back({row, row + bytes});
    }
  }

  std::vector<std::pair<fs::path, std::vector<ZeroRange>>> take() {
    std::vector<std::pair<fs::path, std::vector<ZeroRange>>> out;
    for (auto& [file, ranges] : ranges_) {
      std::sort(ranges.begin(), ranges.end(), [](const ZeroRange& a, const ZeroRange& b) { return a.begin < b.begin; });
      out.emplace_back(file, std::move(ranges));
    }
    return out;
  }

 private:
  const ModelSource& source_;
  std::map<fs::path, std::vector<ZeroRange>> ranges_;
};

// Copies `from` to `to` in chunks, clearing `ranges` (sorted) on the way.
void copy_zeroing(const fs::path& from, const fs::path& to, const std::vector<ZeroRange>& ranges) {
  const MappedFile in(from);
  std::ofstream out(to, std::ios::binary | std::ios::trunc);
  if (!out) throw std::runtime_error(to.string() + ": cannot create the file");
  constexpr size_t kChunk = size_t{4} << 20;
  std::vector<char> buffer(kChunk);
  auto next = ranges.begin();
  for (size_t pos = 0; pos < in.size(); pos += kChunk) {
    const size_t n = std::min(kChunk, in.size() - pos);
    std::memcpy(buffer.data(), in.bytes().data() + pos, n);
    while (next != ranges.end() && next->end <= pos) ++next;
    for (auto r = next; r != ranges.end() && r->begin < pos + n; ++r) {
      const size_t b = std::max(r->begin, pos), e = std::min(r->end, pos + n);
      std::fill(buffer.begin() + static_cast<ptrdiff_t>(b - pos), buffer.begin() + static_cast<ptrdiff_t>(e - pos), 0);
    }
    if (!out.write(buffer.data(), static_cast<std::streamsize>(n)))
      throw std::runtime_error(to.string() + ": write failed (disk full?)");
  }
  if (!out.flush()) throw std::runtime_error(to.string() + ": write failed (disk full?)");
}

}  // namespace

std::vector<std::pair<fs::path, std::vector<ZeroRange>>> prune_ranges(const ModelSource& source,
                                                                       const HeadList& heads) {
  const ModelConfig& c = source.config();
  const int32_t group = c.n_heads / c.n_kv_heads;
  std::map<std::pair<int32_t, int32_t>, int32_t> pruned_in_group;  // {layer, kv head} -> query heads pruned
  RangeCollector collect(source);
  for (const auto& [layer, head] : std::set<std::pair<int32_t, int32_t>>(heads.begin(), heads.end())) {
    if (layer < 0 || layer >= c.n_layers || head < 0 || head >= c.n_heads)
      throw std::invalid_argument("head " + std::to_string(layer) + ":" + std::to_string(head) +
                                  " is outside the model's " + std::to_string(c.n_layers) + " layers of " +
                                  std::to_string(c.n_heads) + " heads");
    collect.rows(tensor_name(layer, "q_proj.weight"), head * c.head_dim, c.head_dim);
    collect.rows(tensor_name(layer, "q_proj.bias"), head * c.head_dim, c.head_dim);  // a {n} tensor: rows of 1
    collect.columns(tensor_name(layer, "o_proj.weight"), head * c.head_dim, c.head_dim);
    if (++pruned_in_group[{layer, head / group}] == group)
      for (const char* kv : {"k_proj.weight", "k_proj.bias", "v_proj.weight", "v_proj.bias"})
        collect.rows(tensor_name(layer, kv), head / group * c.head_dim, c.head_dim);
  }
  return collect.take();
}

HeadList lowest_heads(const std::vector<std::vector<HeadScore>>& scores, double fraction, bool by_activation) {
  std::vector<HeadScore> all;
  for (const auto& layer : scores) all.insert(all.end(), layer.begin(), layer.end());
  std::stable_sort(all.begin(), all.end(), [&](const HeadScore& a, const HeadScore& b) {
    return (by_activation ? a.activation : a.weight_l2) < (by_activation ? b.activation : b.weight_l2);
  });
  const auto count = static_cast<size_t>(std::llround(fraction * static_cast<double>(all.size())));
  HeadList heads;
  for (size_t i = 0; i < std::min(count, all.size()); ++i) heads.emplace_back(all[i].layer, all[i].head);
  return heads;
}

void write_pruned(const ModelSource& source, const HeadList& heads, const fs::path& out) {
  std::error_code ec;
  if (fs::exists(out, ec)) throw std::invalid_argument(out.string() + ": already exists; give a new path");
  const bool folder = fs::is_directory(source.path(), ec);
  if (folder == (out.extension() == ".gguf"))
    throw std::invalid_argument(out.string() + ": the pruned model keeps the input's format: " +
                                (folder ? "a folder for an HF folder" : "a .gguf file for a GGUF file"));
  const auto ranges = prune_ranges(source, heads);
  auto zeroed = [&](const fs::path& file) -> const std::vector<ZeroRange>& {
    static const std::vector<ZeroRange> none;
    for (const auto& [f, r] : ranges)
      if (f == file) return r;
    return none;
  };
  if (!folder) return copy_zeroing(source.path(), out, zeroed(source.path()));
  fs::create_directories(out);
  const auto tensor_files = source.tensor_files();
  for (const auto& entry : fs::directory_iterator(source.path())) {
    if (!entry.is_regular_file()) continue;
    const fs::path to = out / entry.path().filename();
    if (std::find(tensor_files.begin(), tensor_files.end(), entry.path()) != tensor_files.end())
      copy_zeroing(entry.path(), to, zeroed(entry.path()));
    else
      fs::copy_file(entry.path(), to);  // config.json, tokenizer files, the shard index
  }
}

}  // namespace reach::run
