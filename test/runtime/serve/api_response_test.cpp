// The response JSON's logprobs, in the two shapes the OpenAI API has: a
// chat's content list and a completion's parallel arrays.
#include "serve/api_response.h"

#include <gtest/gtest.h>

namespace reach::run::serve {
namespace {

using json = nlohmann::json;

const std::vector<TokenLogprobs> kTokens = {
    {{5, -0.25f, "He"}, {{5, -0.25f, "He"}, {9, -1.5f, "Hi"}}},
    {{7, -2.0f, "llo"}, {{8, -0.5f, "y"}, {7, -2.0f, "llo"}}},
};

TEST(ApiResponse, ChatLogprobsAreAContentListWithBytesAndAlternatives) {
  const ResponseHead head{"chatcmpl-1", 0, "m", true};
  const json r = completion(head, "Hello", "stop", {3, 2}, ChoiceLogprobs{kTokens});
  const json& content = r["choices"][0]["logprobs"]["content"];
  ASSERT_EQ(content.size(), 2u);
  EXPECT_EQ(content[0]["token"], "He");
  EXPECT_EQ(content[0]["logprob"], -0.25);
  EXPECT_EQ(content[0]["bytes"], json({72, 101}));
  EXPECT_EQ(content[1]["top_logprobs"][0], json({{"token", "y"}, {"logprob", -0.5}, {"bytes", {121}}}));
  EXPECT_TRUE(r["choices"][0]["logprobs"]["refusal"].is_null());
  EXPECT_TRUE(completion(head, "Hello", "stop", {3, 2})["choices"][0]["logprobs"].is_null()) << "not asked";
}

TEST(ApiResponse, CompletionLogprobsAreParallelArraysWithOffsets) {
  const ResponseHead head{"cmpl-1", 0, "m", false};
  const json l = chunk(head, "Hello", true, std::nullopt, ChoiceLogprobs{kTokens, 10})["choices"][0]["logprobs"];
  EXPECT_EQ(l["tokens"], json({"He", "llo"}));
  EXPECT_EQ(l["token_logprobs"], json({-0.25, -2.0}));
  EXPECT_EQ(l["top_logprobs"][1], json({{"y", -0.5}, {"llo", -2.0}}));
  EXPECT_EQ(l["text_offset"], json({10, 12}));
}

}  // namespace
}  // namespace reach::run::serve
