// The GGUF reader: a file from the writer, then one hand-made malformed file
// per validation rule, each refused with file, offset and rule.
#include <gtest/gtest.h>

#include <cstring>

#include "format_error_matchers.h"
#include "formats/byte_sink.h"
#include "formats/gguf.h"
#include "formats/gguf_writer.h"
#include "gguf_writer.h"

namespace reach::run {
namespace {

using testing::expect_format_error;

// Byte-by-byte GGUF construction; `at()` is where the next field will go,
// which is the offset a refusal must name.
struct RawGguf {
  std::vector<std::byte> b;
  uint64_t last_offset_field = 0;  // where info() wrote the tensor's data offset
  uint64_t at() const { return b.size(); }
  RawGguf& header(uint64_t n_tensors, uint64_t n_kv, uint32_t version = 3) {
    run::append_bytes(b, "GGUF", 4);
    append_le<uint32_t>(b, version);
    append_le<uint64_t>(b, n_tensors);
    append_le<uint64_t>(b, n_kv);
    return *this;
  }
  RawGguf& key(const std::string& k, GgufType t) {
    append_gguf_string(b, k);
    append_le<uint32_t>(b, static_cast<uint32_t>(t));
    return *this;
  }
  template <typename T>
  RawGguf& val(T v) {
    append_le<T>(b, v);
    return *this;
  }
  RawGguf& info(const std::string& name, std::vector<uint64_t> ne_inner_first, uint32_t type, uint64_t offset) {
    append_gguf_string(b, name);
    append_le<uint32_t>(b, static_cast<uint32_t>(ne_inner_first.size()));
    for (uint64_t d : ne_inner_first) append_le<uint64_t>(b, d);
    append_le<uint32_t>(b, type);
    last_offset_field = at();
    append_le<uint64_t>(b, offset);
    return *this;
  }
  RawGguf& pad(size_t align = 32) {
    b.resize((b.size() + align - 1) / align * align);
    return *this;
  }
  RawGguf& data(size_t n) {
    b.resize(b.size() + n);
    return *this;
  }
};

void expect_rejected(const RawGguf& g, int64_t offset, const std::string& rule) {
  expect_format_error([&] { parse_gguf(g.b, "bad.gguf"); }, "bad.gguf", offset, rule);
}

TEST(Gguf, ReadsMetadataAndTensorsFromTheWriter) {
  test::GgufWriter w;
  w.add_string("general.architecture", "llama");
  w.add_u32("llama.block_count", 3);
  w.add_f32("llama.rope.freq_base", 500000.0f);
  w.add_bool("tokenizer.ggml.add_bos_token", true);
  w.add_string_array("tokenizer.ggml.tokens", {"a", "b", "c"});
  w.add_f32_array("tokenizer.ggml.scores", {0.5f, -1.0f, 2.0f});
  w.add_i32_array("tokenizer.ggml.token_type", {1, 3, 6});
  std::vector<std::byte> m(2 * 3 * 4);
  for (size_t i = 0; i < m.size(); ++i) m[i] = std::byte(i);
  w.add_tensor("m", DType::F32, {2, 3}, m);
  w.add_tensor("q", DType::Q8_0, {2, 64}, std::vector<std::byte>(2 * 2 * 34));
  const auto bytes = w.bytes();
  const GgufFile f = parse_gguf(bytes, "ok.gguf");
  EXPECT_EQ(f.version, 3u);
  EXPECT_EQ(f.get_string("general.architecture"), "llama");
  EXPECT_EQ(f.get_int("llama.block_count"), 3);
  EXPECT_EQ(f.get_float("llama.rope.freq_base"), 500000.0);
  EXPECT_TRUE(f.get_bool("tokenizer.ggml.add_bos_token", false));
  EXPECT_EQ(f.get_string_array("tokenizer.ggml.tokens"), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(f.get_float_array("tokenizer.ggml.scores"), (std::vector<float>{0.5f, -1.0f, 2.0f}));
  EXPECT_EQ(f.get_int32_array("tokenizer.ggml.token_type"), (std::vector<int32_t>{1, 3, 6}));
  ASSERT_EQ(f.tensors.size(), 2u);
  EXPECT_EQ(f.tensors[0].shape, (std::vector<int64_t>{2, 3}));  // outermost first
  EXPECT_EQ(std::memcmp(f.tensors[0].data, m.data(), m.size()), 0);
  EXPECT_EQ(f.tensors[1].dtype, DType::Q8_0);
  EXPECT_EQ(f.tensors[1].nbytes, 2u * 2 * 34);
  EXPECT_EQ(f.tensors[1].row_bytes(), 2u * 34);
  EXPECT_EQ((f.tensors[1].data - bytes.data()) % 32, 0);
}

TEST(Gguf, WrongTypeForAKeyNamesTheKey) {
  test::GgufWriter w;
  w.add_string("llama.block_count", "three");
  const auto bytes = w.bytes();
  const GgufFile f = parse_gguf(bytes, "k.gguf");
  const int64_t value_at = 24 + 8 + 17 + 4;  // header, key length, key, type
  expect_format_error([&] { f.get_int("llama.block_count"); }, "k.gguf", value_at,
                      "metadata key 'llama.block_count' is string, expected an integer");
  expect_format_error([&] { f.get_int("llama.missing"); }, "k.gguf", -1, "missing metadata key 'llama.missing'");
}

TEST(Gguf, ReadsVersion2) {
  RawGguf g;
  g.header(0, 1, 2).key("a", GgufType::U8).val<uint8_t>(7);
  EXPECT_EQ(parse_gguf(g.b, "v2.gguf").get_int("a"), 7);
}

TEST(Gguf, NestedArraysAreRead) {
  RawGguf g;
  g.header(0, 1).key("nested", GgufType::ARRAY).val<uint32_t>(9).val<uint64_t>(2);
  g.val<uint32_t>(4).val<uint64_t>(1).val<uint32_t>(5);                  // [5]
  g.val<uint32_t>(8).val<uint64_t>(1).val<uint64_t>(2).val<char>('h').val<char>('i');  // ["hi"]
  const GgufFile f = parse_gguf(g.b, "n.gguf");
  const GgufValue* v = f.find("nested");
  ASSERT_NE(v, nullptr);
  ASSERT_EQ(v->arrays.size(), 2u);
  EXPECT_EQ(v->arrays[1].strings, (std::vector<std::string>{"hi"}));
}

// Copying a file's metadata (reach-run quantize from a GGUF): every value
// type, arrays of fixed-size values, of strings and of arrays, re-encoded
// to the very bytes it was read from (keys in order, as the map holds them).
TEST(Gguf, EveryValueIsCopiedToTheBytesItWasReadFrom) {
  RawGguf g;
  g.header(0, 16);
  g.key("a.u8", GgufType::U8).val<uint8_t>(200);
  g.key("b.i8", GgufType::I8).val<int8_t>(-100);
  g.key("c.u16", GgufType::U16).val<uint16_t>(60000);
  g.key("d.i16", GgufType::I16).val<int16_t>(-30000);
  g.key("e.u32", GgufType::U32).val<uint32_t>(4000000000u);
  g.key("f.i32", GgufType::I32).val<int32_t>(-2000000000);
  g.key("g.u64", GgufType::U64).val<uint64_t>(18000000000000000000ull);
  g.key("h.i64", GgufType::I64).val<int64_t>(-9000000000000000000ll);
  g.key("i.f32", GgufType::F32).val<float>(0.1f);
  g.key("j.f64", GgufType::F64).val<double>(-0.3);
  g.key("k.bool", GgufType::BOOL).val<uint8_t>(1);
  g.key("l.string", GgufType::STRING);
  append_gguf_string(g.b, "naïve text");
  g.key("m.i16s", GgufType::ARRAY).val<uint32_t>(static_cast<uint32_t>(GgufType::I16)).val<uint64_t>(3);
  g.val<int16_t>(-1).val<int16_t>(2).val<int16_t>(-3);
  g.key("n.strings", GgufType::ARRAY).val<uint32_t>(static_cast<uint32_t>(GgufType::STRING)).val<uint64_t>(2);
  append_gguf_string(g.b, "x");
  append_gguf_string(g.b, "");
  g.key("o.arrays", GgufType::ARRAY).val<uint32_t>(static_cast<uint32_t>(GgufType::ARRAY)).val<uint64_t>(2);
  g.val<uint32_t>(static_cast<uint32_t>(GgufType::F64)).val<uint64_t>(1).val<double>(2.5);
  g.val<uint32_t>(static_cast<uint32_t>(GgufType::STRING)).val<uint64_t>(1);
  append_gguf_string(g.b, "inner");
  g.key("p.bools", GgufType::ARRAY).val<uint32_t>(static_cast<uint32_t>(GgufType::BOOL)).val<uint64_t>(2);
  g.val<uint8_t>(0).val<uint8_t>(1);
  const std::vector<std::byte> kv(g.b.begin() + 24, g.b.end());  // after magic, version and the two counts
  g.pad();
  const GgufFile file = parse_gguf(g.b, "all-types.gguf");
  ASSERT_EQ(file.metadata.size(), 16u);
  GgufMetadata copy;
  for (const auto& [key, value] : file.metadata) copy.add_value(key, value);
  EXPECT_EQ(copy.count(), 16u);
  EXPECT_TRUE(copy.encoded() == kv);
}

TEST(Gguf, BadMagic) {
  RawGguf g;
  g.header(0, 0);
  g.b[0] = std::byte('X');
  expect_rejected(g, 0, "bad magic");
}

TEST(Gguf, UnsupportedVersion) {
  RawGguf g;
  g.header(0, 0, 1);
  expect_rejected(g, 4, "unsupported GGUF version 1");
}

TEST(Gguf, BigEndianFileIsNamedAsSuch) {
  RawGguf g;
  g.header(0, 0, 0x03000000);
  expect_rejected(g, 4, "big-endian");
}

TEST(Gguf, TruncatedHeader) {
  RawGguf g;
  g.header(0, 0);
  g.b.resize(12);
  expect_rejected(g, 8, "truncated: tensor count needs 8 bytes, 4 remain");
}

TEST(Gguf, AbsurdTensorCountIsRefusedBeforeAllocating) {
  RawGguf g;
  g.header(uint64_t{1} << 60, 0);
  expect_rejected(g, 8, "tensor count 1152921504606846976 cannot fit");
}

TEST(Gguf, AbsurdMetadataCountIsRefusedBeforeAllocating) {
  RawGguf g;
  g.header(0, uint64_t{1} << 50);
  expect_rejected(g, 16, "metadata count 1125899906842624 cannot fit");
}

TEST(Gguf, StringLengthPastEndOfFile) {
  RawGguf g;
  g.header(0, 1).val<uint64_t>(uint64_t{1} << 40).data(16);  // key length: a terabyte
  expect_rejected(g, 24, "metadata key length 1099511627776 runs past end of file");
}

TEST(Gguf, StringValueLengthPastEndOfFile) {
  RawGguf g;
  g.header(0, 1).key("s", GgufType::STRING);
  const uint64_t at = g.at();
  g.val<uint64_t>(100).val<char>('x');
  expect_rejected(g, static_cast<int64_t>(at), "string value length 100 runs past end of file");
}

TEST(Gguf, AbsurdArrayCountIsRefusedBeforeAllocating) {
  RawGguf g;
  g.header(0, 1).key("a", GgufType::ARRAY).val<uint32_t>(static_cast<uint32_t>(GgufType::STRING));
  const uint64_t at = g.at();
  g.val<uint64_t>(uint64_t{1} << 45);
  expect_rejected(g, static_cast<int64_t>(at), "array count 35184372088832 cannot fit");
}

TEST(Gguf, UnknownValueType) {
  RawGguf g;
  g.header(0, 1);
  append_gguf_string(g.b, "k");
  const uint64_t at = g.at();
  g.val<uint32_t>(13);
  expect_rejected(g, static_cast<int64_t>(at), "key 'k': unknown value type 13");
}

TEST(Gguf, ArraysNestedTooDeep) {
  RawGguf g;
  g.header(0, 1).key("deep", GgufType::ARRAY);
  for (int i = 0; i < 6; ++i) g.val<uint32_t>(9).val<uint64_t>(1);
  g.data(64);
  expect_rejected(g, -1, "arrays nested deeper than 4 levels");
}

TEST(Gguf, BoolMustBeZeroOrOne) {
  RawGguf g;
  g.header(0, 1).key("b", GgufType::BOOL);
  const uint64_t at = g.at();
  g.val<uint8_t>(2);
  expect_rejected(g, static_cast<int64_t>(at), "bool value 2 is neither 0 nor 1");
}

TEST(Gguf, DuplicateKey) {
  RawGguf g;
  g.header(0, 2).key("k", GgufType::U8).val<uint8_t>(1);
  const uint64_t at = g.at();
  g.key("k", GgufType::U8).val<uint8_t>(2);
  expect_rejected(g, static_cast<int64_t>(at), "metadata key 'k' appears twice");
}

TEST(Gguf, AlignmentMustBeAPowerOfTwo) {
  for (uint32_t bad : {0u, 48u}) {
    RawGguf g;
    g.header(0, 1).key("general.alignment", GgufType::U32);
    const uint64_t at = g.at();
    g.val<uint32_t>(bad);
    expect_rejected(g, static_cast<int64_t>(at), "general.alignment must be a power of two");
  }
}

// Tensor data at odd addresses would be read through misaligned pointers
// (undefined behaviour): alignment 1 to 16 is refused, 32 and up accepted.
TEST(Gguf, AlignmentBelow32IsRefused) {
  for (uint32_t bad : {1u, 2u, 16u}) {
    RawGguf g;
    g.header(0, 1).key("general.alignment", GgufType::U32);
    const uint64_t at = g.at();
    g.val<uint32_t>(bad);
    expect_rejected(g, static_cast<int64_t>(at), "general.alignment " + std::to_string(bad) + " is below 32");
  }
}

TEST(Gguf, TooManyDims) {
  RawGguf g;
  g.header(1, 0);
  append_gguf_string(g.b, "t");
  const uint64_t at = g.at();
  g.val<uint32_t>(5);
  for (int i = 0; i < 5; ++i) g.val<uint64_t>(1);
  g.val<uint32_t>(0).val<uint64_t>(0).pad().data(32);
  expect_rejected(g, static_cast<int64_t>(at), "tensor 't': n_dims 5 is outside 1..4");
}

TEST(Gguf, ZeroDim) {
  RawGguf g;
  g.header(1, 0);
  append_gguf_string(g.b, "t");
  g.val<uint32_t>(2).val<uint64_t>(4);
  const uint64_t at = g.at();
  g.val<uint64_t>(0).val<uint32_t>(0).val<uint64_t>(0).pad().data(32);
  expect_rejected(g, static_cast<int64_t>(at), "tensor 't': dim 1 is zero");
}

TEST(Gguf, OverflowingElementCount) {
  RawGguf g;
  g.header(1, 0);
  append_gguf_string(g.b, "t");
  g.val<uint32_t>(2).val<uint64_t>(uint64_t{1} << 32);
  const uint64_t at = g.at();
  g.val<uint64_t>(uint64_t{1} << 32).val<uint32_t>(0).val<uint64_t>(0).pad().data(32);
  expect_rejected(g, static_cast<int64_t>(at), "tensor 't': element count overflows");
}

TEST(Gguf, UnknownGgmlType) {
  RawGguf g;
  g.header(1, 0);
  append_gguf_string(g.b, "t");
  g.val<uint32_t>(1).val<uint64_t>(8);
  const uint64_t at = g.at();
  g.val<uint32_t>(99).val<uint64_t>(0).pad().data(32);
  expect_rejected(g, static_cast<int64_t>(at), "tensor 't': unknown ggml type 99");
}

TEST(Gguf, KnownButUnsupportedGgmlType) {
  RawGguf g;
  g.header(1, 0);
  append_gguf_string(g.b, "t");
  g.val<uint32_t>(1).val<uint64_t>(256);
  const uint64_t at = g.at();
  g.val<uint32_t>(16).val<uint64_t>(0).pad().data(256);
  expect_rejected(g, static_cast<int64_t>(at), "unsupported ggml type IQ2_XXS");
}

TEST(Gguf, QuantizedRowsMustFillWholeBlocks) {
  RawGguf g;
  g.header(1, 0);
  append_gguf_string(g.b, "t");
  const uint64_t at = g.at();
  g.val<uint32_t>(2).val<uint64_t>(33).val<uint64_t>(2).val<uint32_t>(8).val<uint64_t>(0).pad().data(128);
  expect_rejected(g, static_cast<int64_t>(at), "row length 33 is not a multiple of the Q8_0 block size 32");
}

TEST(Gguf, MisalignedTensorOffset) {
  RawGguf g;
  g.header(1, 0);
  append_gguf_string(g.b, "t");
  g.val<uint32_t>(1).val<uint64_t>(4).val<uint32_t>(0);
  const uint64_t at = g.at();
  g.val<uint64_t>(4).pad().data(64);
  expect_rejected(g, static_cast<int64_t>(at), "data offset 4 is not aligned to 32 bytes");
}

TEST(Gguf, TensorDataPastEndOfFile) {
  RawGguf g;
  g.header(1, 0).info("t", {1024}, 0, 0).pad().data(100);
  expect_rejected(g, static_cast<int64_t>(g.last_offset_field), "tensor 't': data [0, +4096) runs past end of file");
}

TEST(Gguf, TensorOffsetNearUint64MaxDoesNotWrap) {
  RawGguf g;
  g.header(1, 0).info("t", {8}, 0, UINT64_MAX - 31).pad().data(64);
  expect_rejected(g, static_cast<int64_t>(g.last_offset_field), "runs past end of file");
}

TEST(Gguf, OverlappingTensors) {
  RawGguf g;
  g.header(2, 0).info("a", {16}, 0, 0).info("b", {8}, 0, 32).pad().data(128);
  expect_rejected(g, static_cast<int64_t>(g.last_offset_field), "tensor 'b' overlaps tensor 'a'");
}

TEST(Gguf, DuplicateTensorName) {
  RawGguf g;
  g.header(2, 0).info("a", {8}, 0, 0);
  const uint64_t at = g.at();
  g.info("a", {8}, 0, 32).pad().data(64);
  expect_rejected(g, static_cast<int64_t>(at), "tensor 'a' appears twice");
}

}  // namespace
}  // namespace reach::run
