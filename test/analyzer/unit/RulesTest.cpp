#include "rules/Rules.h"

#include <gtest/gtest.h>

using namespace reach;

TEST(Rules, ParsesEveryForm) {
  std::string Err;
  auto R = parseRules(R"(entries:
  - function: main
  - match: "cli::cmd_.*"
  - annotation: reach::entry
  - registered-by: ipc::register_handler
tests:
  - path: test/**
keep:
  - symbol: plugin_abi_v1
    reason: loaded with dlsym by the host
policies:
  - forbid: { from: "runtime/**", to: "test/**" }
  - single-implementation: { base: "runtime::Kernel", per: "backend" }
)", "reach.yaml", Err);
  ASSERT_TRUE(R) << Err;
  ASSERT_EQ(R->Entries.size(), 4u);
  EXPECT_EQ(R->Entries[1].K, EntryRule::Match);
  EXPECT_EQ(R->Entries[3].Value, "ipc::register_handler");
  EXPECT_TRUE(R->isTestFile("test/a/b.cpp"));
  EXPECT_FALSE(R->isTestFile("src/test.cpp"));
  ASSERT_EQ(R->Keep.size(), 1u);
  EXPECT_EQ(R->Keep[0].Reason, "loaded with dlsym by the host");
  ASSERT_EQ(R->Policies.size(), 2u);
  EXPECT_EQ(R->Policies[1].A, "runtime::Kernel");
  EXPECT_TRUE(Rules::matches("cli::cmd_.*", "cli::cmd_run"));
  EXPECT_FALSE(Rules::matches("cli::cmd_.*", "x::cli::cmd_run"));
}

TEST(Rules, UnknownKeyHasPosition) {
  std::string Err;
  EXPECT_FALSE(parseRules("entries:\n  - fucntion: main\n", "r.yaml", Err));
  EXPECT_EQ(Err.rfind("r.yaml:2:5: error: unknown key 'fucntion'", 0), 0u) << Err;
}

TEST(Rules, KeepNeedsReason) {
  std::string Err;
  EXPECT_FALSE(parseRules("keep:\n  - symbol: x\n", "r.yaml", Err));
  EXPECT_NE(Err.find("r.yaml:2:5: error: keep entry for 'x' needs a 'reason'"), std::string::npos) << Err;
}

TEST(Rules, BadRegexAndGlob) {
  std::string Err;
  EXPECT_FALSE(parseRules("entries:\n  - match: \"a(\"\n", "r.yaml", Err));
  EXPECT_EQ(Err.rfind("r.yaml:2:12: error: invalid regular expression", 0), 0u) << Err;
  EXPECT_FALSE(parseRules("tests:\n  - path: \"a[\"\n", "r.yaml", Err));
  EXPECT_EQ(Err.rfind("r.yaml:2:11: error: invalid glob", 0), 0u) << Err;
}
