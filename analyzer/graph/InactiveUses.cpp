#include "graph/InactiveUses.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringRef.h"

#include <algorithm>

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
  auto Id = [&](llvm::StringRef File) { return FileIds.try_emplace(File, FileIds.size()).first->second; };
  for (unsigned I = 0; I < TUs.size(); ++I) {
    const TUSummary &TU = TUs[I];
    std::vector<unsigned> Files;
    for (const std::string &F : TU.FilesSeen)
      Files.push_back(Id(F));
    if (llvm::StringRef Main = TU.MainFile; Main.consume_front(Root + "/"))
      Files.push_back(Id(Main));
    llvm::sort(Files);
    Read.push_back(std::move(Files));
    for (const InactiveUse &U : TU.InactiveUses) {
      if (llvm::StringRef Spelled = U.Name; Spelled.consume_front(IncludePrefix))
        Includes.emplace_back(Spelled, Use{&U, I});
      else
        ByName[U.Name].push_back(Use{&U, I});
    }
  }
}

std::string InactiveUses::where(const Use &U) {
  return U.Site->Where.File + ":" + std::to_string(U.Site->Where.Line) + ", " + U.Site->Why;
}

bool InactiveUses::read(unsigned TU, llvm::StringRef File) const {
  auto It = FileIds.find(File);
  return It != FileIds.end() && std::binary_search(Read[TU].begin(), Read[TU].end(), It->second);
}

std::string InactiveUses::whyUsed(const Node &N, const std::vector<std::string> &DeclFiles) const {
  auto It = ByName.find(spelledName(N.Name));
  if (It == ByName.end())
    return "";
  for (const Use &U : It->second)
    for (const std::string &F : DeclFiles)
      if (read(U.TU, F))
        return "used in an inactive configuration (" + where(U) + ")";
  return "";
}

std::string InactiveUses::whyIncluded(const std::string &File) const {
  for (const auto &[Spelled, U] : Includes)
    if (llvm::StringRef Path = File; Path.consume_back(Spelled) && (Path.empty() || Path.ends_with("/")))
      return "included in an inactive configuration (" + where(U) + ")";
  return "";
}

} // namespace reach
