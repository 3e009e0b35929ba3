// The g++ include-folder query (#20): which drivers are asked, and how their
// `-E -v` output is read.
#include "extract/DriverIncludes.h"

#include <gtest/gtest.h>

namespace reach {
namespace {

TEST(DriverIncludes, GccNamesAreAskedClangNamesAreNot) {
  for (const char *Gcc : {"g++", "/usr/bin/gcc", "c++", "cc", "g++-12", "gcc-13.2",
                          "/opt/x86_64-linux-gnu-g++", "aarch64-linux-gnu-gcc-12"})
    EXPECT_TRUE(isGccDriver(Gcc)) << Gcc;
  for (const char *Other : {"clang++", "/usr/bin/clang-19", "clang++-19", "nvcc", "icpx",
                            "ccache", "gcc-ar", "/usr/bin/x86_64-linux-gnu-clang++"})
    EXPECT_FALSE(isGccDriver(Other)) << Other;
}

TEST(DriverIncludes, SearchListIsReadBetweenItsMarkers) {
  const char *Output =
      "Using built-in specs.\n"
      "#include \"...\" search starts here:\n"
      " /quoted/only\n"
      "#include <...> search starts here:\n"
      " /usr/include/c++/12\n"
      " /usr/lib/gcc/x86_64-linux-gnu/12/include\r\n"
      " /Library/Frameworks (framework directory)\n"
      " /usr/include\n"
      "End of search list.\n"
      " /after/the/end\n";
  EXPECT_EQ(parseSearchList(Output),
            (std::vector<std::string>{"/usr/include/c++/12", "/usr/lib/gcc/x86_64-linux-gnu/12/include",
                                      "/usr/include"}));
  EXPECT_TRUE(parseSearchList("no list here\n").empty());
}

} // namespace
} // namespace reach
