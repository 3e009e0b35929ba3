#include "tokenizer/gguf_vocab_from_json.h"

#include <nlohmann/json.hpp>

#include <cctype>
#include <filesystem>
#include <map>

#include "formats/format_error.h"
#include "formats/mapped_file.h"
#include "tokenizer/load_tokenizer.h"

namespace reach::run {
namespace {

using nlohmann::json;
using IdOf = std::map<std::string, int32_t>;

// llama.cpp's token types.
enum TokenType : int32_t { kNormal = 1, kUnknown = 2, kControl = 3, kUserDefined = 4, kUnused = 5, kByte = 6 };

json read_config(const TokenizerJsonFile& files) {
  return std::filesystem::exists(files.tokenizer_config) ? parse_json_file(files.tokenizer_config) : json::object();
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

// model.vocab and added_tokens by id; the added ones typed control
// (special) or user-defined; ids nobody names padded as the converter does.
IdOf read_tokens(const json& tok, int32_t n_tokens, const std::string& file, GgufVocab& v) {
  std::map<int32_t, std::string> by_id;
  for (const auto& [piece, id] : tok.at("model").at("vocab").items()) by_id[id.get<int32_t>()] = piece;
  std::map<int32_t, bool> added;  // id -> special
  for (const auto& a : tok.value("added_tokens", json::array())) {
    const int32_t id = a.at("id").get<int32_t>();
    by_id[id] = a.at("content").get<std::string>();
    added[id] = a.value("special", false);
  }
  if (by_id.empty()) throw FormatError(file, "the vocabulary is empty");
  if (by_id.begin()->first < 0) throw FormatError(file, "token id " + std::to_string(by_id.begin()->first) + " is negative");
  const int32_t highest = by_id.rbegin()->first;
  if (n_tokens > 0 && highest >= n_tokens)
    throw FormatError(file, "token id " + std::to_string(highest) + " is past the model's " + std::to_string(n_tokens) +
                                " embedding rows");
  const int32_t n = std::max(highest + 1, n_tokens);
  v.tokens.resize(n);
  v.token_types.assign(n, kNormal);
  IdOf id_of;
  for (int32_t id = 0; id < n; ++id) {
    const auto it = by_id.find(id);
    v.tokens[id] = it != by_id.end() ? it->second : "[PAD" + std::to_string(id) + "]";
    if (it == by_id.end()) v.token_types[id] = kUnused;
    id_of.emplace(v.tokens[id], id);  // a repeated text keeps its first id
  }
  for (const auto& [id, special] : added) v.token_types[id] = special ? kControl : kUserDefined;
  return id_of;
}

void read_special_ids(const json& cfg, const json& model, const IdOf& id_of, GgufVocab& v) {
  const auto id_for = [&](const json& field) -> int32_t {
    const std::string text = token_text(field);
    const auto it = id_of.find(text);
    return text.empty() || it == id_of.end() ? -1 : it->second;
  };
  v.bos_id = id_for(cfg.value("bos_token", json()));
  v.eos_id = id_for(cfg.value("eos_token", json()));
  v.pad_id = id_for(cfg.value("pad_token", json()));
  v.unk_id = id_for(cfg.contains("unk_token") ? cfg["unk_token"] : model.value("unk_token", json()));
}

// "a b" or ["a", "b"] -> "ab".
std::string merged_text(const json& m) {
  if (!m.is_string()) return m.at(0).get<std::string>() + m.at(1).get<std::string>();
  const std::string s = m.get<std::string>();
  const size_t space = s.find(' ');
  return s.substr(0, space) + s.substr(space + 1);
}

// llama.cpp's SentencePiece tokenizer merges the adjacent pair whose
// concatenation has the highest score; HF's BPE applies the lowest-rank
// merge. Scoring each piece by minus the rank of the first merge that makes
// it gives both the same order. Pieces no merge makes (whitespace runs like
// "\u2581\u2581" in some vocabularies) must never win: -1e9.
void score_sentencepiece(const json& model, const IdOf& id_of, GgufVocab& v) {
  const auto n = static_cast<int32_t>(v.tokens.size());
  v.scores.assign(n, 0.0f);
  std::vector<bool> made(n, false);
  int64_t rank = 0;
  for (const auto& m : model.at("merges")) {
    const auto it = id_of.find(merged_text(m));
    if (it != id_of.end() && !made[it->second]) {
      made[it->second] = true;
      v.scores[it->second] = -static_cast<float>(rank);
    }
    ++rank;
  }
  for (int32_t id = 0; id < n; ++id) {
    if (is_byte_token(v.tokens[id])) v.token_types[id] = kByte;
    const bool single_char = !v.tokens[id].empty() &&
                             v.tokens[id].size() == static_cast<size_t>(utf8_length(v.tokens[id][0]));
    if (v.token_types[id] == kNormal && !made[id] && !single_char) v.scores[id] = -1e9f;
  }
  if (v.unk_id >= 0) v.token_types[v.unk_id] = kUnknown;
  v.pre = "default";
}

// Byte-level BPE: the merges as "a b", and llama.cpp's name for the
// pre-tokenizer, told apart by the split regex: Llama-3's takes digits in
// runs of up to three, Qwen2's one at a time.
void read_byte_level(const json& tok, const std::string& file, GgufVocab& v) {
  for (const auto& m : tok.at("model").at("merges"))
    v.merges.push_back(m.is_string() ? m.get<std::string>() : m.at(0).get<std::string>() + " " + m.at(1).get<std::string>());
  const std::string pre = tok.value("pre_tokenizer", json()).dump();
  if (pre.find("\\\\p{N}{1,3}") != std::string::npos) {
    v.pre = "llama-bpe";
  } else if (pre.find("\\\\p{N}|") != std::string::npos) {
    v.pre = "qwen2";
  } else {
    throw FormatError(file, "unrecognised byte-level pre-tokenizer (known: Llama-3's and Qwen2's split regexes)");
  }
}

// tokenizer_config.json's add_bos_token, else whether the post-processor's
// template starts with the BOS token.
bool adds_bos(const json& tok, const json& cfg, const GgufVocab& v) {
  if (cfg.contains("add_bos_token") && cfg["add_bos_token"].is_boolean()) return cfg["add_bos_token"].get<bool>();
  const json post = tok.value("post_processor", json());
  if (!post.is_object() || post.value("type", "") != "TemplateProcessing" || v.bos_id < 0) return false;
  bool bos = false;
  for (const auto& piece : post.at("single"))
    if (piece.contains("SpecialToken") && piece["SpecialToken"].value("id", "") == v.tokens[v.bos_id]) bos = true;
  return bos;
}

GgufVocab convert(const json& tok, const json& cfg, int32_t n_tokens, const std::string& file) {
  const json& model = tok.at("model");
  if (model.value("type", "") != "BPE")
    throw FormatError(file, "model type '" + model.value("type", "") + "': only BPE tokenizers can be written to GGUF");
  const bool sentencepiece = model.value("byte_fallback", false);
  GgufVocab v;
  v.model = sentencepiece ? "llama" : "gpt2";
  const IdOf id_of = read_tokens(tok, n_tokens, file, v);
  read_special_ids(cfg, model, id_of, v);
  if (sentencepiece) {
    score_sentencepiece(model, id_of, v);
  } else {
    read_byte_level(tok, file, v);
  }
  v.add_bos = adds_bos(tok, cfg, v);
  v.add_eos = cfg.value("add_eos_token", false) == true;
  return v;
}

}  // namespace

GgufVocab gguf_vocab_from_tokenizer_json(const TokenizerJsonFile& files, int32_t n_tokens) {
  const std::string file = files.tokenizer_json.string();
  const json tok = parse_json_file(files.tokenizer_json);
  const json cfg = read_config(files);
  try {
    return convert(tok, cfg, n_tokens, file);
  } catch (const nlohmann::json::exception& e) {  // a key missing or of the wrong type
    throw FormatError(file, std::string("cannot be written to GGUF: ") + e.what());
  }
}

std::vector<NamedChatTemplate> chat_templates(const TokenizerJsonFile& files) {
  const json cfg = read_config(files);
  const json t = cfg.value("chat_template", json());
  std::vector<NamedChatTemplate> out;
  if (t.is_string()) {
    out.push_back({"", t.get<std::string>()});
  } else if (t.is_array()) {
    for (const auto& named : t) {
      if (!named.is_object() || !named.value("name", json()).is_string() || !named.value("template", json()).is_string())
        throw FormatError(files.tokenizer_config.string(), "chat_template entries must be {\"name\", \"template\"} strings");
      const std::string name = named["name"].get<std::string>();
      out.push_back({name == "default" ? "" : name, named["template"].get<std::string>()});
    }
  } else if (const auto jinja = files.tokenizer_config.parent_path() / "chat_template.jinja"; std::filesystem::exists(jinja)) {
    const MappedFile file(jinja);
    out.push_back({"", std::string(reinterpret_cast<const char*>(file.bytes().data()), file.size())});
  }
  return out;
}

}  // namespace reach::run
