#include "graph/InactiveUses.h"

#include "llvm/ADT/StringRef.h"

namespace reach {
namespace {

/// The name as code spells it: `ns::Cls::method` -> `method`, `f<int>` -> `f`.
std::string spelledName(llvm::StringRef Qualified) {
  llvm::StringRef Name = Qualified;
  Name = Name.take_until([](char C) { return C == '<' || C == '('; });
  if (size_t Colons = Name.rfind("::"); Colons != llvm::StringRef::npos)
    Name = Name.drop_front(Colons + 2);
  return Name.str();
}

const std::string IncludePrefix = "#include:";

} // namespace

InactiveUses::InactiveUses(const std::vector<TUSummary> &TUs, const std::string &Root) {
  for (unsigned I = 0; I < TUs.size(); ++I) {
    const TUSummary &TU = TUs[I];
    std::set<std::string> Files(TU.FilesSeen.begin(), TU.FilesSeen.end());
    if (llvm::StringRef Main = TU.MainFile; Main.consume_front(Root + "/"))
      Files.insert(Main.str());
    Read.push_back(std::move(Files));
    for (const InactiveUse &U : TU.InactiveUses) {
      Use Site{U.Where.File + ":" + std::to_string(U.Where.Line), U.Why, I};
      if (llvm::StringRef Spelled = U.Name; Spelled.consume_front(IncludePrefix))
        Includes.emplace_back(Spelled.str(), std::move(Site));
      else
        ByName[U.Name].push_back(std::move(Site));
    }
  }
}

std::string InactiveUses::whyUsed(const Node &N, const std::vector<std::string> &DeclFiles) const {
  auto It = ByName.find(spelledName(N.Name));
  if (It == ByName.end())
    return "";
  for (const Use &U : It->second)
    for (const std::string &F : DeclFiles)
      if (Read[U.TU].count(F))
        return "used in an inactive configuration (" + U.Where + ", " + U.Why + ")";
  return "";
}

std::string InactiveUses::whyIncluded(const std::string &File) const {
  for (const auto &[Spelled, U] : Includes)
    if (File == Spelled || llvm::StringRef(File).ends_with("/" + Spelled))
      return "included in an inactive configuration (" + U.Where + ", " + U.Why + ")";
  return "";
}

} // namespace reach
