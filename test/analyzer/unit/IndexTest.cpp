// The index's entries (#17): a summary comes back exactly as stored, only
// while every file it read hashes the same, and a damaged entry is never
// taken for a summary.
#include "index/SummaryCodec.h"
#include "index/SummaryIndex.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

using namespace reach;

namespace {

Loc loc(const std::string &File, unsigned N) { return {File, N, N + 1, N + 2}; }

/// A summary with every field of every record set, and no two alike.
TUSummary everyField() {
  TUSummary S;
  S.MainFile = "/p/a.cpp";
  Node N;
  N.Usr = "c:@F@f#";
  N.Name = "f";
  N.Signature = "(int, const char *) const";
  N.Kind = NodeKind::Conversion;
  N.Where = loc("a.cpp", 3);
  N.RangeBegin = loc("a.cpp", 1);
  N.RangeEnd = loc("a.h", 9);
  N.RangeInMacro = N.Project = N.Implicit = N.DynamicInit = N.VirtualMethod = N.Exported = N.InlineKeep = true;
  N.Macro = "M";
  N.ToolchainRoot = "used";
  N.InlineKeepReason = "plugin";
  N.Parent = "c:@S@C";
  N.Annotations = {"reach::export", "x"};
  S.Nodes = {N, Node{}};
  S.Nodes[1].Project = false;
  S.Edges = {{"c:@F@f#", "c:@F@g#", EdgeKind::Instance, loc("a.cpp", 5)}, {"a", "b", EdgeKind::Call, {}}};
  S.Registrations = {{"reg", "c:@F@f#", loc("a.cpp", 7)}};
  S.Classes = {{"c:@S@C", {"c:@S@B", "c:@S@A"}}};
  S.Overrides = {{"m1", "m0", true}};
  S.Redeclarations = {{"c:@F@f#", loc("a.h", 2), loc("a.h", 4), true}};
  S.FilesSeen = {"a.cpp", "a.h"};
  S.Inputs = {"/p/a.cpp", "/p/a.h", "/usr/include/stdio.h"};
  S.Includes = {{"a.cpp", 1, "a.h"}, {"a.cpp", 2, ""}};
  S.InactiveUses = {{"g", loc("a.cpp", 11), "#ifdef _WIN32"}};
  S.Failed = true;
  S.FirstError = "a.cpp:1:1: error: x";
  S.Errors = {{"a.cpp:1:1: error: x", {"x", "y"}}};
  S.HeaderErrors = 3;
  S.FirstHeaderError = "/usr/include/h.h:1:1: error: y";
  return S;
}

TEST(SummaryCodec, EveryFieldComesBackAsItWasWritten) {
  TUSummary S = everyField(), Back;
  ASSERT_TRUE(decodeSummary(encodeSummary(S), Back));
  EXPECT_TRUE(Back == S);
  TUSummary Empty, EmptyBack;
  ASSERT_TRUE(decodeSummary(encodeSummary(Empty), EmptyBack));
  EXPECT_TRUE(EmptyBack == Empty);
}

TEST(SummaryCodec, EveryTruncationAndTrailingByteIsRefused) {
  std::string Bytes = encodeSummary(everyField());
  for (size_t N = 0; N < Bytes.size(); ++N) {
    TUSummary Out;
    EXPECT_FALSE(decodeSummary(llvm::StringRef(Bytes).take_front(N), Out)) << "prefix of " << N << " bytes";
  }
  TUSummary Out;
  EXPECT_FALSE(decodeSummary(Bytes + "x", Out));
}

TEST(SummaryCodec, ChangedBytesNeverGiveAnInvalidKind) {
  std::string Bytes = encodeSummary(everyField());
  for (size_t I = 0; I < Bytes.size(); ++I)
    for (uint8_t Flip : {0x01, 0x40, 0x80, 0xff}) {
      std::string Changed = Bytes;
      Changed[I] = static_cast<char>(Changed[I] ^ Flip);
      TUSummary Out;
      if (!decodeSummary(Changed, Out))
        continue;
      for (const Node &N : Out.Nodes)
        EXPECT_LE(unsigned(N.Kind), unsigned(NodeKind::Class));
      for (const Edge &E : Out.Edges)
        EXPECT_LE(unsigned(E.Kind), unsigned(EdgeKind::Instance));
    }
}

class SummaryIndexTest : public ::testing::Test {
protected:
  void SetUp() override {
    ASSERT_FALSE(llvm::sys::fs::createUniqueDirectory("reach-index-test", Dir));
    Header = std::string(Dir) + "/a.h";
    write(Header, "int a();");
    S = everyField();
    S.Inputs = {Header};
  }
  void TearDown() override { llvm::sys::fs::remove_directories(Dir); }
  static void write(const std::string &Path, const std::string &Text) {
    std::error_code EC;
    llvm::raw_fd_ostream OS(Path, EC);
    OS << Text;
  }
  std::unique_ptr<SummaryIndex> open() {
    std::string Error;
    auto Index = SummaryIndex::open(std::string(Dir) + "/idx", Error);
    EXPECT_TRUE(Index) << Error;
    return Index;
  }
  llvm::SmallString<128> Dir;
  std::string Header;
  TUSummary S;
};

TEST_F(SummaryIndexTest, AStoredSummaryComesBackWhileItsFilesAreUnchanged) {
  std::string Key = SummaryIndex::keyFor({"/p", "clang++ -c a.cpp"});
  {
    auto Index = open();
    ContentHashes Hashes(nullptr);
    EXPECT_FALSE(Index->lookup(Key, Hashes));
    Index->store(Key, S, Hashes);
  }
  auto Index = open();
  ContentHashes Same(nullptr);
  std::optional<TUSummary> Back = Index->lookup(Key, Same);
  ASSERT_TRUE(Back);
  EXPECT_TRUE(*Back == S);
  EXPECT_FALSE(Index->lookup(SummaryIndex::keyFor({"/p", "clang++ -DX -c a.cpp"}), Same));

  // The overlay's text is what the compiler would read: fix's edits.
  auto Edited = std::make_shared<ContentHashes::Overlay>();
  (*Edited)[Header] = "int a(); int b();";
  ContentHashes Overlaid(Edited);
  EXPECT_FALSE(Index->lookup(Key, Overlaid));

  write(Header, "int a(); int b();");
  ContentHashes Changed(nullptr);
  EXPECT_FALSE(Index->lookup(Key, Changed));
  llvm::sys::fs::remove(Header);
  ContentHashes Gone(nullptr);
  EXPECT_FALSE(Index->lookup(Key, Gone));
  EXPECT_EQ(Index->stats().Corrupt.size(), 0u);
}

TEST_F(SummaryIndexTest, NoChangedByteOfAnEntryIsTakenForASummary) {
  std::string Key = SummaryIndex::keyFor({"k"});
  std::string Entry;
  {
    auto Index = open();
    ContentHashes Hashes(nullptr);
    Index->store(Key, S, Hashes);
  }
  std::string EntryPath = std::string(Dir) + "/idx/" + Key + ".tu";
  auto Buf = llvm::MemoryBuffer::getFile(EntryPath);
  ASSERT_TRUE(Buf);
  Entry = (*Buf)->getBuffer().str();
  auto Index = open();
  for (size_t I = 0; I < Entry.size(); ++I) {
    std::string Changed = Entry;
    Changed[I] = static_cast<char>(Changed[I] ^ 0x20);
    write(EntryPath, Changed);
    ContentHashes Hashes(nullptr);
    EXPECT_FALSE(Index->lookup(Key, Hashes)) << "byte " << I;
  }
  EXPECT_EQ(Index->stats().Corrupt.size(), Entry.size());
  write(EntryPath, Entry.substr(0, Entry.size() - 1));
  ContentHashes Hashes(nullptr);
  EXPECT_FALSE(Index->lookup(Key, Hashes));
  EXPECT_EQ(Index->stats().Corrupt.size(), Entry.size() + 1);
}

} // namespace
