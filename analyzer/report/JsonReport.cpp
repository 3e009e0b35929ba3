#include "report/JsonReport.h"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace reach {

std::string renderJsonReport(const Analysis &A) {
  using nlohmann::json;
  json J;
  J["version"] = 1;
  J["root"] = A.Root;
  if (A.Configurations.size() > 1)
    J["configurations"] = A.Configurations;
  json Entries = json::array();
  for (const EntryPoint &E : A.Entries)
    Entries.push_back({{"name", A.G.Nodes[E.Id].Name}, {"rule", E.Rule}});
  J["entries"] = Entries;
  json Symbols = json::array();
  for (const SymbolVerdict &V : A.Symbols) {
    const Node &N = A.G.Nodes[V.Id];
    auto Pos = [](const Loc &L) {
      return json{{"line", L.Line}, {"column", L.Column}, {"offset", L.Offset}};
    };
    Symbols.push_back({{"usr", N.Usr},
                       {"name", N.Name},
                       {"kind", toString(N.Kind)},
                       {"file", N.Where.File},
                       {"line", N.Where.Line},
                       {"range", {{"begin", Pos(N.RangeBegin)}, {"end", Pos(N.RangeEnd)}}},
                       {"status", toString(V.S)},
                       {"why", A.whyPath(V)}});
    if (V.Vendored)
      Symbols.back()["vendored"] = true;
    if (!V.UnknownWhy.empty())
      Symbols.back()["unknown"] = V.UnknownWhy;
    if (N.RangeInMacro) // the range is the macro's invocation; fix does not edit it
      Symbols.back()["macro"] = N.Macro;
    if (A.Configurations.size() > 1) { // which builds define it, which reach it (several -p)
      auto Named = [&](const std::map<std::string, uint64_t> &Bits) {
        json In = json::array();
        auto It = Bits.find(N.Usr);
        for (size_t K = 0; K < A.Configurations.size(); ++K)
          if (It != Bits.end() && (It->second >> K & 1))
            In.push_back(A.Configurations[K]);
        return In;
      };
      Symbols.back()["configurations"] = Named(A.DefinedIn);
      Symbols.back()["reached_in"] = Named(A.ReachedIn);
    }
  }
  J["symbols"] = Symbols;
  json Files = json::array();
  for (const FileVerdict &F : A.Files)
  {
    Files.push_back({{"path", F.Path}, {"status", toString(F.S)}});
    if (F.Vendored)
      Files.back()["vendored"] = true;
    if (!F.Why.empty())
      Files.back()["why"] = F.Why;
  }
  J["files"] = Files;
  json Summary = {{"live", A.count(Status::Live)},
                  {"test-only", A.count(Status::TestOnly)},
                  {"dead", A.count(Status::Dead)},
                  {"orphaned", A.orphanCount()}};
  if (size_t U = A.count(Status::Unknown))
    Summary["unknown"] = U;
  // Vendored code is counted apart, not in the figures above.
  size_t VendoredOrphans = std::count_if(A.Files.begin(), A.Files.end(), [](const FileVerdict &F) {
    return F.Vendored && F.S == Status::Orphaned;
  });
  json Vendored = {{"live", A.vendoredCount(Status::Live)},
                   {"test-only", A.vendoredCount(Status::TestOnly)},
                   {"dead", A.vendoredCount(Status::Dead)},
                   {"orphaned", VendoredOrphans}};
  if (Vendored["live"] != 0 || Vendored["test-only"] != 0 || Vendored["dead"] != 0 || VendoredOrphans)
    Summary["vendored"] = Vendored;
  J["summary"] = Summary;
  if (!A.Failures.empty()) {
    json Errors = json::array();
    for (const TUFailure &F : A.Failures)
      Errors.push_back({{"file", F.File}, {"error", F.Error}});
    J["errors"] = Errors;
  }
  return J.dump(2) + "\n";
}

} // namespace reach
