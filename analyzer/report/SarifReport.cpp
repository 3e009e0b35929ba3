#include "report/SarifReport.h"

#include <nlohmann/json.hpp>

namespace reach {

using nlohmann::json;

namespace {

struct RuleText {
  const char *Name, *Short, *Full, *Level;
};

RuleText ruleText(FindingKind K) {
  switch (K) {
  case FindingKind::Dead:
    return {"DeadCode", "Dead code",
            "A definition that no production entry point and no test reaches. Delete it, or "
            "declare the entry point that uses it in reach.yaml.",
            "warning"};
  case FindingKind::TestOnly:
    return {"TestOnlyInProduction", "Test-only code in production sources",
            "A definition in a production file that only tests reach. Move it to the tests or "
            "delete it with the tests that use it.",
            "warning"};
  case FindingKind::Orphaned:
    return {"OrphanedFile", "Orphaned source file",
            "A source file under the root that no compile command builds and no built file "
            "includes.",
            "warning"};
  case FindingKind::Forbidden:
    return {"ForbiddenReference", "Reference forbidden by a policy",
            "A reference from a definition in a 'from' file to one in a 'to' file of a forbid "
            "policy in reach.yaml.",
            "error"};
  case FindingKind::SingleImplementation:
    return {"SingleImplementation", "More than one live implementation",
            "A single-implementation policy in reach.yaml allows one live implementation of the "
            "base class per group; this is one of several.",
            "error"};
  }
  return {"", "", "", "warning"};
}

std::string fileUri(std::string Path) {
  // Percent-encode what a URI may not hold raw; keep '/' as separator.
  std::string R;
  static const char *Hex = "0123456789ABCDEF";
  for (unsigned char C : Path) {
    if (isalnum(C) || std::string_view("-._~/").find(char(C)) != std::string_view::npos)
      R += char(C);
    else {
      R += '%';
      R += Hex[C >> 4];
      R += Hex[C & 15];
    }
  }
  return R;
}

} // namespace

std::string renderSarif(const std::vector<Finding> &F, const std::string &Root,
                        const std::set<std::string> *Baseline) {
  json Rules = json::array();
  for (FindingKind K : AllFindingKinds) {
    RuleText T = ruleText(K);
    Rules.push_back({{"id", std::string("reach/") + toString(K)},
                     {"name", T.Name},
                     {"shortDescription", {{"text", T.Short}}},
                     {"fullDescription", {{"text", T.Full}}},
                     {"defaultConfiguration", {{"level", T.Level}}}});
  }
  json Results = json::array();
  for (const Finding &X : F) {
    json Region = {{"startLine", std::max(1u, X.Line)}};
    if (X.Column)
      Region["startColumn"] = X.Column;
    if (X.EndLine > X.Line)
      Region["endLine"] = X.EndLine;
    json R = {{"ruleId", std::string("reach/") + toString(X.Kind)},
              {"ruleIndex", int(X.Kind)},
              {"level", ruleText(X.Kind).Level},
              {"message", {{"text", X.Message}}},
              {"locations",
               json::array({{{"physicalLocation",
                              {{"artifactLocation", {{"uri", fileUri(X.File)}, {"uriBaseId", "ROOT"}}},
                               {"region", Region}}}}})},
              {"partialFingerprints", {{"reachKey/v1", X.Key}}}};
    if (Baseline)
      R["baselineState"] = Baseline->count(X.Key) ? "unchanged" : "new";
    Results.push_back(R);
  }
  json Run = {{"tool",
               {{"driver",
                 {{"name", "reach-audit"},
                  {"semanticVersion", "1.0.0"},
                  {"rules", Rules}}}}},
              {"originalUriBaseIds", {{"ROOT", {{"uri", "file://" + fileUri(Root) + "/"}}}}},
              {"results", Results}};
  json Log = {{"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
              {"version", "2.1.0"},
              {"runs", json::array({Run})}};
  return Log.dump(2) + "\n";
}

} // namespace reach
