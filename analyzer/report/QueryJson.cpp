#include "report/QueryJson.h"

#include <nlohmann/json.hpp>

namespace reach {

using nlohmann::json;

static json site(const Loc &L) {
  if (L.File.empty())
    return nullptr;
  return {{"file", L.File}, {"line", L.Line}, {"column", L.Column}};
}

static json symbol(const Analysis &A, unsigned Id) {
  const Node &N = A.G.Nodes[Id];
  return {{"usr", N.Usr}, {"name", N.Name}, {"kind", toString(N.Kind)},
          {"file", N.Where.File}, {"line", N.Where.Line}, {"status", toString(statusOf(A, Id))}};
}

static json steps(const Analysis &A, const std::vector<PathStep> &P) {
  json R = json::array();
  for (size_t I = 0; I < P.size(); ++I) {
    json S = symbol(A, P[I].Id);
    S["edge"] = I == 0 ? json(nullptr) : json(toString(P[I].Kind));
    S["site"] = I == 0 ? json(nullptr) : site(P[I].Site);
    R.push_back(S);
  }
  return R;
}

std::string renderWhyJson(const Analysis &A, const WhyAnswer &W) {
  json J{{"symbol", symbol(A, W.Target)}, {"status", toString(W.S)}};
  if (!W.Path.empty())
    J["root"] = {{"name", A.G.Nodes[W.Path.front().Id].Name}, {"rule", W.RootRule}};
  J["path"] = steps(A, W.Path);
  json M = json::array();
  for (const auto &Chain : W.Mentions)
    M.push_back(steps(A, Chain));
  J["mentions"] = M;
  J["notes"] = W.Notes;
  if (!W.UnknownWhy.empty())
    J["unknown"] = W.UnknownWhy;
  return J.dump(2) + "\n";
}

std::string renderBlastJson(const Analysis &A, const BlastAnswer &B) {
  json Set = json::array(), Entries = json::array(), Closure = json::array(), Refs = json::array();
  for (unsigned I : B.Set)
    if (A.G.Nodes[I].Project && !A.G.Nodes[I].Implicit)
      Set.push_back(symbol(A, I));
  for (unsigned I : B.LiveEntries)
    Entries.push_back(symbol(A, I));
  for (const auto *List : {&B.LiveRefs, &B.TestRefs})
    for (const BlastRef &R : *List)
      Refs.push_back({{"from", symbol(A, R.R.From)}, {"to", symbol(A, R.R.To)},
                      {"edge", toString(R.R.Kind)}, {"site", site(*R.R.Site)}});
  for (unsigned I : B.Closure)
    Closure.push_back(symbol(A, I));
  json J{{"set", Set}, {"entries", Entries}, {"references", Refs}, {"closure", Closure},
         {"breaks_live", B.breaksLive()}};
  return J.dump(2) + "\n";
}

} // namespace reach
