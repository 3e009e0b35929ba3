#include "graph/RuleCoverage.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/GlobPattern.h"

#include <algorithm>

namespace reach {

namespace {

/// The project name closest to Wanted, if close enough to be a typo: at most
/// a third of its letters changed.
std::string closestName(const std::vector<std::string> &Names, llvm::StringRef Wanted) {
  unsigned Best = std::max<unsigned>(2, Wanted.size() / 3) + 1;
  std::string Found;
  for (const std::string &N : Names) {
    unsigned D = Wanted.edit_distance(N, /*AllowReplacements=*/true, Best);
    if (D < Best) {
      Best = D;
      Found = N;
    }
  }
  return Found;
}

std::string quoted(const std::string &S) { return "'" + S + "'"; }

std::string suggestion(const std::vector<std::string> &Names, const std::string &Wanted) {
  std::string Near = closestName(Names, Wanted);
  return Near.empty() ? "" : " (did you mean " + quoted(Near) + "?)";
}

std::vector<std::string> projectNames(const Graph &G) {
  std::vector<std::string> Names;
  for (const Node &N : G.Nodes)
    if (N.Project)
      Names.push_back(N.Name);
  std::sort(Names.begin(), Names.end());
  Names.erase(std::unique(Names.begin(), Names.end()), Names.end());
  return Names;
}

/// N is defined, or declared, in a file matching Glob.
bool declaredIn(const std::string &Glob, const Graph &G, const Node &N) {
  if (Rules::globMatches(Glob, N.Where.File))
    return true;
  auto It = G.Redeclarations.find(N.Usr);
  return It != G.Redeclarations.end() &&
         std::any_of(It->second.begin(), It->second.end(), [&](const Redeclaration &R) {
           return Rules::globMatches(Glob, R.RangeBegin.File);
         });
}

bool anyFileMatches(const std::string &Glob, const std::vector<std::string> &Files) {
  auto P = llvm::GlobPattern::create(Glob);
  return P && std::any_of(Files.begin(), Files.end(), [&](const std::string &F) { return P->match(F); });
}

} // namespace

bool entryMatches(const EntryRule &E, const Graph &G, const Node &N) {
  switch (E.K) {
  case EntryRule::Function: return N.Name == E.Value;
  case EntryRule::Match: return Rules::matches(E.Value, N.Name);
  case EntryRule::Annotation:
    return std::find(N.Annotations.begin(), N.Annotations.end(), E.Value) != N.Annotations.end();
  case EntryRule::RegisteredBy:
    return N.Name == E.Value ||
           std::any_of(G.Registrations.begin(), G.Registrations.end(),
                       [&](const Registration &R) { return R.Callee == E.Value; });
  case EntryRule::Header: return declaredIn(E.Value, G, N);
  case EntryRule::Exported: return N.Exported && (E.Value.empty() || declaredIn(E.Value, G, N));
  }
  return false;
}

std::vector<UnmatchedRule> unmatchedRules(const Rules &R, const Graph &G,
                                          const std::vector<std::string> &Files) {
  std::vector<std::string> Names = projectNames(G);
  std::vector<UnmatchedRule> Out;
  if (R.Entries.empty() && R.Keep.empty())
    Out.push_back({{1, 1}, "the rules name no entry point: every definition would be dead "
                           "(add `entries: - function: main`, or exported: / header: for a library)"});
  for (const EntryRule &E : R.Entries) {
    auto Hit = [&](const Node &N) { return N.Project && entryMatches(E, G, N); };
    if (std::any_of(G.Nodes.begin(), G.Nodes.end(), Hit))
      continue;
    if (E.K == EntryRule::Exported) {
      Out.push_back({E.Site, E.Value.empty()
          ? "entry exported: true matches no definition: nothing has external linkage and default "
            "visibility (built with -fvisibility=hidden and no visibility(\"default\") API?)"
          : "entry exported: true with header " + quoted(E.Value) +
            " matches no exported definition declared there"});
      continue;
    }
    bool ByName = E.K == EntryRule::Function || E.K == EntryRule::RegisteredBy;
    std::string What = E.K == EntryRule::Function ? "" : std::string(E.kindName()) + " ";
    Out.push_back({E.Site, "entry " + What + quoted(E.Value) + " matches no " +
                               (E.K == EntryRule::RegisteredBy ? "registration" : "definition") +
                               (ByName ? suggestion(Names, E.Value) : "")});
  }
  for (const KeepRule &K : R.Keep) {
    bool Hit = std::any_of(G.Nodes.begin(), G.Nodes.end(), [&](const Node &N) {
      return N.Project && (N.Name == K.Symbol || N.Usr == K.Symbol);
    });
    if (!Hit)
      Out.push_back({K.Site, "keep " + quoted(K.Symbol) + " matches no definition" +
                                 suggestion(Names, K.Symbol)});
  }
  for (auto [Key, List] : {std::pair{"tests", &R.TestGlobs}, std::pair{"exclude", &R.ExcludeGlobs},
                           std::pair{"vendor", &R.VendorGlobs}})
    for (const PathRule &P : *List)
      if (!anyFileMatches(P.Glob, Files))
        Out.push_back({P.Site, std::string(Key) + " path " + quoted(P.Glob) + " matches no file"});
  return Out;
}

std::string didYouMean(const Graph &G, const std::string &Wanted) {
  return suggestion(projectNames(G), Wanted);
}

std::string formatUnmatched(const Rules &R, const UnmatchedRule &U, const char *Severity) {
  std::string Where = R.File.empty() ? "reach-audit (default rules: no reach.yaml found)" : R.File;
  if (!R.File.empty() && U.Site.Line)
    Where += ":" + std::to_string(U.Site.Line) + ":" + std::to_string(U.Site.Column);
  return Where + ": " + Severity + ": " + U.Message;
}

} // namespace reach
