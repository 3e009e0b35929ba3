// Runs the extractor over every translation unit of a compilation database,
// in parallel. Each TU's AST is dropped as soon as its summary is taken.
#pragma once

#include "extract/Summary.h"
#include "graph/Graph.h"

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace clang::tooling { class CompilationDatabase; }

namespace reach {

class SummaryIndex;

struct RunOptions {
  std::string Root;                   // absolute, no trailing slash
  unsigned Jobs = 0;                  // 0: all cores
  bool Progress = false;              // "[37/412] src/foo.cpp" on stderr
  std::vector<std::string> ExtraArgs; // appended to every command
  /// Absolute path -> contents that replace the file on disk: `fix`
  /// re-analyses its edits before writing them.
  std::shared_ptr<const std::map<std::string, std::string>> Overlay;
  /// Only whether the TUs compile, with their errors (fix's trial builds):
  /// a syntax check without extraction, and once one TU has failed the
  /// ones not yet started are skipped (their summaries say nothing).
  bool CompileCheckOnly = false;
  /// Where stored summaries are taken from and new ones written; null:
  /// parse every TU (index/SummaryIndex.h).
  SummaryIndex *Index = nullptr;
  /// Write the index's linked.bin (extractAll) or program.bin
  /// (extractAndLink) after the run: the fast path of the next read of
  /// every TU. Not for a shard (a part of the TUs) nor for fix's
  /// trial rounds (edited files the disk does not hold): it would replace
  /// the whole, current one with one no later read can use.
  bool StoreLinked = true;
};

/// Compile-command adjustments shared by every tool that re-parses the
/// build: syntax-only, no outputs, the clang resource dir, gcc-only flags
/// dropped.
std::vector<std::string> adjustCommand(std::vector<std::string> Args,
                                       const std::string &File,
                                       const std::vector<std::string> &Extra);

/// Every TU's summary, deduplicated (extract/Dedup.h), in Files' order.
std::vector<TUSummary> extractAll(const clang::tooling::CompilationDatabase &DB,
                                  const std::vector<std::string> &Files,
                                  const RunOptions &Opts);

/// The TUs of one configuration linked as one program.
struct Extraction {
  std::vector<TUSummary> TUs; // what link() left of them
  std::optional<Graph> Program;
};
/// extractAll, then link(); with an index, the linked program is stored
/// (program.bin) and, while every TU is unchanged, read back instead of
/// decoding the summaries and linking them again.
Extraction extractAndLink(const clang::tooling::CompilationDatabase &DB, const std::vector<std::string> &Files,
                          const RunOptions &Opts);

} // namespace reach
