#include "check/Findings.h"
#include "check/Policies.h"

#include <algorithm>
#include <tuple>

namespace reach {

const FindingKind AllFindingKinds[5] = {FindingKind::Dead, FindingKind::TestOnly,
                                        FindingKind::Orphaned, FindingKind::Forbidden,
                                        FindingKind::SingleImplementation};

const char *toString(FindingKind K) {
  switch (K) {
  case FindingKind::Dead: return "dead-code";
  case FindingKind::TestOnly: return "test-only-in-production";
  case FindingKind::Orphaned: return "orphaned-file";
  case FindingKind::Forbidden: return "forbidden-reference";
  case FindingKind::SingleImplementation: return "single-implementation";
  }
  return "?";
}

std::optional<std::vector<Finding>> collectFindings(const Analysis &A, const Rules &R,
                                                    std::string &Error) {
  std::vector<Finding> F;
  for (const SymbolVerdict &V : A.Symbols) {
    const Node &N = A.G.Nodes[V.Id];
    if (V.Vendored) // a vendored library's unused parts are not the project's findings
      continue;
    // Test-only code inside test files is what tests are; in production
    // files it is code production does not need.
    bool TestOnlyInProd = V.S == Status::TestOnly && !R.isTestFile(N.Where.File);
    if (V.S != Status::Dead && !TestOnlyInProd)
      continue;
    FindingKind K = V.S == Status::Dead ? FindingKind::Dead : FindingKind::TestOnly;
    std::string Msg = std::string(toString(N.Kind)) + " '" + N.Name + "' " +
                      (K == FindingKind::Dead ? "is dead: no entry point and no test reaches it"
                                              : "is reached only from tests");
    F.push_back({K, "usr:" + N.Usr, N.Name, N.Where.File, N.Where.Line, N.Where.Column,
                 std::max(N.RangeEnd.Line, N.Where.Line), Msg});
  }
  for (const FileVerdict &FV : A.Files)
    if (FV.S == Status::Orphaned && !FV.Vendored)
      F.push_back({FindingKind::Orphaned, "file:" + FV.Path, FV.Path, FV.Path, 1, 1, 1,
                   "file '" + FV.Path + "' is built by no compile command"});
  if (!evaluatePolicies(A, R, F, Error))
    return std::nullopt;
  std::stable_sort(F.begin(), F.end(), [](const Finding &X, const Finding &Y) {
    return std::tie(X.File, X.Line, X.Key) < std::tie(Y.File, Y.Line, Y.Key);
  });
  return F;
}

} // namespace reach
