// tokenizer.json (+ tokenizer_config.json) -> TokenizerSpec.
// Supports what Llama-2, Llama-3 and Qwen2/3 files use: model BPE;
// normalizers NFC, Prepend, Replace (space -> U+2581) and Sequence;
// pre-tokenizers Split (the three known regexes), ByteLevel, Metaspace and
// Sequence; decoders ByteLevel, Metaspace, Replace, ByteFallback, Fuse,
// Strip and Sequence; post-processors TemplateProcessing, ByteLevel and
// Sequence. Anything else is a FormatError rather than a silently different
// tokenization.
#include <limits>

#include <nlohmann/json.hpp>

#include "formats/format_error.h"
#include "formats/mapped_file.h"
#include "tokenizer/load_tokenizer.h"
#include "tokenizer/pretokenize.h"

namespace reach::run {
namespace {

using json = nlohmann::json;

constexpr uint64_t kMaxJsonBytes = uint64_t{1} << 30;  // a real tokenizer.json is ~10 MB
constexpr std::string_view kMetaspace = "\xE2\x96\x81";

// Reads a key that must have a given JSON type when present.
const json* get(const std::string& file, const json& obj, const char* key, json::value_t type, const std::string& where) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return nullptr;
  const bool ok = it->type() == type || (type == json::value_t::number_integer && it->is_number_unsigned());
  if (!ok) throw FormatError(file, where + "." + key + " has the wrong type (" + it->type_name() + ")");
  return &*it;
}

bool get_bool(const std::string& file, const json& obj, const char* key, bool fallback, const std::string& where) {
  const json* v = get(file, obj, key, json::value_t::boolean, where);
  return v ? v->get<bool>() : fallback;
}

std::string get_string(const std::string& file, const json& obj, const char* key, const std::string& where) {
  const json* v = get(file, obj, key, json::value_t::string, where);
  if (!v) throw FormatError(file, where + " lacks '" + key + "'");
  return v->get<std::string>();
}

const json& get_object(const std::string& file, const json& obj, const char* key, const std::string& where) {
  const json* v = get(file, obj, key, json::value_t::object, where);
  if (!v) throw FormatError(file, where + " lacks '" + key + "'");
  return *v;
}

// A component that may be a single object or a Sequence of them, flattened.
std::vector<const json*> flatten(const std::string& file, const json* node, const char* list_key, const std::string& where) {
  std::vector<const json*> out;
  if (!node) return out;
  if (!node->is_object()) throw FormatError(file, where + " is not an object");
  const std::string type = get_string(file, *node, "type", where);
  if (type == "Sequence") {
    auto it = node->find(list_key);
    if (it == node->end() || !it->is_array()) throw FormatError(file, where + " Sequence lacks the '" + list_key + "' array");
    for (const json& child : *it) {
      auto sub = flatten(file, &child, list_key, where);
      out.insert(out.end(), sub.begin(), sub.end());
    }
  } else {
    out.push_back(node);
  }
  return out;
}

const json* optional_node(const json& root, const char* key) {
  auto it = root.find(key);
  return (it == root.end() || it->is_null()) ? nullptr : &*it;
}

int32_t checked_id(const std::string& file, const json& v, const std::string& what, int64_t limit) {
  if (!v.is_number_integer()) throw FormatError(file, what + " id is not an integer");
  const int64_t id = v.get<int64_t>();
  if (id < 0 || id >= limit)
    throw FormatError(file, what + " id " + std::to_string(id) + " is outside [0, " + std::to_string(limit) + ")");
  return static_cast<int32_t>(id);
}

void read_vocab_and_merges(const std::string& file, const json& model, const json& root, TokenizerSpec& spec) {
  const json& vocab = get_object(file, model, "vocab", "model");
  const json* added = get(file, root, "added_tokens", json::value_t::array, "tokenizer");
  // Ids must be dense: at most one per entry, so a lying id cannot size the table.
  const int64_t limit = static_cast<int64_t>(vocab.size() + (added ? added->size() : 0));
  std::vector<std::pair<std::string, int32_t>> entries;
  entries.reserve(vocab.size());
  int32_t n = 0;
  for (auto it = vocab.begin(); it != vocab.end(); ++it) {
    const int32_t id = checked_id(file, it.value(), "vocab entry '" + it.key() + "'", limit);
    entries.emplace_back(it.key(), id);
    n = std::max(n, id + 1);
  }
  if (added) {
    for (const json& t : *added) {
      if (!t.is_object() || !t.contains("id") || !t.contains("content") || !t["content"].is_string())
        throw FormatError(file, "added_tokens entry lacks 'id' or 'content'");
      const std::string content = t["content"].get<std::string>();
      const int32_t id = checked_id(file, t["id"], "added token '" + content + "'", limit);
      n = std::max(n, id + 1);
      spec.added.push_back({content, id, get_bool(file, t, "special", false, "added token")});
    }
  }
  spec.vocab.tokens.assign(n, std::string());
  std::vector<bool> taken(n, false);
  for (auto& [text, id] : entries) {
    if (taken[id]) throw FormatError(file, "vocab id " + std::to_string(id) + " is used twice (again by '" + text + "')");
    taken[id] = true;
    spec.vocab.tokens[id] = text;
    spec.vocab.ids.emplace(std::move(text), id);
  }
  for (const AddedToken& t : spec.added) {
    if (!taken[t.id]) { spec.vocab.tokens[t.id] = t.content; taken[t.id] = true; }
    spec.vocab.ids.emplace(t.content, t.id);
  }

  const json* merges = get(file, model, "merges", json::value_t::array, "model");
  if (!merges) return;
  spec.vocab.merges.reserve(merges->size());
  int32_t rank = 0;
  for (const json& m : *merges) {
    std::string left, right;
    if (m.is_string()) {  // "left right"
      const std::string s = m.get<std::string>();
      const size_t space = s.find(' ');
      if (space == std::string::npos || s.find(' ', space + 1) != std::string::npos)
        throw FormatError(file, "merge " + std::to_string(rank) + " '" + s + "' is not two tokens separated by one space");
      left = s.substr(0, space);
      right = s.substr(space + 1);
    } else if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string()) {  // ["left", "right"]
      left = m[0].get<std::string>();
      right = m[1].get<std::string>();
    } else {
      throw FormatError(file, "merge " + std::to_string(rank) + " is neither \"a b\" nor [\"a\", \"b\"]");
    }
    const int32_t a = spec.vocab.find(left), b = spec.vocab.find(right), merged = spec.vocab.find(left + right);
    if (a < 0 || b < 0 || merged < 0)
      throw FormatError(file, "merge " + std::to_string(rank) + " ('" + left + "' '" + right + "') names a token not in the vocabulary");
    spec.vocab.merges.emplace(BpeVocab::pair_key(a, b), std::pair{rank, merged});  // first (best) rank wins
    ++rank;
  }
}

void read_normalizer(const std::string& file, const json& root, TokenizerSpec& spec, bool& sentencepiece) {
  for (const json* n : flatten(file, optional_node(root, "normalizer"), "normalizers", "normalizer")) {
    const std::string type = get_string(file, *n, "type", "normalizer");
    if (type == "NFC") {
      spec.nfc = true;
    } else if (type == "Prepend" && get_string(file, *n, "prepend", "normalizer") == kMetaspace) {
      sentencepiece = true;
      spec.prepend_space = true;
    } else if (type == "Replace" && n->contains("pattern") && (*n)["pattern"].value("String", "") == " " &&
               get_string(file, *n, "content", "normalizer") == kMetaspace) {
      sentencepiece = true;
    } else {
      throw FormatError(file, "unsupported normalizer '" + type + "' (" + n->dump().substr(0, 120) + ")");
    }
  }
}

void read_pre_tokenizer(const std::string& file, const json& root, TokenizerSpec& spec, bool& sentencepiece, bool& byte_level) {
  bool have_split = false;
  for (const json* p : flatten(file, optional_node(root, "pre_tokenizer"), "pretokenizers", "pre_tokenizer")) {
    const std::string type = get_string(file, *p, "type", "pre_tokenizer");
    if (type == "Split") {
      const json& pattern = get_object(file, *p, "pattern", "pre_tokenizer Split");
      const std::string regex = get_string(file, pattern, "Regex", "pre_tokenizer Split pattern");
      const auto kind = pre_tokenizer_from_regex(regex);
      if (!kind) throw FormatError(file, "unsupported pre-tokenizer regex '" + regex + "'");
      if (p->value("behavior", "") != "Isolated" || p->value("invert", false))
        throw FormatError(file, "pre_tokenizer Split: only behavior 'Isolated' without invert is supported");
      spec.pre_tokenizer = *kind;
      have_split = true;
    } else if (type == "ByteLevel") {
      byte_level = true;
      spec.add_prefix_space = get_bool(file, *p, "add_prefix_space", false, "pre_tokenizer ByteLevel");
      if (get_bool(file, *p, "use_regex", true, "pre_tokenizer ByteLevel")) {
        if (have_split) throw FormatError(file, "pre_tokenizer: a Split followed by a ByteLevel regex split is not supported");
        spec.pre_tokenizer = PreTokenizer::kGpt2;
      }
    } else if (type == "Metaspace") {
      sentencepiece = true;
      const std::string scheme = p->value("prepend_scheme", "always");
      spec.prepend_space = get_bool(file, *p, "add_prefix_space", true, "pre_tokenizer Metaspace") && scheme != "never";
    } else {
      throw FormatError(file, "unsupported pre_tokenizer '" + type + "'");
    }
  }
}

void read_decoder(const std::string& file, const json& root, TokenizerSpec& spec) {
  spec.strip_leading_space = false;
  for (const json* d : flatten(file, optional_node(root, "decoder"), "decoders", "decoder")) {
    const std::string type = get_string(file, *d, "type", "decoder");
    if (type == "Strip") {
      spec.strip_leading_space = d->value("start", 0) > 0;
    } else if (type == "Metaspace") {
      spec.strip_leading_space = d->value("add_prefix_space", true) && d->value("prepend_scheme", "always") != "never";
    } else if (type != "ByteLevel" && type != "Replace" && type != "ByteFallback" && type != "Fuse") {
      throw FormatError(file, "unsupported decoder '" + type + "'");
    }
  }
}

// TemplateProcessing's "single" template: special tokens before $A are the
// BOS it adds, after $A the EOS.
void read_post_processor(const std::string& file, const json& root, TokenizerSpec& spec) {
  for (const json* p : flatten(file, optional_node(root, "post_processor"), "processors", "post_processor")) {
    const std::string type = get_string(file, *p, "type", "post_processor");
    if (type == "ByteLevel") continue;
    if (type != "TemplateProcessing") throw FormatError(file, "unsupported post_processor '" + type + "'");
    auto single = p->find("single");
    if (single == p->end() || !single->is_array()) throw FormatError(file, "post_processor TemplateProcessing lacks 'single'");
    bool seen_sequence = false;
    for (const json& piece : *single) {
      if (piece.contains("Sequence")) { seen_sequence = true; continue; }
      if (!piece.contains("SpecialToken")) continue;
      const std::string name = piece["SpecialToken"].value("id", "");
      const int32_t id = spec.vocab.find(name);
      if (id < 0) throw FormatError(file, "post_processor names token '" + name + "', which is not in the vocabulary");
      if (!seen_sequence) { spec.bos_id = id; spec.add_bos = true; }
      else spec.add_eos = true;
    }
  }
}

// tokenizer_config.json's bos_token/eos_token: a string, {"content": ...} or null.
std::optional<std::string> token_name(const std::string& file, const json& config, const char* key) {
  auto it = config.find(key);
  if (it == config.end() || it->is_null()) return std::nullopt;
  if (it->is_string()) return it->get<std::string>();
  if (it->is_object() && it->contains("content") && (*it)["content"].is_string()) return (*it)["content"].get<std::string>();
  throw FormatError(file, std::string(key) + " is neither a string nor {\"content\": ...}");
}

}  // namespace

json parse_tokenizer_json_text(const std::string& file, std::string_view text) {
  try {
    return json::parse(text.begin(), text.end());
  } catch (const json::parse_error& e) {
    throw FormatError(file, e.byte, std::string("invalid JSON: ") + e.what());
  } catch (const json::exception& e) {  // e.g. a number too large for a double (found by the fuzzer)
    throw FormatError(file, std::string("invalid JSON: ") + e.what());
  }
}

json parse_json_file(const std::filesystem::path& path) {
  const std::string name = path.string();
  const MappedFile file(path);
  const auto bytes = file.bytes();
  if (bytes.size() > kMaxJsonBytes)
    throw FormatError(name, "file is " + std::to_string(bytes.size()) + " bytes, over the 1 GiB limit");
  return parse_tokenizer_json_text(name, std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

TokenizerSpec load_tokenizer_json(const TokenizerJsonFile& source) {
  const std::string file = source.tokenizer_json.string();
  const json root = parse_json_file(source.tokenizer_json);
  std::optional<json> config;
  if (!source.tokenizer_config.empty() && std::filesystem::exists(source.tokenizer_config))
    config = parse_json_file(source.tokenizer_config);
  return tokenizer_spec_from_json(file, root, config ? &*config : nullptr,
                                  source.tokenizer_config.string());
}

namespace {

TokenizerSpec spec_from_json(const std::string& file, const json& root, const json* config,
                             const std::string& config_file) {
  if (!root.is_object()) throw FormatError(file, "top level is not a JSON object");
  TokenizerSpec spec;
  spec.file = file;
  const json& model = get_object(file, root, "model", "tokenizer");
  const json* type = get(file, model, "type", json::value_t::string, "model");
  if (type && type->get<std::string>() != "BPE")
    throw FormatError(file, "unsupported model type '" + type->get<std::string>() + "' (only BPE)");
  read_vocab_and_merges(file, model, root, spec);
  spec.byte_fallback = get_bool(file, model, "byte_fallback", false, "model");
  spec.ignore_merges = get_bool(file, model, "ignore_merges", false, "model");
  if (const json* unk = get(file, model, "unk_token", json::value_t::string, "model")) {
    spec.unk_id = spec.vocab.find(unk->get<std::string>());
    if (spec.unk_id < 0) throw FormatError(file, "model.unk_token '" + unk->get<std::string>() + "' is not in the vocabulary");
  }

  bool sentencepiece = false, byte_level = false;
  spec.prepend_space = false;
  read_normalizer(file, root, spec, sentencepiece);
  read_pre_tokenizer(file, root, spec, sentencepiece, byte_level);
  if (sentencepiece == byte_level)
    throw FormatError(file, sentencepiece ? "mixes byte-level and SentencePiece (U+2581) conventions"
                                          : "neither a ByteLevel pre-tokenizer nor a SentencePiece normalizer: unknown BPE flavour");
  spec.family = byte_level ? TokenizerFamily::kByteLevel : TokenizerFamily::kSentencePiece;
  if (spec.family == TokenizerFamily::kSentencePiece && spec.nfc)
    throw FormatError(file, "NFC with a SentencePiece vocabulary is not supported");
  read_decoder(file, root, spec);
  read_post_processor(file, root, spec);

  std::optional<int32_t> eos;
  if (config) {
    if (!config->is_object()) throw FormatError(config_file, "top level is not a JSON object");
    auto id_of = [&](const char* key) -> int32_t {
      const auto name = token_name(config_file, *config, key);
      if (!name) return -1;
      const int32_t id = spec.vocab.find(*name);
      if (id < 0) throw FormatError(config_file, std::string(key) + " '" + *name + "' is not in the vocabulary");
      return id;
    };
    if (config->contains("bos_token")) spec.bos_id = id_of("bos_token");
    if (config->contains("eos_token")) eos = id_of("eos_token");
    spec.add_bos = get_bool(config_file, *config, "add_bos_token", spec.add_bos, "tokenizer_config");
    spec.add_eos = get_bool(config_file, *config, "add_eos_token", spec.add_eos, "tokenizer_config");
    if (spec.add_bos && spec.bos_id < 0) throw FormatError(config_file, "add_bos_token is true but there is no bos_token");
  }
  finish_spec(spec, eos);
  return spec;
}

}  // namespace

TokenizerSpec tokenizer_spec_from_json(const std::string& file, const json& root, const json* config,
                                       const std::string& config_file) {
  try {
    return spec_from_json(file, root, config, config_file);
  } catch (const json::exception& e) {  // a value of the wrong type deep inside a component
    throw FormatError(file, std::string("unexpected JSON structure: ") + e.what());
  }
}

}  // namespace reach::run
