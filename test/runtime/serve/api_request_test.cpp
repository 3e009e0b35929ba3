#include "serve/api_request.h"

#include <gtest/gtest.h>

namespace reach::run::serve {
namespace {

TEST(BearerMatches, OnlyTheSchemeAndTheWholeKey) {
  EXPECT_TRUE(bearer_matches("Bearer sesame", "sesame"));
  EXPECT_FALSE(bearer_matches("Bearer sesamf", "sesame"));   // last byte
  EXPECT_FALSE(bearer_matches("Bearer tesame", "sesame"));   // first byte
  EXPECT_FALSE(bearer_matches("Bearer sesam", "sesame"));    // a prefix
  EXPECT_FALSE(bearer_matches("Bearer sesame!", "sesame"));  // longer
  EXPECT_FALSE(bearer_matches("Bearer ", "sesame"));
  EXPECT_FALSE(bearer_matches("sesame", "sesame"));          // no scheme
  EXPECT_FALSE(bearer_matches("Basic sesame", "sesame"));
  EXPECT_TRUE(bearer_matches("bearer sesame", "sesame"));    // a scheme's case does not matter
  EXPECT_FALSE(bearer_matches("", "sesame"));
  // A missing byte may not pass as the NUL it is read as past the end.
  EXPECT_FALSE(bearer_matches(std::string_view("Bearer ab", 9), std::string_view("ab\0", 3)));
}

}  // namespace
}  // namespace reach::run::serve
