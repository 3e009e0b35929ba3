#include "report/SarifReport.h"

#include <nlohmann/json.hpp>

namespace reach {

using nlohmann::json;

namespace {

struct RuleText {
  const char *Name, *Short, *Full, *Level, *Help;
};

RuleText ruleText(FindingKind K) {
  switch (K) {
  case FindingKind::Dead:
    return {"DeadCode", "Dead code",
            "A definition that no production entry point and no test reaches. Delete it, or "
            "declare the entry point that uses it in reach.yaml.",
            "warning",
            "Delete it (`reach-audit fix --symbol NAME` removes it with its declarations), or, if something outside this build uses it (a plugin, another configuration), declare that in reach.yaml (`keep:` with a reason, or an `entries:` rule). `reach-audit why NAME` shows what mentions it."};
  case FindingKind::TestOnly:
    return {"TestOnlyInProduction", "Test-only code in production sources",
            "A definition in a production file that only tests reach. Move it to the tests or "
            "delete it with the tests that use it.",
            "warning",
            "Move it next to the tests, or delete it together with the tests that use it (`reach-audit blast NAME` lists them). If production code should call it, the missing call is the bug."};
  case FindingKind::Orphaned:
    return {"OrphanedFile", "Orphaned source file",
            "A source file under the root that no compile command builds and no built file "
            "includes.",
            "warning",
            "Delete the file if nothing needs it; if another configuration builds it, scan with that configuration's compile database too, or add it to `exclude:` in reach.yaml."};
  case FindingKind::Forbidden:
    return {"ForbiddenReference", "Reference forbidden by a policy",
            "A reference from a definition in a 'from' file to one in a 'to' file of a forbid "
            "policy in reach.yaml.",
            "error",
            "Remove the reference, or change the policy in reach.yaml if the dependency is intended. `reach-audit why NAME` shows the path."};
  case FindingKind::SingleImplementation:
    return {"SingleImplementation", "More than one live implementation",
            "A single-implementation policy in reach.yaml allows one live implementation of the "
            "base class per group; this is one of several.",
            "error",
            "Keep one implementation live and delete the others (`reach-audit blast NAME` shows what each takes along), or declare them instruction-set variants in the policy."};
  }
  return {"", "", "", "warning", ""};
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

/// The run's invocation: TUs that did not compile are error notifications.
json invocation(const std::vector<TUFailure> &Failures, const std::string &Root) {
  json Notes = json::array();
  auto Relative = [&](std::string S) { // paths as the results give them
    for (size_t P; (P = S.find(Root + "/")) != std::string::npos;)
      S.erase(P, Root.size() + 1);
    return S;
  };
  for (const TUFailure &T : Failures) {
    std::string File = Relative(T.File);
    Notes.push_back({{"level", "error"},
                     {"message", {{"text", File + " does not compile: " + Relative(T.Error) +
                                               "; what it uses is reported as unknown, not dead"}}},
                     {"locations",
                      json::array({{{"physicalLocation",
                                     {{"artifactLocation", {{"uri", fileUri(File)}, {"uriBaseId", "ROOT"}}}}}}})}});
  }
  json I = {{"executionSuccessful", Failures.empty()}};
  if (!Notes.empty())
    I["toolExecutionNotifications"] = Notes;
  return I;
}

} // namespace

std::string renderSarif(const std::vector<Finding> &F, const std::string &Root,
                        const std::vector<TUFailure> &Failures, const std::set<std::string> *Baseline) {
  json Rules = json::array();
  for (FindingKind K : AllFindingKinds) {
    RuleText T = ruleText(K);
    Rules.push_back({{"id", std::string("reach/") + toString(K)},
                     {"name", T.Name},
                     {"shortDescription", {{"text", T.Short}}},
                     {"fullDescription", {{"text", T.Full}}},
                     {"help", {{"text", T.Help}}},
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
                  {"version", REACH_VERSION},
                  {"semanticVersion", REACH_VERSION},
                  {"informationUri", REACH_INFORMATION_URI},
                  {"rules", Rules}}}}},
              {"invocations", json::array({invocation(Failures, Root)})},
              {"originalUriBaseIds", {{"ROOT", {{"uri", "file://" + fileUri(Root) + "/"}}}}},
              {"results", Results}};
  json Log = {{"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
              {"version", "2.1.0"},
              {"runs", json::array({Run})}};
  return Log.dump(2) + "\n";
}

} // namespace reach
