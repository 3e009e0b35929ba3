// Units for check's pure helpers: reading `git diff -U0` hunks and the
// `per: backend` grouping of single-implementation policies.
#include "check/GitDiff.h"
#include "check/Policies.h"

#include <gtest/gtest.h>

using namespace reach;

TEST(GitDiff, HunksGiveAddedLineRanges) {
  ChangedLines C = parseUnifiedDiff("diff --git a/src/a.cpp b/src/a.cpp\n"
                                    "--- a/src/a.cpp\n+++ b/src/a.cpp\n"
                                    "@@ -3,0 +4,2 @@ int f()\n+x\n+y\n"
                                    "@@ -10 +12 @@\n-old\n+new\n"
                                    "@@ -20,3 +21,0 @@\n-a\n-b\n-c\n"
                                    "--- a/gone.cpp\n+++ /dev/null\n@@ -1,2 +0,0 @@\n-a\n-b\n");
  ASSERT_EQ(C.Files.size(), 1u);
  EXPECT_TRUE(C.touches("src/a.cpp", 4, 4));
  EXPECT_TRUE(C.touches("src/a.cpp", 5, 5));
  EXPECT_FALSE(C.touches("src/a.cpp", 6, 11));
  EXPECT_TRUE(C.touches("src/a.cpp", 12, 12));
  EXPECT_TRUE(C.touches("src/a.cpp", 1, 30)); // a definition spanning a change
  EXPECT_FALSE(C.touches("src/a.cpp", 21, 25)); // pure deletion adds no line
  EXPECT_FALSE(C.touches("gone.cpp", 1, 2));
}

TEST(Policies, BackendIsTheFolderUnderKernels) {
  EXPECT_EQ(implementationGroup("backend", "runtime/kernels/cpu/gemv.cpp"), "cpu");
  EXPECT_EQ(implementationGroup("backend", "runtime/kernels/cuda/sub/gemv.cu"), "cuda");
  // A file directly in kernels/ has no backend folder: grouped by its folder.
  EXPECT_EQ(implementationGroup("backend", "runtime/kernels/common.cpp"), "runtime/kernels");
  EXPECT_EQ(implementationGroup("backend", "runtime/formats/gguf.cpp"), "runtime/formats");
  EXPECT_EQ(implementationGroup("folder", "runtime/kernels/cpu/gemv.cpp"), "runtime/kernels/cpu");
  EXPECT_EQ(implementationGroup("", "runtime/kernels/cpu/gemv.cpp"), "");
  EXPECT_EQ(implementationGroup("backend", "top.cpp"), ".");
}
