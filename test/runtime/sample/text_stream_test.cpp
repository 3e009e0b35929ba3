#include "sample/text_stream.h"

#include <gtest/gtest.h>

namespace reach::run {
namespace {

TEST(TextStream, PassesPlainTextThrough) {
  TextStream s;
  EXPECT_EQ(s.push("Hello"), "Hello");
  EXPECT_EQ(s.push(" world"), " world");
  EXPECT_EQ(s.finish(), "");
  EXPECT_EQ(s.text(), "Hello world");
}

TEST(TextStream, HoldsSplitUtf8CharacterUntilComplete) {
  TextStream s;
  const std::string emoji = "\xF0\x9F\x98\x80";  // U+1F600 in 4 bytes
  EXPECT_EQ(s.push("a" + emoji.substr(0, 1)), "a");
  EXPECT_EQ(s.push(emoji.substr(1, 2)), "");
  EXPECT_EQ(s.push(emoji.substr(3)), emoji);
}

TEST(TextStream, StopStringAcrossTokensIsNeverPrinted) {
  TextStream s({"</end>"});
  EXPECT_EQ(s.push("abc</"), "abc");
  EXPECT_EQ(s.push("en"), "");
  EXPECT_EQ(s.push("d>tail"), "");
  EXPECT_TRUE(s.stopped());
  EXPECT_EQ(s.push("more"), "");
  EXPECT_EQ(s.text(), "abc");
}

TEST(TextStream, FalseStartIsReleased) {
  TextStream s({"STOP"});
  EXPECT_EQ(s.push("xST"), "x");
  EXPECT_EQ(s.push("OOL"), "STOOL");
  EXPECT_FALSE(s.stopped());
}

TEST(TextStream, FinishReleasesHeldPrefix) {
  TextStream s({"###"});
  EXPECT_EQ(s.push("ab##"), "ab");
  EXPECT_EQ(s.finish(), "##");
  EXPECT_EQ(s.text(), "ab##");
}

TEST(TextStream, EarliestOfSeveralStopsWins) {
  TextStream s({"zz", "b"});
  EXPECT_EQ(s.push("aabzz"), "aa");
}

}  // namespace
}  // namespace reach::run
