#include "forge/prune.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <stdexcept>
#include <string>

#include "forge/hf_to_gguf.h"
#include "formats/model_tensors.h"
#include "formats/mapped_file.h"

namespace reach::run {

namespace fs = std::filesystem;

namespace {

// One slice pruning clears in a tensor: rows [first, first + count) (of a
// bias {n}: values), or, with `columns`, those columns of every row.
struct PruneCut {
  std::string tensor;
  bool columns = false;
  int64_t first = 0, count = 0;
};

std::string tensor_name(int32_t layer, const char* name) {
  return "model.layers." + std::to_string(layer) + ".self_attn." + name;
}

// The cuts of `heads`, whatever tensors the model has (biases may be absent).
std::vector<PruneCut> prune_cuts(const ModelConfig& c, const HeadList& heads) {
  const int32_t group = c.n_heads / c.n_kv_heads;
  std::map<std::pair<int32_t, int32_t>, int32_t> pruned_in_group;  // {layer, kv head} -> query heads pruned
  std::vector<PruneCut> cuts;
  for (const auto& [layer, head] : std::set<std::pair<int32_t, int32_t>>(heads.begin(), heads.end())) {
    if (layer < 0 || layer >= c.n_layers || head < 0 || head >= c.n_heads)
      throw std::invalid_argument("head " + std::to_string(layer) + ":" + std::to_string(head) +
                                  " is outside the model's " + std::to_string(c.n_layers) + " layers of " +
                                  std::to_string(c.n_heads) + " heads");
    for (const char* q : {"q_proj.weight", "q_proj.bias"})
      cuts.push_back({tensor_name(layer, q), false, head * c.head_dim, c.head_dim});
    cuts.push_back({tensor_name(layer, "o_proj.weight"), true, head * c.head_dim, c.head_dim});
    if (++pruned_in_group[{layer, head / group}] == group)
      for (const char* kv : {"k_proj.weight", "k_proj.bias", "v_proj.weight", "v_proj.bias"})
        cuts.push_back({tensor_name(layer, kv), false, head / group * c.head_dim, c.head_dim});
  }
  return cuts;
}

// The byte ranges of `t`'s data that `cut` clears. Columns must be whole
// blocks of t's type.
std::vector<ZeroRange> cut_ranges(const TensorView& t, const PruneCut& cut) {
  const auto& traits = type_traits(t.dtype);
  if (!cut.columns) {
    // A bias {n} is one row: its "rows" are single values.
    const size_t row_bytes = t.shape.size() == 1 ? traits.row_bytes(1) : t.row_bytes();
    return {{static_cast<size_t>(cut.first) * row_bytes, static_cast<size_t>(cut.first + cut.count) * row_bytes}};
  }
  if (cut.first % traits.block_elems != 0 || cut.count % traits.block_elems != 0)
    throw std::invalid_argument(cut.tensor + " is " + std::string(traits.name) + " in blocks of " +
                                std::to_string(traits.block_elems) + " values: columns " + std::to_string(cut.first) +
                                ".." + std::to_string(cut.first + cut.count - 1) +
                                " are not whole blocks, so they cannot be zeroed exactly");
  std::vector<ZeroRange> ranges;
  const size_t begin = traits.row_bytes(cut.first), bytes = traits.row_bytes(cut.count);
  for (int64_t r = 0; r < t.rows(); ++r) {
    const size_t row = static_cast<size_t>(r) * t.row_bytes() + begin;
    ranges.push_back({row, row + bytes});
  }
  return ranges;
}

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

// The model's own format: its files copied, the ranges cleared on the way;
// for a folder, every other file (config, tokenizer, shard index) as it is.
void write_same_format(const ModelSource& source, const HeadList& heads, const fs::path& out) {
  const auto ranges = prune_ranges(source, heads);
  auto zeroed = [&](const fs::path& file) -> const std::vector<ZeroRange>& {
    static const std::vector<ZeroRange> none;
    for (const auto& [f, r] : ranges)
      if (f == file) return r;
    return none;
  };
  std::error_code ec;
  if (!fs::is_directory(source.path(), ec)) return copy_zeroing(source.path(), out, zeroed(source.path()));
  fs::create_directories(out);
  const auto tensor_files = source.tensor_files();
  for (const auto& entry : fs::directory_iterator(source.path())) {
    if (!entry.is_regular_file()) continue;
    const fs::path to = out / entry.path().filename();
    if (std::find(tensor_files.begin(), tensor_files.end(), entry.path()) != tensor_files.end())
      copy_zeroing(entry.path(), to, zeroed(entry.path()));
    else
      fs::copy_file(entry.path(), to);
  }
}

// A cut as the written tensor sees it: in the tensor the file stores (for
// Phi-3, a q/k/v cut lands in qkv_proj), `shift` bytes into it.
struct StoredCut {
  PruneCut cut;
  TensorView part;  // the tensor cut, as the source holds it
  size_t shift;
};

std::multimap<std::string, StoredCut> stored_cuts(const ModelSource& source, const HeadList& heads) {
  std::multimap<std::string, StoredCut> cuts;
  for (auto& cut : prune_cuts(source.config(), heads)) {
    const TensorView* part = source.find(cut.tensor);
    if (part == nullptr) continue;  // a bias the model does not have
    for (const auto& [name, shape] : stored_tensors(source.config())) {
      const TensorView& whole = source.get(name);
      if (part->data >= whole.data && part->data + part->nbytes <= whole.data + whole.nbytes) {
        cuts.emplace(name, StoredCut{std::move(cut), *part, static_cast<size_t>(part->data - whole.data)});
        break;
      }
    }
  }
  return cuts;
}

// An HF folder as a GGUF file, each tensor's cuts cleared in its GGUF type
// and layout (a permuted q/k head's rows are still that head's rows; the
// converter keeps each tensor's type, so byte offsets carry over).
void write_gguf(const ModelSource& source, const HeadList& heads, const fs::path& out) {
  const auto cuts = stored_cuts(source, heads);
  write_gguf_from_hf(source, out, [&](const TensorView& t, std::span<std::byte> bytes) {
    for (auto [it, end] = cuts.equal_range(t.name); it != end; ++it) {
      TensorView part = it->second.part;
      part.dtype = t.dtype;  // 1-D tensors (biases) are written F32
      for (const ZeroRange& r : cut_ranges(part, it->second.cut))
        std::fill(bytes.begin() + static_cast<ptrdiff_t>(it->second.shift + r.begin),
                  bytes.begin() + static_cast<ptrdiff_t>(it->second.shift + r.end), std::byte{0});
    }
  });
}

}  // namespace

std::vector<std::pair<fs::path, std::vector<ZeroRange>>> prune_ranges(const ModelSource& source,
                                                                       const HeadList& heads) {
  std::map<fs::path, std::vector<ZeroRange>> by_file;
  for (const PruneCut& cut : prune_cuts(source.config(), heads)) {
    const TensorView* t = source.find(cut.tensor);
    if (t == nullptr) continue;  // a bias the model does not have
    const auto at = source.locate(*t);
    for (const ZeroRange& r : cut_ranges(*t, cut)) by_file[at.file].push_back({at.offset + r.begin, at.offset + r.end});
  }
  std::vector<std::pair<fs::path, std::vector<ZeroRange>>> out;
  for (auto& [file, ranges] : by_file) {
    std::sort(ranges.begin(), ranges.end(), [](const ZeroRange& a, const ZeroRange& b) { return a.begin < b.begin; });
    out.emplace_back(file, std::move(ranges));
  }
  return out;
}

void clear_ranges(const fs::path& file, const std::vector<ZeroRange>& ranges) {
  std::fstream f(file, std::ios::binary | std::ios::in | std::ios::out);
  if (!f) throw std::runtime_error(file.string() + ": cannot open for writing");
  const std::vector<char> zeros(1 << 16, 0);
  for (const ZeroRange& r : ranges) {
    f.seekp(static_cast<std::streamoff>(r.begin));
    for (size_t at = r.begin; at < r.end; at += zeros.size())
      f.write(zeros.data(), static_cast<std::streamsize>(std::min(zeros.size(), r.end - at)));
  }
  if (!f.flush()) throw std::runtime_error(file.string() + ": write failed (disk full?)");
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
  const bool folder = fs::is_directory(source.path(), ec), to_gguf = out.extension() == ".gguf";
  if (!folder && !to_gguf)
    throw std::invalid_argument(out.string() + ": a GGUF file is pruned to a .gguf file only: it has no config.json "
                                "or tokenizer.json to write an HF folder with");
  if (folder && to_gguf) return write_gguf(source, heads, out);
  write_same_format(source, heads, out);
}

}  // namespace reach::run
