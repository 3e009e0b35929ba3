#include "formats/gguf.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <set>

#include "formats/checked_math.h"
#include "formats/format_error.h"

namespace reach::run {
namespace {

constexpr uint32_t kMaxDims = 4;
constexpr int kMaxArrayNesting = 4;  // bounds recursion on nested arrays

// A bounds-checked little-endian reader over the file. Every read names
// what it reads, so a truncation says which field ran out.
class Cursor {
 public:
  Cursor(std::span<const std::byte> bytes, const std::string& file) : bytes_(bytes), file_(file) {}

  uint64_t pos() const { return pos_; }
  uint64_t remaining() const { return bytes_.size() - pos_; }
  const std::byte* here() const { return bytes_.data() + pos_; }

  [[noreturn]] void fail(uint64_t at, const std::string& rule) const { throw FormatError(file_, at, rule); }

  void need(uint64_t n, const char* what) const {
    if (n > remaining()) {
      fail(pos_, std::string("truncated: ") + what + " needs " + std::to_string(n) + " bytes, " +
                     std::to_string(remaining()) + " remain");
    }
  }
  void skip(uint64_t n, const char* what) {
    need(n, what);
    pos_ += n;
  }
  template <typename T>
  T read(const char* what) {
    need(sizeof(T), what);
    T v;
    std::memcpy(&v, here(), sizeof(T));  // the file is little-endian, as is every target we build for
    pos_ += sizeof(T);
    return v;
  }
  std::string read_string(const char* what) {
    const uint64_t at = pos_;
    const uint64_t len = read<uint64_t>(what);
    if (len > remaining()) {
      fail(at, std::string(what) + " length " + std::to_string(len) + " runs past end of file (" +
                   std::to_string(remaining()) + " bytes remain)");
    }
    std::string s(reinterpret_cast<const char*>(here()), len);
    pos_ += len;
    return s;
  }

 private:
  std::span<const std::byte> bytes_;
  const std::string& file_;
  uint64_t pos_ = 0;
};

}  // namespace

uint64_t gguf_value_bytes(GgufType t) {
  switch (t) {
    case GgufType::U8: case GgufType::I8: case GgufType::BOOL: return 1;
    case GgufType::U16: case GgufType::I16: return 2;
    case GgufType::U32: case GgufType::I32: case GgufType::F32: return 4;
    case GgufType::U64: case GgufType::I64: case GgufType::F64: return 8;
    case GgufType::STRING: case GgufType::ARRAY: return 0;
  }
  return 0;
}

namespace {

bool known_type(uint32_t t) { return t <= static_cast<uint32_t>(GgufType::F64); }

// The smallest number of bytes one element of type t can occupy, for
// bounding a count against the bytes that remain before allocating.
uint64_t min_element_bytes(GgufType t) {
  if (t == GgufType::STRING) return 8;   // u64 length
  if (t == GgufType::ARRAY) return 12;   // u32 type + u64 count
  return gguf_value_bytes(t);
}

void read_scalar(Cursor& c, GgufValue& v) {
  switch (v.type) {
    case GgufType::U8: v.u = c.read<uint8_t>("u8 value"); v.i = static_cast<int64_t>(v.u); break;
    case GgufType::I8: v.i = c.read<int8_t>("i8 value"); break;
    case GgufType::U16: v.u = c.read<uint16_t>("u16 value"); v.i = static_cast<int64_t>(v.u); break;
    case GgufType::I16: v.i = c.read<int16_t>("i16 value"); break;
    case GgufType::U32: v.u = c.read<uint32_t>("u32 value"); v.i = static_cast<int64_t>(v.u); break;
    case GgufType::I32: v.i = c.read<int32_t>("i32 value"); break;
    case GgufType::U64: v.u = c.read<uint64_t>("u64 value"); v.i = static_cast<int64_t>(v.u); break;
    case GgufType::I64: v.i = c.read<int64_t>("i64 value"); break;
    case GgufType::F32: v.f = c.read<float>("f32 value"); break;
    case GgufType::F64: v.f = c.read<double>("f64 value"); break;
    case GgufType::BOOL: {
      const uint64_t at = c.pos();
      const uint8_t b = c.read<uint8_t>("bool value");
      if (b > 1) c.fail(at, "bool value " + std::to_string(b) + " is neither 0 nor 1");
      v.u = b;
      v.i = b;
      break;
    }
    case GgufType::STRING: v.str = c.read_string("string value"); break;
    case GgufType::ARRAY: break;  // handled by read_value
  }
  if (v.type != GgufType::U64 && v.type != GgufType::F32 && v.type != GgufType::F64 && v.i >= 0) {
    v.u = static_cast<uint64_t>(v.i);
  }
}

void read_value(Cursor& c, GgufValue& v, int depth) {
  v.offset = c.pos();
  if (v.type != GgufType::ARRAY) {
    read_scalar(c, v);
    return;
  }
  if (depth >= kMaxArrayNesting) c.fail(v.offset, "arrays nested deeper than 4 levels");
  const uint64_t type_at = c.pos();
  const uint32_t elem_type = c.read<uint32_t>("array element type");
  if (!known_type(elem_type)) c.fail(type_at, "unknown array element type " + std::to_string(elem_type));
  v.elem_type = static_cast<GgufType>(elem_type);
  const uint64_t count_at = c.pos();
  v.count = c.read<uint64_t>("array count");
  const uint64_t min_bytes = min_element_bytes(v.elem_type);
  if (v.count > c.remaining() / min_bytes) {
    c.fail(count_at, "array count " + std::to_string(v.count) + " cannot fit in the " +
                         std::to_string(c.remaining()) + " bytes that remain");
  }
  if (v.elem_type == GgufType::STRING) {
    v.strings.reserve(v.count);
    for (uint64_t k = 0; k < v.count; ++k) v.strings.push_back(c.read_string("array string"));
  } else if (v.elem_type == GgufType::ARRAY) {
    v.arrays.resize(v.count);
    for (auto& inner : v.arrays) {
      inner.type = GgufType::ARRAY;
      read_value(c, inner, depth + 1);
    }
  } else {
    v.raw = c.here();
    if (v.elem_type == GgufType::BOOL) {
      for (uint64_t k = 0; k < v.count; ++k) {
        if (static_cast<uint8_t>(v.raw[k]) > 1) c.fail(c.pos() + k, "bool array element is neither 0 nor 1");
      }
    }
    c.skip(v.count * min_bytes, "array elements");
  }
}

// ggml types reach-run has no row for (formats/tensor_type.h): named in
// the error, so a user learns which type their file uses.
struct OtherGgmlType {
  uint32_t id;
  const char* name;
};

constexpr OtherGgmlType kOtherGgmlTypes[] = {
    {3, "Q4_1"},    {6, "Q5_0"},     {7, "Q5_1"},    {9, "Q8_1"},    {10, "Q2_K"},   {11, "Q3_K"},
    {12, "Q4_K"},   {13, "Q5_K"},    {14, "Q6_K"},   {15, "Q8_K"},   {16, "IQ2_XXS"}, {17, "IQ2_XS"},
    {18, "IQ3_XXS"}, {19, "IQ1_S"},  {20, "IQ4_NL"}, {21, "IQ3_S"},  {22, "IQ2_S"},  {23, "IQ4_XS"},
    {24, "I8"},     {25, "I16"},     {26, "I32"},    {27, "I64"},    {28, "F64"},    {29, "IQ1_M"},
    {34, "TQ1_0"},  {35, "TQ2_0"},   {39, "MXFP4"},
};

const char* other_ggml_type(uint32_t id) {
  for (const auto& t : kOtherGgmlTypes)
    if (t.id == id) return t.name;
  return nullptr;
}

const char* gguf_type_name(GgufType t) {
  static const char* const names[] = {"u8", "i8", "u16", "i16", "u32", "i32", "f32",
                                      "bool", "string", "array", "u64", "i64", "f64"};
  const auto i = static_cast<uint32_t>(t);
  return i < std::size(names) ? names[i] : "?";
}

// Where one tensor's data lies, relative to the data section, kept until
// the data section's start is known (after the last tensor info).
struct TensorInfo {
  uint64_t offset_at;  // the offset field, where problems with the data are reported
  uint64_t offset, nbytes;
  size_t index;
};

struct Counts {
  uint64_t n_tensors, n_kv;
};

// A tensor's dims as the file stores them, innermost first.
struct Dims {
  uint32_t n;
  uint64_t ne[kMaxDims];
  uint64_t numel;
};

// Magic, version and the two counts that size everything after them.
Counts read_preamble(Cursor& c, std::span<const std::byte> bytes, GgufFile& out) {
  c.need(4, "magic");
  if (std::memcmp(c.here(), "GGUF", 4) != 0) c.fail(0, "bad magic: not a GGUF file");
  c.skip(4, "magic");
  out.version = c.read<uint32_t>("version");
  if (out.version != 2 && out.version != 3) {
    const bool swapped = __builtin_bswap32(out.version) == 2 || __builtin_bswap32(out.version) == 3;
    c.fail(4, "unsupported GGUF version " + std::to_string(out.version) +
                  (swapped ? " (a big-endian file; only little-endian is supported)" : " (supported: 2, 3)"));
  }
  const uint64_t n_tensors_at = c.pos();
  const uint64_t n_tensors = c.read<uint64_t>("tensor count");
  const uint64_t n_kv_at = c.pos();
  const uint64_t n_kv = c.read<uint64_t>("metadata count");
  // Each tensor info takes at least 32 bytes (name length, n_dims, one dim,
  // type, offset) and each key/value at least 13; counts that cannot fit
  // in the file are lies, refused before anything is sized by them.
  if (n_tensors > c.remaining() / 32) {
    c.fail(n_tensors_at, "tensor count " + std::to_string(n_tensors) + " cannot fit in a file of " +
                             std::to_string(bytes.size()) + " bytes");
  }
  if (n_kv > c.remaining() / 13) {
    c.fail(n_kv_at, "metadata count " + std::to_string(n_kv) + " cannot fit in a file of " +
                        std::to_string(bytes.size()) + " bytes");
  }
  return {n_tensors, n_kv};
}

void read_metadata(Cursor& c, uint64_t n_kv, GgufFile& out) {
  for (uint64_t k = 0; k < n_kv; ++k) {
    const uint64_t key_at = c.pos();
    std::string key = c.read_string("metadata key");
    const uint64_t type_at = c.pos();
    const uint32_t type = c.read<uint32_t>("metadata value type");
    if (!known_type(type)) c.fail(type_at, "key '" + key + "': unknown value type " + std::to_string(type));
    GgufValue value;
    value.type = static_cast<GgufType>(type);
    read_value(c, value, 0);
    if (out.metadata.contains(key)) c.fail(key_at, "metadata key '" + key + "' appears twice");
    out.metadata.emplace(std::move(key), std::move(value));
  }
}

// general.alignment, when given, replaces the default 32 that tensor
// offsets and the data section start are aligned to.
void read_alignment(const Cursor& c, GgufFile& out) {
  if (const GgufValue* a = out.find("general.alignment")) {
    if (!a->is_integer() || a->i <= 0 || !is_power_of_two(static_cast<uint64_t>(a->i)) || a->i > (1 << 30)) {
      c.fail(a->offset, "general.alignment must be a power of two integer (up to 2^30), got " +
                            (a->is_integer() ? std::to_string(a->i) : std::string(gguf_type_name(a->type))));
    }
    // Below 32, tensors could start at addresses their kernels' loads (and
    // the C++ types read through them) must not see: refused, not copied.
    if (a->i < 32)
      c.fail(a->offset, "general.alignment " + std::to_string(a->i) +
                            " is below 32: tensor data would be read at unaligned addresses");
    out.alignment = static_cast<uint64_t>(a->i);
  }
}

Dims read_dims(Cursor& c, const std::string& what) {
  Dims dims{};
  const uint64_t dims_at = c.pos();
  dims.n = c.read<uint32_t>("tensor n_dims");
  if (dims.n == 0 || dims.n > kMaxDims) {
    c.fail(dims_at, what + ": n_dims " + std::to_string(dims.n) + " is outside 1..4");
  }
  dims.numel = 1;
  for (uint32_t d = 0; d < dims.n; ++d) {
    const uint64_t dim_at = c.pos();
    dims.ne[d] = c.read<uint64_t>("tensor dim");
    if (dims.ne[d] == 0) c.fail(dim_at, what + ": dim " + std::to_string(d) + " is zero");
    if (!checked_mul(dims.numel, dims.ne[d], &dims.numel) || dims.numel > static_cast<uint64_t>(INT64_MAX)) {
      c.fail(dim_at, what + ": element count overflows");
    }
  }
  return dims;
}

// Tells a ggml type reach-run cannot load apart from one that does not
// exist, so the message says which.
const TypeTraits& read_ggml_type(Cursor& c, const std::string& what) {
  const uint64_t type_at = c.pos();
  const uint32_t type = c.read<uint32_t>("tensor type");
  const TypeTraits* tinfo = type_by_ggml_id(type);
  if (tinfo == nullptr) {
    const char* other = other_ggml_type(type);
    if (other == nullptr) c.fail(type_at, what + ": unknown ggml type " + std::to_string(type));
    c.fail(type_at, what + ": unsupported ggml type " + std::string(other) + " (supported: " +
                        type_names([](const TypeTraits&) { return true; }) + ")");
  }
  return *tinfo;
}

// One tensor info: name, dims, type, offset. `info` gets where its data
// lies; the view gets everything but the data pointer.
TensorView read_tensor_info(Cursor& c, uint64_t alignment, std::set<std::string, std::less<>>& names,
                            TensorInfo& info) {
  const uint64_t info_at = c.pos();
  TensorView view;
  view.name = c.read_string("tensor name");
  const std::string what = "tensor '" + view.name + "'";
  if (!names.insert(view.name).second) c.fail(info_at, what + " appears twice");
  const uint64_t dims_at = c.pos();
  const Dims dims = read_dims(c, what);
  const TypeTraits& dinfo = read_ggml_type(c, what);
  view.dtype = dinfo.type;
  if (dims.ne[0] % static_cast<uint64_t>(dinfo.block_elems) != 0) {
    c.fail(dims_at, what + ": row length " + std::to_string(dims.ne[0]) + " is not a multiple of the " +
                        std::string(dinfo.name) + " block size " + std::to_string(dinfo.block_elems));
  }
  info.nbytes = dims.numel / static_cast<uint64_t>(dinfo.block_elems) * static_cast<uint64_t>(dinfo.block_bytes);
  info.offset_at = c.pos();
  info.offset = c.read<uint64_t>("tensor offset");
  if (info.offset % alignment != 0) {
    c.fail(info.offset_at, what + ": data offset " + std::to_string(info.offset) + " is not aligned to " +
                          std::to_string(alignment) + " bytes");
  }
  for (uint32_t d = dims.n; d-- > 0;) view.shape.push_back(static_cast<int64_t>(dims.ne[d]));  // outermost first
  view.nbytes = static_cast<size_t>(info.nbytes);
  return view;
}

// Finds the data section, which starts at the next multiple of the
// alignment after the infos, and points each view into it.
void place_tensor_data(const Cursor& c, std::span<const std::byte> bytes, const std::vector<TensorInfo>& infos,
                       GgufFile& out) {
  if (!checked_align_up(c.pos(), out.alignment, &out.data_offset)) c.fail(c.pos(), "data offset overflows");
  if (!infos.empty() && out.data_offset > bytes.size()) {
    c.fail(c.pos(), "data section (aligned to " + std::to_string(out.data_offset) + ") starts past end of file");
  }
  const uint64_t data_size = !infos.empty() ? bytes.size() - out.data_offset : 0;
  for (const TensorInfo& info : infos) {
    TensorView& view = out.tensors[info.index];
    uint64_t end;
    if (!checked_add(info.offset, info.nbytes, &end) || end > data_size) {
      c.fail(info.offset_at, "tensor '" + view.name + "': data [" + std::to_string(info.offset) + ", +" +
                               std::to_string(info.nbytes) + ") runs past end of file (data section is " +
                               std::to_string(data_size) + " bytes from offset " + std::to_string(out.data_offset) + ")");
    }
    view.data = bytes.data() + out.data_offset + info.offset;
  }
}

void check_no_overlap(const Cursor& c, std::vector<TensorInfo> infos, const GgufFile& out) {
  std::sort(infos.begin(), infos.end(), [](const TensorInfo& a, const TensorInfo& b) { return a.offset < b.offset; });
  for (size_t k = 1; k < infos.size(); ++k) {
    if (infos[k].offset < infos[k - 1].offset + infos[k - 1].nbytes) {
      c.fail(infos[k].offset_at, "tensor '" + out.tensors[infos[k].index].name + "' overlaps tensor '" +
                                     out.tensors[infos[k - 1].index].name + "'");
    }
  }
}

}  // namespace

bool GgufValue::is_integer() const {
  switch (type) {
    case GgufType::U8: case GgufType::I8: case GgufType::U16: case GgufType::I16:
    case GgufType::U32: case GgufType::I32: case GgufType::U64: case GgufType::I64: return true;
    default: return false;
  }
}

GgufFile parse_gguf(std::span<const std::byte> bytes, const std::string& file_name) {
  GgufFile out;
  out.file_name = file_name;
  Cursor c(bytes, out.file_name);
  const Counts counts = read_preamble(c, bytes, out);
  read_metadata(c, counts.n_kv, out);
  read_alignment(c, out);

  std::vector<TensorInfo> infos;
  infos.reserve(counts.n_tensors);
  out.tensors.reserve(counts.n_tensors);
  std::set<std::string, std::less<>> names;
  for (uint64_t t = 0; t < counts.n_tensors; ++t) {
    TensorInfo info{0, 0, 0, out.tensors.size()};
    out.tensors.push_back(read_tensor_info(c, out.alignment, names, info));
    infos.push_back(info);
  }
  place_tensor_data(c, bytes, infos, out);
  check_no_overlap(c, std::move(infos), out);
  return out;
}

// ---- typed metadata getters ----

const GgufValue* GgufFile::find(std::string_view key) const {
  const auto it = metadata.find(key);
  return it == metadata.end() ? nullptr : &it->second;
}

namespace {

const GgufValue& require(const GgufFile& f, std::string_view key) {
  const GgufValue* v = f.find(key);
  if (v == nullptr) throw FormatError(f.file_name, "missing metadata key '" + std::string(key) + "'");
  return *v;
}

[[noreturn]] void wrong_type(const GgufFile& f, std::string_view key, const GgufValue& v, const char* wanted) {
  throw FormatError(f.file_name, v.offset,
                    "metadata key '" + std::string(key) + "' is " + gguf_type_name(v.type) +
                        (v.type == GgufType::ARRAY ? std::string(" of ") + gguf_type_name(v.elem_type) : "") +
                        ", expected " + wanted);
}

template <typename T>
T load_le(const std::byte* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

}  // namespace

int64_t GgufFile::get_int(std::string_view key) const {
  const GgufValue& v = require(*this, key);
  if (!v.is_integer()) wrong_type(*this, key, v, "an integer");
  if (v.type == GgufType::U64 && v.u > static_cast<uint64_t>(INT64_MAX)) wrong_type(*this, key, v, "an integer below 2^63");
  return v.i;
}
double GgufFile::get_float(std::string_view key) const {
  const GgufValue& v = require(*this, key);
  if (v.type == GgufType::F32 || v.type == GgufType::F64) return v.f;
  if (v.is_integer()) return static_cast<double>(v.i);
  wrong_type(*this, key, v, "a number");
}
double GgufFile::get_float(std::string_view key, double fallback) const {
  return has(key) ? get_float(key) : fallback;
}
bool GgufFile::get_bool(std::string_view key, bool fallback) const {
  const GgufValue* v = find(key);
  if (v == nullptr) return fallback;
  if (v->type != GgufType::BOOL) wrong_type(*this, key, *v, "a bool");
  return v->u != 0;
}
std::string GgufFile::get_string(std::string_view key) const {
  const GgufValue& v = require(*this, key);
  if (v.type != GgufType::STRING) wrong_type(*this, key, v, "a string");
  return v.str;
}
std::string GgufFile::get_string(std::string_view key, const std::string& fallback) const {
  return has(key) ? get_string(key) : fallback;
}
std::vector<std::string> GgufFile::get_string_array(std::string_view key) const {
  const GgufValue& v = require(*this, key);
  if (v.type != GgufType::ARRAY || v.elem_type != GgufType::STRING) wrong_type(*this, key, v, "an array of strings");
  return v.strings;
}
std::vector<float> GgufFile::get_float_array(std::string_view key) const {
  const GgufValue& v = require(*this, key);
  if (v.type != GgufType::ARRAY || (v.elem_type != GgufType::F32 && v.elem_type != GgufType::F64)) {
    wrong_type(*this, key, v, "an array of floats");
  }
  std::vector<float> out(v.count);
  for (uint64_t k = 0; k < v.count; ++k) {
    out[k] = v.elem_type == GgufType::F32 ? load_le<float>(v.raw + 4 * k)
                                          : static_cast<float>(load_le<double>(v.raw + 8 * k));
  }
  return out;
}
std::vector<int32_t> GgufFile::get_int32_array(std::string_view key) const {
  const GgufValue& v = require(*this, key);
  if (v.type != GgufType::ARRAY || (v.elem_type != GgufType::I32 && v.elem_type != GgufType::U32 &&
                                    v.elem_type != GgufType::I8 && v.elem_type != GgufType::U8)) {
    wrong_type(*this, key, v, "an array of 32-bit integers");
  }
  std::vector<int32_t> out(v.count);
  for (uint64_t k = 0; k < v.count; ++k) {
    switch (v.elem_type) {
      case GgufType::I32: out[k] = load_le<int32_t>(v.raw + 4 * k); break;
      case GgufType::U32: {
        const uint32_t x = load_le<uint32_t>(v.raw + 4 * k);
        if (x > static_cast<uint32_t>(INT32_MAX)) wrong_type(*this, key, v, "32-bit integers below 2^31");
        out[k] = static_cast<int32_t>(x);
        break;
      }
      case GgufType::I8: out[k] = load_le<int8_t>(v.raw + k); break;
      default: out[k] = load_le<uint8_t>(v.raw + k); break;
    }
  }
  return out;
}

}  // namespace reach::run
