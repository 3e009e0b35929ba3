// Units of reach-audit fix that are pure text functions: the unified diff,
// the "declares nothing" test for whole-file removal, CMake source lists.
#include "fix/CMakeEdit.h"
#include "fix/Edits.h"
#include "fix/UnifiedDiff.h"

#include <gtest/gtest.h>

using namespace reach;

TEST(UnifiedDiff, DeletionInTheMiddleHasContext) {
  std::string A = "1\n2\n3\n4\n5\n6\n7\n8\n9\n";
  std::string B = "1\n2\n3\n4\n6\n7\n8\n9\n";
  EXPECT_EQ(unifiedDiff("f.cpp", A, B, false),
            "--- a/f.cpp\n+++ b/f.cpp\n@@ -2,7 +2,6 @@\n 2\n 3\n 4\n-5\n 6\n 7\n 8\n");
}

TEST(UnifiedDiff, DistantChangesAreSeparateHunks) {
  std::string A, B;
  for (int I = 1; I <= 20; ++I) {
    A += std::to_string(I) + "\n";
    if (I != 2 && I != 18)
      B += std::to_string(I) + "\n";
  }
  std::string D = unifiedDiff("f", A, B, false);
  EXPECT_NE(D.find("@@ -1,5 +1,4 @@\n 1\n-2\n 3\n 4\n 5\n"), std::string::npos) << D;
  EXPECT_NE(D.find("@@ -15,6 +14,5 @@\n 15\n 16\n 17\n-18\n 19\n 20\n"), std::string::npos) << D;
}

TEST(UnifiedDiff, RemovedFileAndMissingNewline) {
  EXPECT_EQ(unifiedDiff("x.h", "a\nb", "", true),
            "--- a/x.h\n+++ /dev/null\n@@ -1,2 +0,0 @@\n-a\n-b\n\\ No newline at end of file\n");
}

TEST(UnifiedDiff, IdenticalTextsHaveNoHunk) {
  EXPECT_EQ(unifiedDiff("f", "a\nb\n", "a\nb\n", false), "--- a/f\n+++ b/f\n");
}

TEST(DeclaresNothing, ScaffoldingOnly) {
  EXPECT_TRUE(declaresNothing("#pragma once\n// c\n#include <x>\nnamespace a::b {\n/* x */\n} // ns\n"));
  EXPECT_TRUE(declaresNothing("#ifndef G_H\n#define G_H\nextern \"C\" {\n}\n#endif\n"));
}

TEST(DeclaresNothing, DeclarationsAndMacrosAreContent) {
  EXPECT_FALSE(declaresNothing("#pragma once\nint live();\n"));
  EXPECT_FALSE(declaresNothing("#define LIMIT 4\n"));
  EXPECT_FALSE(declaresNothing("namespace a { using T = int; }\n"));
}

TEST(CMakeEdit, RemovesListedSourcesOnly) {
  std::string In = "add_library(core STATIC\n  a.cpp\n  old/b.cpp\n  ${GEN}/c.cpp)\n"
                   "add_executable(tool old/b.cpp main.cpp)\n"
                   "set(OTHER old/b.cpp)\n";
  std::string Out = removeSources(In, "src", {"src/old/b.cpp"});
  EXPECT_EQ(Out, "add_library(core STATIC\n  a.cpp\n  ${GEN}/c.cpp)\n"
                 "add_executable(tool main.cpp)\n"
                 "set(OTHER old/b.cpp)\n");
}

TEST(CMakeEdit, TargetNameIsNeverRemoved) {
  EXPECT_EQ(removeSources("add_executable(b.cpp b.cpp)\n", "", {"b.cpp"}), "add_executable(b.cpp)\n");
}
