// Writing fix's changes so that the tree is never left half-edited: every
// new text goes to a temporary next to its file first, then all are renamed
// into place; the original bytes are kept so that rollback() restores each
// file byte for byte (and recreates removed ones).
#pragma once

#include "fix/Edits.h"

#include <string>
#include <vector>

namespace reach {

class Transaction {
public:
  explicit Transaction(std::string Root) : Root(std::move(Root)) {}
  /// Applies every change or none; Error names the file and the cause.
  bool apply(const std::vector<FileChange> &Changes, std::string &Error);
  /// Puts every file back as it was before apply().
  bool rollback(std::string &Error);

private:
  struct Original {
    std::string Path; // absolute
    std::string Bytes;
    unsigned Perms;
  };
  std::string Root;
  std::vector<Original> Saved;
};

/// Writes Text to Path through a temporary in the same folder and a rename.
bool writeAtomically(const std::string &Path, const std::string &Text, unsigned Perms,
                     std::string &Error);

/// Runs Command with /bin/sh in Dir; returns its exit status (-1: not run).
int runShell(const std::string &Dir, const std::string &Command);

} // namespace reach
