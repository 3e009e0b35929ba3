// reach-make-test-model: writes one random Llama-family model as an HF
// folder and as GGUF files (see test_model_writer.h).
//
//   reach-make-test-model --out DIR --tokenizer DIR [--arch llama|mistral|qwen2|qwen3|phi3]
//     [--dim 64] [--layers 2] [--heads 4] [--kv-heads 2] [--head-dim 0] [--ffn 128]
//     [--context 512] [--tied] [--rope-theta 10000] [--rms-eps 1e-5]
//     [--rope-scaling-factor F [--rope-low-freq-factor 1 --rope-high-freq-factor 4 --rope-original-context 8192]]
//     [--seed 1] [--init-scale 0.02] [--hf-dtype f32|f16|bf16] [--shards 1]
//     [--gguf-types f32,f16,q8_0,q4_0,q4_k,...]  (any type of the type table; rows not a
//      whole number of its blocks are written F16)
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <sstream>
#include <string>

#include "formats/tensor_type.h"
#include "test_model_writer.h"

namespace {

using reach::run::DType;

// Any type of the type table, by its name in lower case ("q4_k").
DType parse_dtype(const std::string& s) {
  std::string upper = s;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (const reach::run::TypeTraits* t = reach::run::type_by_name(upper)) return t->type;
  throw std::invalid_argument("unknown type '" + s + "' (a type of the type table: f32, f16, q8_0, q4_k, ...)");
}

int usage(const char* why) {
  std::fprintf(stderr, "reach-make-test-model: %s\nsee the comment at the top of make_test_model_main.cpp for flags\n", why);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  reach::test::TestModelSpec spec;
  std::string out;
  try {
    for (int i = 1; i < argc; ++i) {
      const std::string flag = argv[i];
      if (flag == "--tied") {
        spec.tied_embeddings = true;
        continue;
      }
      if (i + 1 >= argc) return usage(("missing value for " + flag).c_str());
      const std::string v = argv[++i];
      if (flag == "--out") out = v;
      else if (flag == "--tokenizer") spec.tokenizer_dir = v;
      else if (flag == "--arch") spec.arch = v;
      else if (flag == "--dim") spec.dim = std::stoi(v);
      else if (flag == "--layers") spec.n_layers = std::stoi(v);
      else if (flag == "--heads") spec.n_heads = std::stoi(v);
      else if (flag == "--kv-heads") spec.n_kv_heads = std::stoi(v);
      else if (flag == "--head-dim") spec.head_dim = std::stoi(v);
      else if (flag == "--ffn") spec.ffn_dim = std::stoi(v);
      else if (flag == "--context") spec.context_length = std::stoi(v);
      else if (flag == "--rope-theta") spec.rope_theta = std::stof(v);
      else if (flag == "--rms-eps") spec.rms_eps = std::stof(v);
      else if (flag == "--rope-scaling-factor") spec.rope_scaling.factor = std::stof(v);
      else if (flag == "--rope-low-freq-factor") spec.rope_scaling.low_freq_factor = std::stof(v);
      else if (flag == "--rope-high-freq-factor") spec.rope_scaling.high_freq_factor = std::stof(v);
      else if (flag == "--rope-original-context") spec.rope_scaling.original_max_position = std::stoi(v);
      else if (flag == "--seed") spec.seed = std::stoull(v);
      else if (flag == "--init-scale") spec.init_scale = std::stof(v);
      else if (flag == "--hf-dtype") spec.hf_dtype = parse_dtype(v);
      else if (flag == "--shards") spec.hf_shards = std::stoi(v);
      else if (flag == "--gguf-types") {
        spec.gguf_types.clear();
        std::stringstream list(v);
        for (std::string t; std::getline(list, t, ',');) {
          if (!t.empty()) spec.gguf_types.push_back(parse_dtype(t));
        }
      } else {
        return usage(("unknown flag " + flag).c_str());
      }
    }
    if (out.empty()) return usage("--out is required");
    if (spec.tokenizer_dir.empty()) return usage("--tokenizer is required");
    const auto files = reach::test::write_test_model(spec, out);
    std::printf("%s\n", files.hf_dir.c_str());
    for (const auto& [type, path] : files.gguf) std::printf("%s\n", path.c_str());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "reach-make-test-model: %s\n", e.what());
    return 2;
  }
}
