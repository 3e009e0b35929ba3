// A file name as a Loc holds it: interned once per process. A large
// project's graph has millions of locations (three per definition, one per
// edge) naming a few thousand files; each was a heap string, which made
// decoding the index mostly malloc and page faults.
#pragma once

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"

#include <compare>
#include <string>

namespace reach {

class FileName {
public:
  FileName() : S(&emptyName()) {}
  FileName(llvm::StringRef Name) : S(&intern(Name)) {}
  FileName(const std::string &Name) : FileName(llvm::StringRef(Name)) {}

  const std::string &str() const { return *S; }
  operator const std::string &() const { return *S; }
  operator llvm::StringRef() const { return *S; }
  bool empty() const { return S->empty(); }

  // One string per name: equal names are the same pointer.
  friend bool operator==(FileName A, FileName B) { return A.S == B.S; }
  friend bool operator==(FileName A, llvm::StringRef B) { return *A.S == B; }
  friend bool operator==(FileName A, const std::string &B) { return *A.S == B; }
  friend std::strong_ordering operator<=>(FileName A, FileName B) { return A.S->compare(*B.S) <=> 0; }
  friend std::string operator+(const std::string &A, FileName B) { return A + *B.S; }
  friend std::string operator+(const char *A, FileName B) { return A + *B.S; }
  friend std::string operator+(FileName A, const char *B) { return *A.S + B; }
  friend llvm::raw_ostream &operator<<(llvm::raw_ostream &OS, FileName F) { return OS << *F.S; }

private:
  static const std::string &emptyName();
  /// Thread-safe: TUs are extracted and decoded on several threads.
  static const std::string &intern(llvm::StringRef Name);
  const std::string *S; // never null
};

} // namespace reach
