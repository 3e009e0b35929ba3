// The safetensors reader: a well-formed file, then one hand-made malformed
// file per validation rule, each refused with file, offset and rule.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <span>

#include "formats/byte_sink.h"
#include "format_error_matchers.h"
#include "formats/safetensors.h"
#include "safetensors_writer.h"

namespace reach::run {
namespace {

using testing::expect_format_error;

// 8-byte length + header text + data, exactly as given (no padding), so a
// test controls every byte.
std::vector<std::byte> raw_file(const std::string& header, size_t data_bytes, uint64_t claimed_len = UINT64_MAX) {
  std::vector<std::byte> out;
  out.reserve(8 + header.size() + data_bytes);  // one allocation (and no GCC 12 -Wstringop-overread false positive)
  run::append_le<uint64_t>(out, claimed_len == UINT64_MAX ? header.size() : claimed_len);
  run::append_bytes(out, header.data(), header.size());
  out.resize(out.size() + data_bytes, std::byte{0});
  return out;
}

void expect_rejected(const std::string& header, size_t data_bytes, int64_t offset, const std::string& rule) {
  const auto bytes = raw_file(header, data_bytes);
  expect_format_error([&] { parse_safetensors(bytes, "bad.safetensors"); }, "bad.safetensors", offset, rule);
}

// Pads a header with spaces so the data section starts 8-byte aligned.
std::string pad8(std::string h) {
  h.resize(h.size() + (8 - (8 + h.size()) % 8) % 8, ' ');
  return h;
}

// Offset of `"key"` in the file, which is where the reader points.
int64_t at_key(const std::string& header, const std::string& key) {
  return 8 + static_cast<int64_t>(header.find("\"" + key + "\""));
}

TEST(Safetensors, ReadsTensorsAndMetadataZeroCopy) {
  std::vector<std::byte> a(2 * 3 * 4), b(4 * 2);
  for (size_t i = 0; i < a.size(); ++i) a[i] = std::byte(i);
  const auto bytes = test::safetensors_bytes({{"a", "F32", {2, 3}, a}, {"b", "BF16", {4}, b}}, {{"format", "pt"}});
  const SafetensorsFile f = parse_safetensors(bytes, "ok.safetensors");
  ASSERT_EQ(f.tensors.size(), 2u);
  EXPECT_EQ(f.tensors[0].name, "a");
  EXPECT_EQ(f.tensors[0].dtype, DType::F32);
  EXPECT_EQ(f.tensors[0].shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(f.tensors[0].nbytes, 24u);
  EXPECT_EQ(std::memcmp(f.tensors[0].data, a.data(), a.size()), 0);
  EXPECT_GE(f.tensors[0].data, bytes.data());  // a view into the buffer, not a copy
  EXPECT_LT(f.tensors[0].data, bytes.data() + bytes.size());
  EXPECT_EQ(f.tensors[1].dtype, DType::BF16);
  EXPECT_EQ(f.tensors[1].shape, (std::vector<int64_t>{4}));
  EXPECT_EQ(f.metadata.at("format"), "pt");
}

TEST(Safetensors, EmptyShapeIsAScalar) {
  const std::string h = R"({"s":{"dtype":"F32","shape":[],"data_offsets":[0,4]}})";
  const std::string padded = h + std::string((8 - h.size() % 8) % 8, ' ');
  const auto bytes = raw_file(padded, 4);
  EXPECT_EQ(parse_safetensors(bytes, "s.safetensors").tensors.at(0).numel(), 1);
}

TEST(Safetensors, TruncatedBeforeHeaderLength) {
  const std::vector<std::byte> bytes(5);
  expect_format_error([&] { parse_safetensors(bytes, "t.safetensors"); }, "t.safetensors", 0, "truncated");
}

TEST(Safetensors, HeaderLengthPastEndOfFile) {
  const auto bytes = raw_file("{}", 0, 4096);
  expect_format_error([&] { parse_safetensors(bytes, "t.safetensors"); }, "t.safetensors", 0,
                      "header length 4096 runs past end of file");
}

TEST(Safetensors, AbsurdHeaderLengthIsRefusedBeforeReading) {
  const auto bytes = raw_file("{}", 0, uint64_t{1} << 60);
  expect_format_error([&] { parse_safetensors(bytes, "t.safetensors"); }, "t.safetensors", 0, "exceeds the 100 MiB limit");
}

TEST(Safetensors, HeaderIsNotJson) {
  expect_rejected(R"({"a": {"dtype": "F32",, }})", 0, 8 + 22, "header is not valid JSON");
}

// Found by safetensors_fuzzer: nlohmann reports a number beyond double's
// range as out_of_range, not parse_error; it escaped the reader and aborted.
TEST(Safetensors, NumberTooLargeForADoubleIsAFormatError) {
  expect_rejected(R"({"w": 1e400})", 0, 8, "header is not valid JSON");
}

TEST(Safetensors, HeaderIsNotAnObject) { expect_rejected("[1, 2]  ", 0, 8, "header must be a JSON object"); }

TEST(Safetensors, UnknownDtype) {
  const std::string h = R"({"w":{"dtype":"F17","shape":[2],"data_offsets":[0,4]}})";
  expect_rejected(h, 4, at_key(h, "w"), "tensor 'w': unknown dtype 'F17'");
}

TEST(Safetensors, KnownButUnsupportedDtype) {
  const std::string h = R"({"w":{"dtype":"I64","shape":[2],"data_offsets":[0,16]}})";
  expect_rejected(h, 16, at_key(h, "w"), "tensor 'w': unsupported dtype 'I64'");
}

TEST(Safetensors, OffsetsPastEndOfData) {
  const std::string h = R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})";
  expect_rejected(h, 8, 8 + static_cast<int64_t>(h.size()), "run past end of data section (8 bytes)");
}

TEST(Safetensors, BeginAfterEnd) {
  const std::string h = R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[8,4]}})";
  expect_rejected(h, 8, at_key(h, "w"), "data_offsets begin 8 > end 4");
}

TEST(Safetensors, DtypeTimesShapeDisagreesWithSpan) {
  const std::string h = R"({"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,12]}})";
  expect_rejected(h, 16, 8 + static_cast<int64_t>(h.size()), "needs 16 bytes but data_offsets span 12");
}

TEST(Safetensors, OverflowingShapeProduct) {
  const std::string h = R"({"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}})";
  expect_rejected(h, 4, at_key(h, "w"), "element count of shape overflows");
}

TEST(Safetensors, ByteSizeOverflowAfterElementCount) {
  // 2^62 elements fit in int64 but 2^62 * 4 bytes does not fit in 64 bits.
  const std::string h = R"({"w":{"dtype":"F32","shape":[4611686018427387904],"data_offsets":[0,4]}})";
  expect_rejected(h, 4, at_key(h, "w"), "byte size of shape overflows");
}

TEST(Safetensors, NegativeShapeEntry) {
  const std::string h = R"({"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})";
  expect_rejected(h, 4, at_key(h, "w"), "shape entries must be non-negative integers");
}

TEST(Safetensors, MissingDataOffsets) {
  const std::string h = R"({"w":{"dtype":"F32","shape":[1]}})";
  expect_rejected(h, 4, at_key(h, "w"), "'data_offsets' must be [begin, end]");
}

TEST(Safetensors, OverlappingTensors) {
  const std::string h = pad8(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},"b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}})");
  const int64_t data_start = 8 + static_cast<int64_t>(h.size());
  ASSERT_EQ(data_start % 4, 0);
  expect_rejected(h, 16, data_start + 8, "tensor 'b' overlaps tensor 'a'");
}

TEST(Safetensors, MisalignedTensorData) {
  const std::string h = pad8(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[2,6]}})");
  const int64_t data_start = 8 + static_cast<int64_t>(h.size());
  ASSERT_EQ(data_start % 4, 0);
  expect_rejected(h, 8, data_start + 2, "not aligned to its 4-byte elements");
}

TEST(Safetensors, SameTensorNameTwice) {
  const std::string h = R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})";
  expect_rejected(h, 8, at_key(h, "w"), "tensor 'w' is listed twice");
}

TEST(Safetensors, MetadataMustHoldStrings) {
  const std::string h = R"({"__metadata__":{"n":3}})";
  expect_rejected(h, 0, at_key(h, "__metadata__"), "__metadata__ value 'n' is not a string");
}

// ---- sharded checkpoints ----

void write_text(const std::filesystem::path& p, const std::string& s) { std::ofstream(p) << s; }

TEST(SafetensorsCheckpoint, ShardsAreJoinedByTheIndex) {
  const auto dir = testing::scratch_dir("shards_ok");
  std::vector<std::byte> four(16);
  test::write_safetensors(dir / "s1.safetensors", {{"a", "F32", {4}, four}});
  test::write_safetensors(dir / "s2.safetensors", {{"b", "F32", {4}, four}, {"unlisted", "F32", {4}, four}});
  write_text(dir / "model.safetensors.index.json", R"({"weight_map":{"a":"s1.safetensors","b":"s2.safetensors"}})");
  const auto ckpt = load_safetensors_checkpoint(dir);
  EXPECT_EQ(ckpt.files.size(), 2u);
  EXPECT_EQ(ckpt.tensors.size(), 2u);  // tensors the index does not list are not used
  EXPECT_TRUE(ckpt.tensors.contains("a"));
  EXPECT_TRUE(ckpt.tensors.contains("b"));
}

TEST(SafetensorsCheckpoint, ShardOutsideTheFolderIsRefused) {
  const auto dir = testing::scratch_dir("shards_escape");
  write_text(dir / "model.safetensors.index.json", R"({"weight_map":{"a":"../x.safetensors"}})");
  expect_format_error([&] { load_safetensors_checkpoint(dir); }, (dir / "model.safetensors.index.json").string(), -1,
                      "not a file name in the same folder");
}

TEST(SafetensorsCheckpoint, MissingShard) {
  const auto dir = testing::scratch_dir("shards_missing");
  write_text(dir / "model.safetensors.index.json", R"({"weight_map":{"a":"gone.safetensors"}})");
  expect_format_error([&] { load_safetensors_checkpoint(dir); }, (dir / "model.safetensors.index.json").string(), -1,
                      "lists shard 'gone.safetensors', which does not exist");
}

TEST(SafetensorsCheckpoint, IndexListsATensorTheShardLacks) {
  const auto dir = testing::scratch_dir("shards_lacks");
  test::write_safetensors(dir / "s1.safetensors", {{"a", "F32", {1}, std::vector<std::byte>(4)}});
  write_text(dir / "model.safetensors.index.json", R"({"weight_map":{"a":"s1.safetensors","b":"s1.safetensors"}})");
  expect_format_error([&] { load_safetensors_checkpoint(dir); }, (dir / "s1.safetensors").string(), -1,
                      "index lists tensor 'b' but the shard does not hold it");
}

TEST(SafetensorsCheckpoint, BadIndexJson) {
  const auto dir = testing::scratch_dir("shards_badjson");
  write_text(dir / "model.safetensors.index.json", R"({"weight_map": )");
  expect_format_error([&] { load_safetensors_checkpoint(dir); }, (dir / "model.safetensors.index.json").string(), -1,
                      "not valid JSON");
}

// The index on its own: what it maps, and each way it can be malformed.
std::span<const std::byte> text_bytes(const std::string& s) { return std::as_bytes(std::span(s)); }

TEST(ShardIndex, MapsTensorsToDistinctSortedShards) {
  const std::string text = R"({"metadata": {"total_size": 8},
    "weight_map": {"b": "s2.safetensors", "a": "s1.safetensors", "c": "s2.safetensors"}})";
  const ShardIndex index = parse_shard_index(text_bytes(text), "i.json");
  EXPECT_EQ(index.weight_map.size(), 3u);
  EXPECT_EQ(index.weight_map.at("c"), "s2.safetensors");
  EXPECT_EQ(index.shards, (std::vector<std::string>{"s1.safetensors", "s2.safetensors"}));
}

TEST(ShardIndex, RefusesEachMalformedIndex) {
  const struct {
    std::string text;
    int64_t offset;
    std::string rule;
  } cases[] = {
      {R"({"weight_map": {"a": "s.safetensors")", 36, "not valid JSON"},  // ends at byte 36
      {R"([1, 2])", -1, "missing object 'weight_map'"},
      {R"({"weights": {}})", -1, "missing object 'weight_map'"},
      {R"({"weight_map": ["s.safetensors"]})", -1, "missing object 'weight_map'"},
      {R"({"weight_map": {"a": 3}})", -1, "weight_map['a'] is not a string"},
      {R"({"weight_map": {"a": ""}})", -1, "not a file name in the same folder"},
      {R"({"weight_map": {"a": "."}})", -1, "not a file name in the same folder"},
      {R"({"weight_map": {"a": ".."}})", -1, "not a file name in the same folder"},
      {R"({"weight_map": {"a": "sub/s.safetensors"}})", -1, "not a file name in the same folder"},
      {R"({"weight_map": {"a": "/etc/passwd"}})", -1, "not a file name in the same folder"},
      {R"({"weight_map": {"a": 1e999}})", -1, "not valid JSON"},
  };
  for (const auto& c : cases)
    expect_format_error([&] { parse_shard_index(text_bytes(c.text), "i.json"); }, "i.json", c.offset, c.rule);
}

TEST(SafetensorsCheckpoint, NoCheckpointAtAll) {
  const auto dir = testing::scratch_dir("shards_none");
  expect_format_error([&] { load_safetensors_checkpoint(dir); }, dir.string(), -1,
                      "no model.safetensors or model.safetensors.index.json");
}

TEST(SafetensorsCheckpoint, TruncatedFileOnDiskNamesThePath) {
  const auto dir = testing::scratch_dir("shards_trunc");
  auto bytes = test::safetensors_bytes({{"a", "F32", {4}, std::vector<std::byte>(16)}});
  bytes.resize(bytes.size() - 3);
  std::ofstream(dir / "model.safetensors", std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  expect_format_error([&] { load_safetensors_checkpoint(dir); }, (dir / "model.safetensors").string(), -1,
                      "run past end of data section");
}

}  // namespace
}  // namespace reach::run
