// open_model: an HF folder (config.json + safetensors + tokenizer.json) or a
// .gguf file, both presented under Hugging Face tensor names and checked
// against the config before anyone multiplies by them.
#include "formats/model_source.h"

#include <cstring>
#include <functional>
#include <map>

#include "formats/config_json.h"
#include "formats/format_error.h"
#include "formats/gguf.h"
#include "formats/gguf_layout.h"
#include "formats/gguf_names.h"
#include "formats/gguf_model.h"
#include "formats/gguf_model_metadata.h"
#include "formats/mapped_file.h"
#include "formats/model_tensors.h"
#include "formats/safetensors.h"

namespace reach::run {
namespace {

namespace fs = std::filesystem;
using TensorMap = std::map<std::string, TensorView, std::less<>>;

std::string shape_string(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

// Every tensor the config implies must be there with the shape it implies;
// `file_name` gives the name the file spells a canonical name with (for a
// GGUF, llama.cpp's), so that messages name what the user can look for.
void check_tensors(const ModelConfig& c, const TensorMap& tensors, const std::string& file,
                   const std::function<std::string(const std::string&)>& file_name) {
  const auto expect = [&](const std::string& name, std::vector<int64_t> shape) {
    const auto it = tensors.find(name);
    const auto shown = file_name(name);
    if (it == tensors.end()) throw FormatError(file, "missing tensor '" + shown + "'");
    if (it->second.shape != shape) {
      throw FormatError(file, "tensor '" + shown + "' has shape " + shape_string(it->second.shape) +
                                  ", but the config implies " + shape_string(shape));
    }
  };
  for (const auto& [name, shape] : model_tensors(c)) expect(name, shape);
  if (tensors.count("rope_freqs.weight")) expect("rope_freqs.weight", {c.head_dim / 2});
}

// The rows [first, first + rows) of a matrix: a matrix too (rows are
// contiguous, a whole number of blocks each).
TensorView row_range(const TensorView& m, std::string name, int64_t first, int64_t rows) {
  const size_t row_bytes = m.row_bytes();
  return {std::move(name), m.dtype, {rows, m.shape[1]}, m.data + static_cast<size_t>(first) * row_bytes,
          static_cast<size_t>(rows) * row_bytes};
}

// Phi-3 keeps q, k and v as one matrix (qkv_proj) and gate and up as one
// (gate_up_proj), the parts' rows one after the other: each part is added
// as a view under its own name, so the model reads a Phi-3 as a Llama.
void add_fused_parts(const ModelConfig& c, TensorMap& tensors, const std::string& file,
                     const std::function<std::string(const std::string&)>& file_name) {
  if (c.arch != Arch::Phi3) return;
  const int64_t q_rows = int64_t{c.n_heads} * c.head_dim, kv_rows = int64_t{c.n_kv_heads} * c.head_dim;
  const auto split = [&](const std::string& fused, int64_t dim,
                         const std::vector<std::pair<std::string, int64_t>>& parts) {
    const auto it = tensors.find(fused);
    if (it == tensors.end()) throw FormatError(file, "missing tensor '" + file_name(fused) + "'");
    int64_t rows = 0;
    for (const auto& part : parts) rows += part.second;
    if (it->second.shape != std::vector<int64_t>{rows, dim})
      throw FormatError(file, "tensor '" + file_name(fused) + "' has shape " + shape_string(it->second.shape) +
                                  ", but the config implies " + shape_string({rows, dim}));
    int64_t first = 0;
    for (const auto& [name, part_rows] : parts) {
      tensors[name] = row_range(it->second, name, first, part_rows);
      first += part_rows;
    }
  };
  for (int32_t i = 0; i < c.n_layers; ++i) {
    const std::string l = "model.layers." + std::to_string(i) + ".";
    split(l + "self_attn.qkv_proj.weight", c.dim,
          {{l + "self_attn.q_proj.weight", q_rows}, {l + "self_attn.k_proj.weight", kv_rows},
           {l + "self_attn.v_proj.weight", kv_rows}});
    split(l + "mlp.gate_up_proj.weight", c.dim,
          {{l + "mlp.gate_proj.weight", c.ffn_dim}, {l + "mlp.up_proj.weight", c.ffn_dim}});
  }
}

class TensorLookup : public ModelSource {
 public:
  const TensorView* find(std::string_view name) const override {
    const auto it = tensors_.find(name);
    return it == tensors_.end() ? nullptr : &it->second;
  }
  const TensorView& get(std::string_view name) const override {
    const TensorView* t = find(name);
    if (t == nullptr) throw FormatError(path().string(), "missing tensor '" + std::string(name) + "'");
    return *t;
  }

 protected:
  TensorMap tensors_;
};

// ---- Hugging Face folder ----

class HfFolderSource final : public TensorLookup {
 public:
  explicit HfFolderSource(const fs::path& folder) : folder_(folder) {
    const fs::path config_path = folder / "config.json";
    if (!fs::exists(config_path)) throw FormatError(folder.string(), "missing config.json in " + folder.string());
    config_ = read_config_json(config_path);
    checkpoint_ = load_safetensors_checkpoint(folder);
    tensors_ = checkpoint_.tensors;  // views; the mapped files stay in checkpoint_
    // Some checkpoints say tie_word_embeddings = false yet ship no lm_head;
    // the embedding is then the only output matrix there is.
    config_.tied_embeddings = !tensors_.contains("lm_head.weight");
    const auto same_name = [](const std::string& name) { return name; };
    add_fused_parts(config_, tensors_, folder.string(), same_name);
    check_tensors(config_, tensors_, folder.string(), same_name);
    tokenizer_.tokenizer_json = folder / "tokenizer.json";
    tokenizer_.tokenizer_config = folder / "tokenizer_config.json";
    if (!fs::exists(tokenizer_.tokenizer_json)) {
      throw FormatError(folder.string(), "missing tokenizer: no tokenizer.json in " + folder.string() +
                                             " (only tokenizer.json is supported, not tokenizer.model)");
    }
  }

  const ModelConfig& config() const override { return config_; }
  RopeStyle rope_style() const override { return RopeStyle::HalfSplit; }
  TokenizerSource tokenizer() const override { return tokenizer_; }
  const fs::path& path() const override { return folder_; }
  void drop_pages(const TensorView& t) const override {
    for (const auto& file : checkpoint_.files)
      if (file->drop_pages({t.data, t.nbytes})) return;
  }
  FileRange locate(const TensorView& t) const override {
    for (const auto& file : checkpoint_.files)
      if (const auto offset = file->offset_of({t.data, t.nbytes})) return {file->path(), *offset};
    throw FormatError(folder_.string(), "tensor '" + t.name + "' lies in none of the folder's files");
  }
  std::vector<fs::path> tensor_files() const override {
    std::vector<fs::path> files;
    for (const auto& file : checkpoint_.files) files.push_back(file->path());
    return files;
  }

 private:
  fs::path folder_;
  ModelConfig config_;
  SafetensorsCheckpoint checkpoint_;
  TokenizerJsonFile tokenizer_;
};

// ---- GGUF file ----

class GgufSource final : public TensorLookup {
 public:
  explicit GgufSource(const fs::path& path) : path_(path), file_(path) {
    gguf_ = parse_gguf(file_.bytes(), path.string());
    config_ = model_config_from_gguf(gguf_);
    if (!gguf_.has("tokenizer.ggml.model")) {
      throw FormatError(path.string(), "missing tokenizer: no tokenizer.ggml.model in the GGUF metadata");
    }
    vocab_ = vocab_from_gguf(gguf_);
    for (const TensorView& t : gguf_.tensors) {
      // Phi-3's 128k models scale RoPE per frequency with these: not done
      // here, so refused rather than run wrong.
      if (t.name == "rope_factors_long.weight" || t.name == "rope_factors_short.weight")
        throw FormatError(path.string(), "tensor '" + t.name + "': LongRoPE scaling is not supported");
      const std::string name = canonical_name(t.name, gguf_architecture(config_.arch));
      if (name.empty()) continue;  // tensors reach-run does not use
      TensorView view = t;
      view.name = name;
      tensors_.emplace(name, std::move(view));
    }
    // llama.cpp ties the output to token_embd when output.weight is absent.
    config_.tied_embeddings = !tensors_.contains("lm_head.weight");
    add_fused_parts(config_, tensors_, path.string(), gguf_name);
    check_tensors(config_, tensors_, path.string(), gguf_name);
  }

  const ModelConfig& config() const override { return config_; }
  // llama.cpp's converter permutes Llama's q/k rows for adjacent-pair RoPE;
  // Qwen checkpoints are written unpermuted and use NeoX-style (half-split).
  RopeStyle rope_style() const override {
    return permutes_qk(config_.arch) ? RopeStyle::AdjacentPairs : RopeStyle::HalfSplit;
  }
  TokenizerSource tokenizer() const override { return vocab_; }
  const fs::path& path() const override { return path_; }
  void drop_pages(const TensorView& t) const override { file_.drop_pages({t.data, t.nbytes}); }
  FileRange locate(const TensorView& t) const override {
    const auto offset = file_.offset_of({t.data, t.nbytes});
    if (!offset) throw FormatError(path_.string(), "tensor '" + t.name + "' lies outside the file");
    return {path_, *offset};
  }
  std::vector<fs::path> tensor_files() const override { return {path_}; }

 private:
  fs::path path_;
  MappedFile file_;
  GgufFile gguf_;
  ModelConfig config_;
  GgufVocab vocab_;
};

bool starts_with_gguf_magic(const fs::path& path) {
  MappedFile f(path);
  return f.size() >= 4 && std::memcmp(f.bytes().data(), "GGUF", 4) == 0;
}

}  // namespace

std::unique_ptr<ModelSource> open_model(const fs::path& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) return std::make_unique<HfFolderSource>(path);
  if (!fs::exists(path, ec)) throw FormatError(path.string(), "no such file or folder");
  if (path.extension() == ".gguf" || starts_with_gguf_magic(path)) return std::make_unique<GgufSource>(path);
  throw FormatError(path.string(), "--model takes a folder (config.json + *.safetensors + tokenizer.json) or a .gguf file");
}

}  // namespace reach::run
