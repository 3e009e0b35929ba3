#include "extract/FileName.h"

#include "llvm/ADT/StringMap.h"

#include <mutex>

namespace reach {

const std::string &FileName::emptyName() {
  static const std::string *Empty = &intern("");
  return *Empty;
}

const std::string &FileName::intern(llvm::StringRef Name) {
  // Never freed: a name outlives every Loc that holds it. A StringMap entry
  // does not move when the map grows, so its string's address is stable.
  static std::mutex Lock;
  static auto *Names = new llvm::StringMap<std::string>();
  std::lock_guard<std::mutex> Guard(Lock);
  auto [It, New] = Names->try_emplace(Name);
  if (New)
    It->second = Name.str();
  return It->second;
}

} // namespace reach
