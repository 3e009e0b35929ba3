#include "tokenizer_vocab.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <map>
#include <stdexcept>

namespace reach::test {
namespace {

using nlohmann::json;

json read_json(const std::filesystem::path& path) {
  std::ifstream f(path);
  if (!f) throw std::runtime_error("cannot read " + path.string());
  return json::parse(f);
}

// tokenizer_config.json names special tokens as "<s>" or {"content": "<s>", ...}.
std::string token_text(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_object() && v.contains("content")) return v["content"].get<std::string>();
  return "";
}

bool is_byte_token(const std::string& s) {
  return s.size() == 6 && s.rfind("<0x", 0) == 0 && s[5] == '>' && std::isxdigit(static_cast<unsigned char>(s[3])) &&
         std::isxdigit(static_cast<unsigned char>(s[4]));
}

// Bytes in the UTF-8 sequence that starts with `lead`.
int utf8_length(char lead) {
  const auto c = static_cast<unsigned char>(lead);
  return c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
}

}  // namespace

run::GgufVocab gguf_vocab_from_hf_tokenizer(const std::filesystem::path& folder) {
  const json tok = read_json(folder / "tokenizer.json");
  const json cfg = std::filesystem::exists(folder / "tokenizer_config.json")
                       ? read_json(folder / "tokenizer_config.json")
                       : json::object();
  const json& model = tok.at("model");
  if (model.value("type", "") != "BPE") throw std::runtime_error("only BPE tokenizer.json files are supported");
  const bool sentencepiece = model.value("byte_fallback", false);

  std::map<int32_t, std::string> by_id;
  for (const auto& [piece, id] : model.at("vocab").items()) by_id[id.get<int32_t>()] = piece;
  std::map<int32_t, bool> added;  // id -> special
  for (const auto& a : tok.value("added_tokens", json::array())) {
    const int32_t id = a.at("id").get<int32_t>();
    by_id[id] = a.at("content").get<std::string>();
    added[id] = a.value("special", false);
  }
  if (by_id.empty()) throw std::runtime_error("tokenizer.json has an empty vocabulary");
  const int32_t n = by_id.rbegin()->first + 1;

  run::GgufVocab v;
  v.model = sentencepiece ? "llama" : "gpt2";
  v.tokens.resize(n);
  v.token_types.assign(n, 1);
  std::map<std::string, int32_t> id_of;
  for (int32_t id = 0; id < n; ++id) {
    const auto it = by_id.find(id);
    // Ids the tokenizer skips are padded as llama.cpp's converter does.
    v.tokens[id] = it != by_id.end() ? it->second : "[PAD" + std::to_string(id) + "]";
    if (it == by_id.end()) v.token_types[id] = 5;  // unused
    id_of.emplace(v.tokens[id], id);
  }
  const auto id_for = [&](const json& field) -> int32_t {
    const std::string text = token_text(field);
    const auto it = id_of.find(text);
    return text.empty() || it == id_of.end() ? -1 : it->second;
  };
  v.bos_id = id_for(cfg.value("bos_token", json()));
  v.eos_id = id_for(cfg.value("eos_token", json()));
  v.pad_id = id_for(cfg.value("pad_token", json()));
  v.unk_id = id_for(cfg.contains("unk_token") ? cfg["unk_token"] : model.value("unk_token", json()));

  for (const auto& [id, special] : added) v.token_types[id] = special ? 3 : 4;  // control / user-defined
  if (sentencepiece) {
    // llama.cpp's SentencePiece tokenizer merges the adjacent pair whose
    // concatenation has the highest score; HF's BPE applies the lowest-rank
    // merge. Scoring each piece by minus the rank of the first merge that
    // makes it gives both the same order. Pieces no merge makes (whitespace
    // runs like "\u2581\u2581" in some vocabularies) must never win: -1e9.
    v.scores.assign(n, 0.0f);
    std::vector<bool> made(n, false);
    int64_t rank = 0;
    for (const auto& m : model.at("merges")) {
      const std::string merged = m.is_string() ? [&] {
        const std::string s = m.get<std::string>();
        const size_t space = s.find(' ');
        return s.substr(0, space) + s.substr(space + 1);
      }() : m.at(0).get<std::string>() + m.at(1).get<std::string>();
      const auto it = id_of.find(merged);
      if (it != id_of.end() && !made[it->second]) {
        made[it->second] = true;
        v.scores[it->second] = -static_cast<float>(rank);
      }
      ++rank;
    }
    for (int32_t id = 0; id < n; ++id) {
      if (is_byte_token(v.tokens[id])) v.token_types[id] = 6;
      const bool single_char = !v.tokens[id].empty() &&
                               v.tokens[id].size() == static_cast<size_t>(utf8_length(v.tokens[id][0]));
      if (v.token_types[id] == 1 && !made[id] && !single_char) v.scores[id] = -1e9f;
    }
    if (v.unk_id >= 0) v.token_types[v.unk_id] = 2;
    v.pre = "default";
  } else {
    for (const auto& m : model.at("merges")) {
      v.merges.push_back(m.is_string() ? m.get<std::string>()
                                       : m.at(0).get<std::string>() + " " + m.at(1).get<std::string>());
    }
    // llama.cpp names its pre-tokenizers; tell Llama-3's (digits in runs of
    // up to three) from Qwen2's (single digits) by the split regex.
    const std::string pre = tok.value("pre_tokenizer", json()).dump();
    if (pre.find("\\\\p{N}{1,3}") != std::string::npos) {
      v.pre = "llama-bpe";
    } else if (pre.find("\\\\p{N}|") != std::string::npos) {
      v.pre = "qwen2";
    } else {
      throw std::runtime_error("unrecognised byte-level pre-tokenizer in " + (folder / "tokenizer.json").string());
    }
  }

  // add_bos: tokenizer_config.json's add_bos_token, else whether the
  // post-processor's template starts with the BOS token.
  if (cfg.contains("add_bos_token") && cfg["add_bos_token"].is_boolean()) {
    v.add_bos = cfg["add_bos_token"].get<bool>();
  } else {
    const json post = tok.value("post_processor", json());
    v.add_bos = false;
    if (post.is_object() && post.value("type", "") == "TemplateProcessing" && v.bos_id >= 0) {
      for (const auto& piece : post.at("single")) {
        if (piece.contains("SpecialToken") && piece["SpecialToken"].value("id", "") == v.tokens[v.bos_id]) v.add_bos = true;
      }
    }
  }
  v.add_eos = cfg.value("add_eos_token", false) == true;
  return v;
}

}  // namespace reach::test
