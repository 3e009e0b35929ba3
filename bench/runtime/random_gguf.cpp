// reach-random-gguf: a Llama-shaped GGUF of random weights, written in
// seconds for speed measurements (a 7B shape too), where the test writer
// (test/support) draws normal values one at a time and keeps the model in
// memory. Values are uniform in ±scale from SplitMix64, one stream per row,
// generated and quantized by the type table's reference quantizer on all
// cores, and streamed tensor by tensor.
//
//   reach-random-gguf --out FILE --type f32|f16|bf16|q8_0|q4_0|q4_k|q6_k|... --tokenizer DIR
//     (--shape tinyllama|llama2-7b | --dim D --layers L --heads H --kv-heads K --ffn F)
//     [--vocab 32000] [--context 4096] [--scale 0.02] [--seed 1]
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "formats/gguf_model_metadata.h"
#include "formats/gguf_names.h"
#include "formats/gguf_writer.h"
#include "tokenizer/gguf_vocab_from_json.h"

namespace {

using namespace reach::run;

uint64_t splitmix(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// Rows [begin, end) of a tensor in `type`: row r from its own stream.
void fill_rows(const GgufTensorInfo& t, uint64_t seed, float center, float scale, int64_t begin, int64_t end,
               std::byte* out) {
  const int64_t cols = t.shape.back();
  const size_t row_bytes = type_traits(t.type).row_bytes(cols);
  std::vector<float> row(static_cast<size_t>(cols));
  for (int64_t r = begin; r < end; ++r) {
    uint64_t state = seed ^ (static_cast<uint64_t>(r) * 0xd1342543de82ef95ull);
    for (float& v : row) v = center + scale * (static_cast<float>(splitmix(state) >> 40) * 0x1.0p-23f - 1.0f);
    type_traits(t.type).from_float(row.data(), out + static_cast<size_t>(r - begin) * row_bytes, cols);
  }
}

std::vector<std::byte> make_tensor(const GgufTensorInfo& t, uint64_t seed, float center, float scale) {
  std::vector<std::byte> bytes(t.nbytes());
  const int64_t rows = t.shape.size() == 1 ? 1 : t.shape.front();
  const size_t row_bytes = type_traits(t.type).row_bytes(t.shape.back());
  const int64_t workers = std::max(1u, std::thread::hardware_concurrency());
  const int64_t per = (rows + workers - 1) / workers;
  std::vector<std::thread> threads;
  for (int64_t b = 0; b < rows; b += per)
    threads.emplace_back(fill_rows, std::cref(t), seed, center, scale, b, std::min(rows, b + per),
                         bytes.data() + static_cast<size_t>(b) * row_bytes);
  for (std::thread& th : threads) th.join();
  return bytes;
}

// Any type of the type table, by its name in lower case ("q4_k").
DType parse_type(const std::string& s) {
  std::string upper = s;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const TypeTraits* t = type_by_name(upper);
  if (!t) throw std::invalid_argument("--type: unknown '" + s + "' (a type of the type table, e.g. q4_0, q4_k, q6_k)");
  return t->type;
}

ModelConfig shape(const std::string& name) {
  ModelConfig c;
  if (name == "tinyllama") c.dim = 2048, c.n_layers = 22, c.n_heads = 32, c.n_kv_heads = 4, c.ffn_dim = 5632;
  else if (name == "llama2-7b") c.dim = 4096, c.n_layers = 32, c.n_heads = 32, c.n_kv_heads = 32, c.ffn_dim = 11008;
  else throw std::invalid_argument("--shape: unknown '" + name + "' (tinyllama, llama2-7b)");
  return c;
}

int run(const std::map<std::string, std::string>& o) {
  auto get = [&](const std::string& k, const std::string& fallback) { return o.count(k) ? o.at(k) : fallback; };
  ModelConfig c = o.count("--shape") ? shape(o.at("--shape")) : ModelConfig{};
  if (!o.count("--shape")) {
    c.dim = std::stoi(get("--dim", "0")), c.n_layers = std::stoi(get("--layers", "0"));
    c.n_heads = std::stoi(get("--heads", "0")), c.n_kv_heads = std::stoi(get("--kv-heads", "0"));
    c.ffn_dim = std::stoi(get("--ffn", "0"));
  }
  if (c.dim <= 0 || c.n_layers <= 0 || c.n_heads <= 0 || c.n_kv_heads <= 0 || c.ffn_dim <= 0)
    throw std::invalid_argument("give --shape or all of --dim --layers --heads --kv-heads --ffn");
  c.head_dim = c.dim / c.n_heads;
  c.vocab_size = std::stoi(get("--vocab", "32000"));
  c.max_seq_len = std::stoi(get("--context", "4096"));
  const DType type = parse_type(get("--type", "q4_0"));
  const float scale = std::stof(get("--scale", "0.02"));
  const uint64_t seed = std::stoull(get("--seed", "1"));
  const std::string tokenizer = get("--tokenizer", "");
  const std::string out = get("--out", "");
  if (out.empty() || tokenizer.empty()) throw std::invalid_argument("--out and --tokenizer are required");

  GgufMetadata metadata;
  add_model_metadata(metadata, c, "random " + get("--shape", "llama"), gguf_file_type(type));
  add_vocab_metadata(metadata, gguf_vocab_from_tokenizer_json(
                                   {tokenizer + "/tokenizer.json", tokenizer + "/tokenizer_config.json"}, c.vocab_size));
  struct Planned {
    GgufTensorInfo info;
    float center;  // norms around 1, the rest around 0
  };
  std::vector<Planned> tensors;
  auto add = [&](const std::string& canonical, std::vector<int64_t> dims, bool norm) {
    tensors.push_back({{gguf_name(canonical), norm ? DType::F32 : type, std::move(dims)}, norm ? 1.0f : 0.0f});
  };
  const int64_t q_dim = int64_t{c.n_heads} * c.head_dim, kv_dim = int64_t{c.n_kv_heads} * c.head_dim;
  add("model.embed_tokens.weight", {c.vocab_size, c.dim}, false);
  for (int32_t i = 0; i < c.n_layers; ++i) {
    const std::string p = "model.layers." + std::to_string(i) + ".";
    add(p + "input_layernorm.weight", {c.dim}, true);
    add(p + "self_attn.q_proj.weight", {q_dim, c.dim}, false);
    add(p + "self_attn.k_proj.weight", {kv_dim, c.dim}, false);
    add(p + "self_attn.v_proj.weight", {kv_dim, c.dim}, false);
    add(p + "self_attn.o_proj.weight", {c.dim, q_dim}, false);
    add(p + "post_attention_layernorm.weight", {c.dim}, true);
    add(p + "mlp.gate_proj.weight", {c.ffn_dim, c.dim}, false);
    add(p + "mlp.up_proj.weight", {c.ffn_dim, c.dim}, false);
    add(p + "mlp.down_proj.weight", {c.dim, c.ffn_dim}, false);
  }
  add("model.norm.weight", {c.dim}, true);
  add("lm_head.weight", {c.vocab_size, c.dim}, false);

  std::vector<GgufTensorInfo> infos;
  for (const Planned& t : tensors) infos.push_back(t.info);
  std::ofstream file(out, std::ios::binary);
  if (!file) throw std::runtime_error(out + ": cannot create");
  GgufStreamWriter writer(file, out, metadata, infos);
  for (size_t i = 0; i < tensors.size(); ++i)
    writer.write_tensor(make_tensor(tensors[i].info, seed * 0x100000001b3ull + i, tensors[i].center,
                                    tensors[i].center != 0.0f ? 0.1f : scale));
  writer.finish();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::map<std::string, std::string> options;
  for (int i = 1; i + 1 < argc; i += 2) options[argv[i]] = argv[i + 1];
  try {
    if (argc % 2 == 0) throw std::invalid_argument(std::string("missing a value after ") + argv[argc - 1]);
    return run(options);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "reach-random-gguf: %s\n", e.what());
    return 2;
  }
}
