// A byte stream of LEB128 integers and interned strings, and its reader.
// The reader never reads past its input: a short or corrupt stream sets
// Bad and yields zeros and empty strings from then on.
#pragma once

#include "extract/FileName.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace reach {

class ByteWriter {
public:
  void u(uint64_t V) {
    do {
      uint8_t B = V & 0x7f;
      V >>= 7;
      Out.push_back(static_cast<char>(B | (V ? 0x80 : 0)));
    } while (V);
  }
  /// A string seen before is its number (odd); a new one its length
  /// (even) and bytes.
  void str(llvm::StringRef S) {
    auto [It, New] = Seen.try_emplace(S, static_cast<uint32_t>(Seen.size()));
    if (!New) {
      u(uint64_t(It->second) << 1 | 1);
      return;
    }
    u(uint64_t(S.size()) << 1);
    Out.append(S.data(), S.size());
  }
  void strs(const std::vector<std::string> &V) {
    u(V.size());
    for (const std::string &S : V)
      str(S);
  }
  std::string take() { return std::move(Out); }

private:
  std::string Out;
  llvm::StringMap<uint32_t> Seen;
};

class ByteReader {
public:
  explicit ByteReader(llvm::StringRef In) : In(In) {}
  bool Bad = false;
  bool atEnd() const { return Pos == In.size(); }
  size_t offset() const { return Pos; }

  uint64_t u() {
    uint64_t V = 0;
    for (unsigned Shift = 0; Shift < 64; Shift += 7) {
      if (Pos >= In.size())
        return fail();
      uint8_t B = static_cast<uint8_t>(In[Pos++]);
      V |= uint64_t(B & 0x7f) << Shift;
      if (!(B & 0x80))
        return V;
    }
    return fail();
  }
  /// A count of items each at least one byte long: larger than what is
  /// left means corruption, not a reason to allocate gigabytes.
  size_t count() {
    uint64_t N = u();
    return N <= In.size() - Pos ? N : fail();
  }
  std::string str() { return ref().str(); }
  /// A file name, interned once per distinct string of this stream.
  FileName file() {
    uint64_t Id = refId();
    if (Bad)
      return FileName();
    if (Files.size() <= Id)
      Files.resize(Strings.size());
    if (!Files[Id])
      Files[Id] = FileName(Strings[Id]);
    return *Files[Id];
  }
  std::vector<std::string> strs() {
    std::vector<std::string> V(count());
    for (std::string &S : V)
      S = str();
    return V;
  }
  bool flag() { return u() != 0; }

private:
  uint64_t fail() {
    Bad = true;
    Pos = In.size();
    return 0;
  }
  /// The next string's number in Strings (a new one is added); on
  /// corruption Bad is set and the number is meaningless.
  uint64_t refId() {
    uint64_t Tag = u();
    if (Tag & 1) {
      uint64_t Id = Tag >> 1;
      if (Id >= Strings.size())
        return fail();
      return Id;
    }
    uint64_t Len = Tag >> 1;
    if (Len > In.size() - Pos)
      return fail();
    Strings.emplace_back(In.substr(Pos, Len));
    Pos += Len;
    return Strings.size() - 1;
  }
  llvm::StringRef ref() {
    uint64_t Id = refId();
    return Bad ? llvm::StringRef() : Strings[Id];
  }
  llvm::StringRef In;
  size_t Pos = 0;
  std::vector<llvm::StringRef> Strings; // into In: a string read again is copied once, when returned
  std::vector<std::optional<FileName>> Files; // by string number, once read as a file name
};

} // namespace reach
