// FileName: the interned file name every Loc holds (extract/FileName.h).
#include "extract/FileName.h"

#include <gtest/gtest.h>

#include <set>
#include <thread>
#include <vector>

namespace reach {
namespace {

TEST(FileName, EqualNamesAreOneString) {
  std::string Built = std::string("src/") + "a.cpp";
  FileName A(llvm::StringRef("src/a.cpp")), B(Built), C(llvm::StringRef("src/b.cpp"));
  EXPECT_EQ(&A.str(), &B.str());
  EXPECT_NE(&A.str(), &C.str());
  EXPECT_TRUE(A == B);
  EXPECT_FALSE(A == C);
  EXPECT_TRUE(A == std::string("src/a.cpp"));
  EXPECT_TRUE(A == llvm::StringRef("src/a.cpp"));
  EXPECT_FALSE(A == llvm::StringRef("src/a.cp"));
}

TEST(FileName, EmptyByDefault) {
  FileName None;
  EXPECT_TRUE(None.empty());
  EXPECT_EQ(None.str(), "");
  EXPECT_TRUE(None == FileName(llvm::StringRef("")));
}

TEST(FileName, OrdersAndJoinsAsItsText) {
  // Sorting by file must not depend on where the strings were interned.
  auto Name = [](llvm::StringRef S) { return FileName(S); };
  FileName Late = Name("b/z.cpp"), Early = Name("a/z.cpp");
  EXPECT_TRUE(Early < Late);
  EXPECT_TRUE(Late > Early);
  EXPECT_TRUE(Name("a") < Name("a/b"));
  std::set<FileName> Sorted{Name("c"), Name("a"), Name("b")};
  EXPECT_EQ(Sorted.begin()->str(), "a");
  EXPECT_EQ(Early + ":12", "a/z.cpp:12");
  EXPECT_EQ(std::string("at ") + Early, "at a/z.cpp");
  EXPECT_EQ("at " + Early, "at a/z.cpp");
  std::string Printed;
  llvm::raw_string_ostream(Printed) << Early;
  EXPECT_EQ(Printed, "a/z.cpp");
}

TEST(FileName, InternedOnceAcrossThreads) {
  // Summaries are extracted and decoded on several threads at once.
  constexpr int Threads = 4, Names = 2000;
  std::vector<std::vector<const std::string *>> Seen(Threads);
  std::vector<std::thread> Workers;
  for (int T = 0; T < Threads; ++T)
    Workers.emplace_back([&, T] {
      for (int I = 0; I < Names; ++I)
        Seen[T].push_back(&FileName("thread/" + std::to_string(I) + ".cpp").str());
    });
  for (std::thread &W : Workers)
    W.join();
  for (int T = 1; T < Threads; ++T)
    EXPECT_EQ(Seen[T], Seen[0]);
  EXPECT_EQ(*Seen[0][1234], "thread/1234.cpp");
}

} // namespace
} // namespace reach
