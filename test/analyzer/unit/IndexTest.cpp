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

#include <algorithm>

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

/// Two TUs that compiled and one that did not, which between them give the
/// linked graph every kind of entry: a C and a C++ name of one function
/// (an alias in ByUsr), a USR defined at two places, a method with its
/// class, a dispatched call, overrides, registrations and redeclarations.
std::vector<TUSummary> programTUs() {
  auto node = [](std::string Usr, std::string File, unsigned Offset) {
    Node N;
    N.Usr = std::move(Usr);
    N.Name = N.Usr + "-name";
    N.Where = {std::move(File), 1, 1, Offset};
    return N;
  };
  TUSummary A = everyField(), B, Failed = everyField();
  A.Failed = false;
  A.Nodes.push_back(node("c:@S@C", "a.cpp", 40));
  A.Nodes.back().Kind = NodeKind::Class;
  A.Nodes.push_back(node("c:@S@C@F@m#", "a.cpp", 50));
  A.Nodes.back().Parent = "c:@S@C";
  A.Nodes.push_back(node("c:h.h@F@twice", "h.h", 60));   // the C name ...
  A.Nodes.push_back(node("c:@F@main#", "a.cpp", 70));    // one program's main
  A.Edges.push_back({"c:@F@main#", "c:@S@C@F@m#", EdgeKind::VirtualCall, loc("a.cpp", 71)});
  A.Edges.push_back({"c:@F@main#", "c:h.h@F@twice", EdgeKind::Call, loc("a.cpp", 72)});
  B.MainFile = "/p/b.cpp";
  B.Nodes.push_back(node("c:h.h@F@twice#I#", "h.h", 60)); // ... and the C++ name of the same function
  B.Nodes.push_back(node("c:@F@main#", "b.cpp", 10));     // the other program's main
  B.Edges.push_back({"c:@F@main#", "c:h.h@F@twice#I#", EdgeKind::Call, loc("b.cpp", 11)});
  B.Overrides = {{"c:@S@D@F@m#", "c:@S@C@F@m#", false}};
  B.FilesSeen = {"b.cpp", "h.h"};
  Failed.MainFile = "/p/broken.cpp";
  return {A, B, Failed};
}

bool sameLoc(const Loc &X, const Loc &Y) { return X == Y; }

/// Field by field: GraphEdge and VirtualSite have no operator==.
void expectSameGraph(const Graph &X, const Graph &Y) {
  EXPECT_TRUE(X.Nodes == Y.Nodes);
  EXPECT_EQ(X.ByUsr, Y.ByUsr);
  ASSERT_EQ(X.Out.size(), Y.Out.size());
  for (size_t I = 0; I < X.Out.size(); ++I) {
    ASSERT_EQ(X.Out[I].size(), Y.Out[I].size()) << "node " << I;
    for (size_t E = 0; E < X.Out[I].size(); ++E) {
      EXPECT_EQ(X.Out[I][E].To, Y.Out[I][E].To);
      EXPECT_EQ(X.Out[I][E].Kind, Y.Out[I][E].Kind);
      EXPECT_TRUE(sameLoc(X.Out[I][E].Site, Y.Out[I][E].Site));
    }
    ASSERT_EQ(X.Virtual[I].size(), Y.Virtual[I].size()) << "node " << I;
    for (size_t V = 0; V < X.Virtual[I].size(); ++V) {
      EXPECT_EQ(X.Virtual[I][V].Method, Y.Virtual[I][V].Method);
      EXPECT_TRUE(sameLoc(X.Virtual[I][V].Site, Y.Virtual[I][V].Site));
    }
  }
  EXPECT_EQ(X.Overriders, Y.Overriders);
  EXPECT_EQ(X.ParentClass, Y.ParentClass);
  EXPECT_TRUE(X.Registrations == Y.Registrations);
  EXPECT_TRUE(X.Redeclarations == Y.Redeclarations);
  EXPECT_EQ(X.FilesBuilt, Y.FilesBuilt);
  EXPECT_EQ(X.Places, Y.Places);
}

TEST(ProgramCodec, TheLinkedGraphAndWhatLinkLeftComeBackAsTheyWere) {
  std::vector<TUSummary> TUs = programTUs();
  Graph G = link(TUs);
  // The graph has each kind of entry the codec writes apart.
  ASSERT_NE(G.ByUsr.size(), G.Nodes.size()) << "no alias";
  ASSERT_FALSE(G.Places.empty());
  ASSERT_TRUE(std::count_if(G.ParentClass.begin(), G.ParentClass.end(), [](int P) { return P >= 0; }));
  ASSERT_TRUE(std::any_of(G.Virtual.begin(), G.Virtual.end(), [](auto &V) { return !V.empty(); }));
  ASSERT_FALSE(G.Overriders.empty());
  ASSERT_TRUE(TUs[0].Nodes.empty() && !TUs[2].Nodes.empty()) << "link takes what compiled, not what failed";

  Graph Back;
  std::vector<TUSummary> Rest;
  ASSERT_TRUE(decodeProgram(encodeProgram(G, TUs), Back, Rest));
  expectSameGraph(G, Back);
  EXPECT_TRUE(Rest == TUs);
}

TEST(ProgramCodec, EveryTruncationIsRefusedAndNoChangedByteGivesANodeOutOfRange) {
  std::vector<TUSummary> TUs = programTUs();
  Graph G = link(TUs);
  std::string Bytes = encodeProgram(G, TUs);
  for (size_t N = 0; N < Bytes.size(); ++N) {
    Graph Out;
    std::vector<TUSummary> Rest;
    EXPECT_FALSE(decodeProgram(llvm::StringRef(Bytes).take_front(N), Out, Rest)) << "prefix of " << N << " bytes";
  }
  for (size_t I = 0; I < Bytes.size(); ++I) {
    std::string Changed = Bytes;
    Changed[I] = static_cast<char>(Changed[I] ^ 0x05);
    Graph Out;
    std::vector<TUSummary> Rest;
    if (!decodeProgram(Changed, Out, Rest))
      continue;
    const size_t N = Out.Nodes.size();
    ASSERT_EQ(Out.Out.size(), N);
    ASSERT_EQ(Out.ParentClass.size(), N);
    for (const auto &Edges : Out.Out)
      for (const GraphEdge &E : Edges)
        EXPECT_LT(E.To, N) << "byte " << I;
    for (int P : Out.ParentClass)
      EXPECT_LT(P, int(N)) << "byte " << I;
    for (const auto &[Usr, Id] : Out.ByUsr)
      EXPECT_LT(Id, N) << "byte " << I;
    for (const auto &[Usr, Ids] : Out.Places)
      for (unsigned Id : Ids)
        EXPECT_LT(Id, N) << "byte " << I;
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

TEST_F(SummaryIndexTest, TheLinkedProgramComesBackOnlyWhileEveryEntryItWasLinkedFromIsFresh) {
  std::vector<TUSummary> TUs = programTUs();
  const std::vector<std::string> Keys{SummaryIndex::keyFor({"a"}), SummaryIndex::keyFor({"b"})};
  TUs.pop_back(); // a TU that failed has no entry, and so no program.bin
  Graph G = link(TUs);
  {
    auto Index = open();
    ContentHashes Hashes(nullptr);
    Index->storeProgram(Keys, G, TUs); // no entries yet: nothing to check it against
    EXPECT_FALSE(llvm::sys::fs::exists(std::string(Dir) + "/idx/program.bin"));
    for (const std::string &K : Keys)
      Index->store(K, S, Hashes);
    Index->storeProgram(Keys, G, TUs);
  }
  {
    auto Index = open();
    ContentHashes Hashes(nullptr);
    std::optional<LinkedProgram> P = Index->program(Keys, Hashes);
    ASSERT_TRUE(P);
    expectSameGraph(G, P->G);
    EXPECT_TRUE(P->Rest == TUs);
    EXPECT_TRUE(Index->stats().ProgramReused);
    EXPECT_FALSE(Index->program({Keys[0]}, Hashes)) << "linked from other TUs";
    EXPECT_FALSE(Index->program({Keys[1], Keys[0]}, Hashes)) << "in another order";
  }
  std::string Path = std::string(Dir) + "/idx/program.bin";
  auto Buf = llvm::MemoryBuffer::getFile(Path);
  ASSERT_TRUE(Buf);
  const std::string Stored = (*Buf)->getBuffer().str();
  for (size_t I = 0; I < Stored.size(); I += 7) {
    std::string Changed = Stored;
    Changed[I] = static_cast<char>(Changed[I] ^ 0x20);
    write(Path, Changed);
    auto Index = open();
    ContentHashes Hashes(nullptr);
    EXPECT_FALSE(Index->program(Keys, Hashes)) << "byte " << I;
  }
  write(Path, Stored);
  write(Header, "int a(); int b();"); // a file the entries read
  auto Index = open();
  ContentHashes Hashes(nullptr);
  EXPECT_FALSE(Index->program(Keys, Hashes));
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
