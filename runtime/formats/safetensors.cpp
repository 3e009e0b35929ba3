#include "formats/safetensors.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>
#include <set>

#include "formats/checked_math.h"
#include "formats/format_error.h"

namespace reach::run {
namespace {

using nlohmann::json;

// The reference implementation refuses headers above 100 MB; so do we, so
// that a lying length never makes us parse (or allocate for) gigabytes.
constexpr uint64_t kMaxHeaderBytes = 100u << 20;
constexpr size_t kMaxRank = 8;

// Safetensors dtypes reach-run has no row for (formats/tensor_type.h):
// named as unsupported rather than unknown.
constexpr std::string_view kOtherDTypes[] = {"F64", "I64", "U64", "I32", "U32",     "I16",
                                             "U16", "I8",  "U8",  "BOOL", "F8_E4M3", "F8_E5M2"};

bool in_safetensors(const TypeTraits& t) { return t.safetensors; }

// Where in the file the header mentions `key` (for messages); the header
// start when it cannot be found verbatim (escaped names).
uint64_t key_offset(const std::string& header, const std::string& key) {
  const size_t at = header.find("\"" + key + "\"");
  return 8 + (at == std::string::npos ? 0 : at);
}

uint64_t read_u64_le(const std::byte* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

// What every check after the length needs: the file for messages, the
// header text for the offsets of keys, and where the data section lies.
struct Header {
  std::span<const std::byte> bytes;
  const std::string& file_name;
  std::string text;
  uint64_t data_start;
  uint64_t data_size;

  FormatError fail(uint64_t offset, const std::string& rule) const { return FormatError(file_name, offset, rule); }
};

// A tensor's place in the data section, for the overlap check and for
// returning tensors in data order.
struct DataSpan {
  uint64_t begin, end;
  size_t index;
};

// The entry's three fields, each checked for its JSON kind.
struct EntryFields {
  const json* dtype;
  const json* shape;
  const json* offsets;
};

// Reads the 8-byte header length and the header it frames, refusing
// lengths the file cannot hold before anything is allocated for them.
Header read_header(std::span<const std::byte> bytes, const std::string& file_name) {
  if (bytes.size() < 8) {
    throw FormatError(file_name, 0, "truncated: " + std::to_string(bytes.size()) +
                                        " bytes, but a safetensors file starts with an 8-byte header length");
  }
  const uint64_t header_len = read_u64_le(bytes.data());
  if (header_len > kMaxHeaderBytes) {
    throw FormatError(file_name, 0, "header length " + std::to_string(header_len) + " exceeds the 100 MiB limit");
  }
  if (header_len > bytes.size() - 8) {
    throw FormatError(file_name, 0, "header length " + std::to_string(header_len) + " runs past end of file (" +
                                        std::to_string(bytes.size()) + " bytes)");
  }
  const uint64_t data_start = 8 + header_len;
  return Header{bytes, file_name, std::string(reinterpret_cast<const char*>(bytes.data()) + 8, header_len),
                data_start, bytes.size() - data_start};
}

// Parses the header JSON, noting top-level keys as they arrive: JSON
// objects keep only the last of two equal keys, which would hide a file
// that lies twice.
json parse_header_json(const Header& h) {
  std::set<std::string> seen;
  std::string duplicate;
  json root;
  try {
    root = json::parse(h.text, [&](int depth, json::parse_event_t event, json& parsed) {
      if (depth == 1 && event == json::parse_event_t::key) {
        const auto& key = parsed.get_ref<const std::string&>();
        if (!seen.insert(key).second && duplicate.empty()) duplicate = key;
      }
      return true;
    });
  } catch (const json::parse_error& e) {
    throw h.fail(8 + (e.byte > 0 ? e.byte - 1 : 0), std::string("header is not valid JSON: ") + e.what());
  } catch (const json::exception& e) {  // e.g. a number too large for a double (out_of_range 406)
    throw h.fail(8, std::string("header is not valid JSON: ") + e.what());
  }
  if (!root.is_object()) throw h.fail(8, "header must be a JSON object");
  if (!duplicate.empty()) throw h.fail(key_offset(h.text, duplicate), "tensor '" + duplicate + "' is listed twice");
  return root;
}

void read_metadata(const Header& h, uint64_t at, const json& entry, std::map<std::string, std::string>& metadata) {
  if (!entry.is_object()) throw h.fail(at, "__metadata__ must be an object of strings");
  for (const auto& [k, v] : entry.items()) {
    if (!v.is_string()) throw h.fail(at, "__metadata__ value '" + k + "' is not a string");
    metadata[k] = v.get<std::string>();
  }
}

EntryFields entry_fields(const Header& h, uint64_t at, const std::string& what, const json& entry) {
  if (!entry.is_object()) throw h.fail(at, what + ": entry must be an object");
  const auto dtype_it = entry.find("dtype");
  const auto shape_it = entry.find("shape");
  const auto offs_it = entry.find("data_offsets");
  if (dtype_it == entry.end() || !dtype_it->is_string()) throw h.fail(at, what + ": missing string 'dtype'");
  if (shape_it == entry.end() || !shape_it->is_array()) throw h.fail(at, what + ": missing array 'shape'");
  if (offs_it == entry.end() || !offs_it->is_array() || offs_it->size() != 2 ||
      !(*offs_it)[0].is_number_unsigned() || !(*offs_it)[1].is_number_unsigned()) {
    throw h.fail(at, what + ": 'data_offsets' must be [begin, end] of non-negative integers");
  }
  return {&*dtype_it, &*shape_it, &*offs_it};
}

// Tells a dtype reach-run cannot load apart from one no safetensors
// writer produces, so the message says which.
const TypeTraits& resolve_dtype(const Header& h, uint64_t at, const std::string& what, const std::string& dtype_name) {
  const TypeTraits* dt = type_by_name(dtype_name);
  if (dt == nullptr || !dt->safetensors) {
    const bool known = std::find(std::begin(kOtherDTypes), std::end(kOtherDTypes), dtype_name) !=
                       std::end(kOtherDTypes);
    if (!known) throw h.fail(at, what + ": unknown dtype '" + dtype_name + "'");
    throw h.fail(at, what + ": unsupported dtype '" + dtype_name + "' (supported: " +
                         type_names(in_safetensors) + ")");
  }
  return *dt;
}

// Fills view.shape and returns the element count, refusing counts that
// overflow int64.
uint64_t read_shape(const Header& h, uint64_t at, const std::string& what, const json& shape, TensorView& view) {
  if (shape.size() > kMaxRank) throw h.fail(at, what + ": rank " + std::to_string(shape.size()) + " exceeds 8");
  uint64_t numel = 1;
  for (const auto& d : shape) {
    if (!d.is_number_unsigned()) throw h.fail(at, what + ": shape entries must be non-negative integers");
    const uint64_t dim = d.get<uint64_t>();
    if (dim > static_cast<uint64_t>(INT64_MAX) || !checked_mul(numel, dim, &numel) ||
        numel > static_cast<uint64_t>(INT64_MAX)) {
      throw h.fail(at, what + ": element count of shape overflows");
    }
    view.shape.push_back(static_cast<int64_t>(dim));
  }
  return numel;
}

// The offsets must lie in the data section, span exactly what dtype and
// shape need, and leave the data aligned to its elements.
void check_data_offsets(const Header& h, const std::string& what, const std::string& dtype_name,
                        const TypeTraits& dt, uint64_t begin, uint64_t end, uint64_t expected_bytes, uint64_t at) {
  if (begin > end) {
    throw h.fail(at, what + ": data_offsets begin " + std::to_string(begin) + " > end " + std::to_string(end));
  }
  if (end > h.data_size) {
    throw h.fail(h.data_start + std::min(begin, h.data_size),
                 what + ": data_offsets [" + std::to_string(begin) + ", " + std::to_string(end) +
                     "] run past end of data section (" + std::to_string(h.data_size) + " bytes)");
  }
  if (end - begin != expected_bytes) {
    throw h.fail(h.data_start + begin, what + ": dtype " + dtype_name + " x shape needs " +
                                           std::to_string(expected_bytes) + " bytes but data_offsets span " +
                                           std::to_string(end - begin));
  }
  if ((h.data_start + begin) % static_cast<uint64_t>(dt.block_bytes) != 0) {
    throw h.fail(h.data_start + begin, what + ": data is not aligned to its " + std::to_string(dt.block_bytes) +
                                           "-byte elements");
  }
}

// One tensor entry, checked field by field; `span` gets its data offsets.
TensorView read_tensor(const Header& h, const std::string& name, const json& entry, uint64_t at, DataSpan& span) {
  const std::string what = "tensor '" + name + "'";
  const EntryFields fields = entry_fields(h, at, what, entry);
  const std::string dtype_name = fields.dtype->get<std::string>();
  const TypeTraits& dt = resolve_dtype(h, at, what, dtype_name);

  TensorView view;
  view.name = name;
  view.dtype = dt.type;
  const uint64_t numel = read_shape(h, at, what, *fields.shape, view);
  uint64_t expected_bytes;
  if (!checked_mul(numel, static_cast<uint64_t>(dt.block_bytes), &expected_bytes)) {
    throw h.fail(at, what + ": byte size of shape overflows");
  }

  span.begin = (*fields.offsets)[0].get<uint64_t>();
  span.end = (*fields.offsets)[1].get<uint64_t>();
  check_data_offsets(h, what, dtype_name, dt, span.begin, span.end, expected_bytes, at);
  view.data = h.bytes.data() + h.data_start + span.begin;
  view.nbytes = static_cast<size_t>(expected_bytes);
  return view;
}

// Refuses overlapping tensors (empty ones may sit anywhere) and returns
// the tensors in data order, which is the order a reader streams them in.
std::vector<TensorView> in_data_order(const Header& h, std::vector<TensorView> tensors, std::vector<DataSpan> spans) {
  std::sort(spans.begin(), spans.end(), [](const DataSpan& a, const DataSpan& b) { return a.begin < b.begin; });
  for (size_t i = 1; i < spans.size(); ++i) {
    const DataSpan& prev = spans[i - 1];
    const DataSpan& cur = spans[i];
    if (cur.begin < prev.end && cur.begin != cur.end) {
      throw h.fail(h.data_start + cur.begin, "tensor '" + tensors[cur.index].name + "' overlaps tensor '" +
                                                 tensors[prev.index].name + "'");
    }
  }
  std::vector<TensorView> ordered;
  ordered.reserve(spans.size());
  for (const DataSpan& s : spans) ordered.push_back(std::move(tensors[s.index]));
  return ordered;
}

}  // namespace

SafetensorsFile parse_safetensors(std::span<const std::byte> bytes, const std::string& file_name) {
  const Header h = read_header(bytes, file_name);
  const json root = parse_header_json(h);
  SafetensorsFile out;
  std::vector<DataSpan> spans;
  for (const auto& [name, entry] : root.items()) {
    const uint64_t at = key_offset(h.text, name);
    if (name == "__metadata__") {
      read_metadata(h, at, entry, out.metadata);
      continue;
    }
    DataSpan span{0, 0, out.tensors.size()};
    out.tensors.push_back(read_tensor(h, name, entry, at, span));
    spans.push_back(span);
  }
  out.tensors = in_data_order(h, std::move(out.tensors), std::move(spans));
  return out;
}

namespace {

void add_shard(SafetensorsCheckpoint& ckpt, const std::filesystem::path& file,
               const std::map<std::string, std::string>* expected_names) {
  auto mapped = std::make_unique<MappedFile>(file);
  SafetensorsFile parsed = parse_safetensors(mapped->bytes(), file.string());
  for (auto& view : parsed.tensors) {
    if (expected_names != nullptr) {
      const auto it = expected_names->find(view.name);
      if (it == expected_names->end() || it->second != file.filename().string()) {
        // Tensors the index does not assign to this shard are not ours to
        // use; a second copy elsewhere would be ambiguous.
        continue;
      }
    }
    const std::string name = view.name;
    if (!ckpt.tensors.emplace(name, std::move(view)).second) {
      throw FormatError(file.string(), "tensor '" + name + "' appears in more than one shard");
    }
  }
  ckpt.files.push_back(std::move(mapped));
}

}  // namespace

ShardIndex parse_shard_index(std::span<const std::byte> bytes, const std::string& file_name) {
  json index;
  try {
    index = json::parse(reinterpret_cast<const char*>(bytes.data()),
                        reinterpret_cast<const char*>(bytes.data()) + bytes.size());
  } catch (const json::parse_error& e) {
    throw FormatError(file_name, e.byte > 0 ? e.byte - 1 : 0, std::string("not valid JSON: ") + e.what());
  } catch (const json::exception& e) {  // e.g. a number too large for a double
    throw FormatError(file_name, std::string("not valid JSON: ") + e.what());
  }
  if (!index.is_object() || !index.contains("weight_map") || !index["weight_map"].is_object()) {
    throw FormatError(file_name, "missing object 'weight_map'");
  }
  ShardIndex out;
  std::set<std::string> shards;
  for (const auto& [name, shard] : index["weight_map"].items()) {
    if (!shard.is_string()) throw FormatError(file_name, "weight_map['" + name + "'] is not a string");
    const std::string shard_name = shard.get<std::string>();
    // Shards live beside the index; a path would let a file point anywhere.
    if (shard_name.empty() || shard_name.find('/') != std::string::npos || shard_name == "." || shard_name == "..") {
      throw FormatError(file_name, "weight_map['" + name + "'] names '" + shard_name +
                                       "', which is not a file name in the same folder");
    }
    out.weight_map[name] = shard_name;
    shards.insert(shard_name);
  }
  out.shards.assign(shards.begin(), shards.end());
  return out;
}

SafetensorsCheckpoint load_safetensors_checkpoint(const std::filesystem::path& folder) {
  namespace fs = std::filesystem;
  SafetensorsCheckpoint ckpt;
  const fs::path index_path = folder / "model.safetensors.index.json";
  const fs::path single_path = folder / "model.safetensors";
  if (fs::exists(index_path)) {
    const MappedFile index_file(index_path);
    const ShardIndex index = parse_shard_index(index_file.bytes(), index_path.string());
    for (const auto& shard : index.shards) {
      if (!fs::exists(folder / shard)) {
        throw FormatError(index_path.string(), "lists shard '" + shard + "', which does not exist in " + folder.string());
      }
      add_shard(ckpt, folder / shard, &index.weight_map);
    }
    for (const auto& [name, shard] : index.weight_map) {
      if (!ckpt.tensors.contains(name)) {
        throw FormatError((folder / shard).string(), "index lists tensor '" + name + "' but the shard does not hold it");
      }
    }
    return ckpt;
  }
  if (fs::exists(single_path)) {
    add_shard(ckpt, single_path, nullptr);
    return ckpt;
  }
  throw FormatError(folder.string(), "no model.safetensors or model.safetensors.index.json in this folder");
}

}  // namespace reach::run
