#include "graph/Analysis.h"
#include "graph/InactiveUses.h"

#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <unordered_set>

namespace reach {

const char *toString(Status S) {
  switch (S) {
  case Status::Live: return "live";
  case Status::TestOnly: return "test-only";
  case Status::Dead: return "dead";
  case Status::Unknown: return "unknown";
  case Status::Orphaned: return "orphaned";
  case Status::UnbuiltHere: return "unbuilt-here";
  }
  return "?";
}

size_t Analysis::count(Status S) const {
  return std::count_if(Symbols.begin(), Symbols.end(),
                       [&](const SymbolVerdict &V) { return V.S == S && !V.Vendored; });
}
size_t Analysis::vendoredCount(Status S) const {
  return std::count_if(Symbols.begin(), Symbols.end(),
                       [&](const SymbolVerdict &V) { return V.S == S && V.Vendored; });
}

std::vector<std::string> Analysis::whyPath(const SymbolVerdict &V) const {
  std::vector<std::string> Names;
  if (V.S != Status::Live && V.S != Status::TestOnly)
    return Names;
  for (unsigned I : (V.S == Status::Live ? Prod : Test).path(V.Via))
    Names.push_back(G.Nodes[I].Name);
  return Names;
}

size_t Analysis::orphanCount() const {
  return std::count_if(Files.begin(), Files.end(),
                       [](const FileVerdict &F) { return F.S == Status::Orphaned && !F.Vendored; });
}

namespace {

/// Lower is better: the best verdict of a file's definitions is its verdict.
int rank(Status S) {
  switch (S) {
  case Status::Live: return 0;
  case Status::TestOnly: return 1;
  case Status::Unknown: return 2;
  case Status::UnbuiltHere: return 2;
  case Status::Dead: return 3;
  case Status::Orphaned: return 4;
  }
  return 5;
}

bool reported(const Node &N) { return N.Project && !N.Implicit && !N.Where.File.empty(); }

/// Every project file a TU read (main files included) and every orphan.
std::vector<std::string> projectFiles(const AnalysisInput &In) {
  std::vector<std::string> Files(In.Built.begin(), In.Built.end());
  Files.insert(Files.end(), In.Orphans.begin(), In.Orphans.end());
  return Files;
}

/// The program's roots: production entry points (with the rule that made
/// each one) and test roots.
struct Roots {
  std::vector<unsigned> Prod, Test;
  std::vector<EntryPoint> Entries;
  std::vector<std::string> InlineKeepErrors;
};

/// Entry rules, keeps and inline keeps on definitions outside test files;
/// every definition in a test file is a test root.
void rootsFromRules(const Graph &G, const Rules &R, const std::vector<char> &InTests, Roots &Out,
                    const std::function<void(unsigned, const std::string &)> &AddEntry) {
  for (unsigned I = 0; I < G.Nodes.size(); ++I) {
    const Node &N = G.Nodes[I];
    if (!N.Project)
      continue;
    if (InTests[I]) {
      Out.Test.push_back(I); // test files' definitions and initializers
      continue;
    }
    for (const EntryRule &E : R.Entries) // registered-by: resolved below
      if (E.K != EntryRule::RegisteredBy && entryMatches(E, G, N))
        AddEntry(I, E.kindName());
    for (const KeepRule &K : R.Keep)
      if (N.Name == K.Symbol || N.Usr == K.Symbol)
        AddEntry(I, "keep");
    if (N.InlineKeep && !N.InlineKeepReason.empty())
      AddEntry(I, "inline keep: " + N.InlineKeepReason);
    else if (N.InlineKeep)
      Out.InlineKeepErrors.push_back(N.Where.File + ":" + std::to_string(N.Where.Line) +
                                     ": error: `// reach: keep()` on '" + N.Name +
                                     "' needs a reason: `// reach: keep(why it stays)`");
  }
  for (const Registration &Reg : G.Registrations)
    for (const EntryRule &E : R.Entries)
      if (E.K == EntryRule::RegisteredBy && E.Value == Reg.Callee)
        if (auto Id = G.find(Reg.Target); Id && !InTests[*Id])
          AddEntry(*Id, "registered-by");
}

Roots findRoots(const Graph &G, const Rules &R) {
  Roots Out;
  std::vector<char> IsRoot(G.Nodes.size(), 0), InTests(G.Nodes.size(), 0);
  auto AddEntry = [&](unsigned Id, const std::string &Rule) {
    if (IsRoot[Id])
      return;
    IsRoot[Id] = 1;
    Out.Prod.push_back(Id);
    Out.Entries.push_back({Id, Rule});
  };
  for (unsigned I = 0; I < G.Nodes.size(); ++I)
    InTests[I] = G.Nodes[I].Project && R.isTestFile(G.Nodes[I].Where.File);
  rootsFromRules(G, R, InTests, Out, AddEntry);
  // Dynamic initializers run at start-up, in production and test binaries;
  // so do constructor-attribute functions, and the toolchain keeps `used`
  // ones whatever the program calls.
  for (unsigned I = 0; I < G.Nodes.size(); ++I) {
    const Node &N = G.Nodes[I];
    if (!N.Project || InTests[I])
      continue;
    if (N.DynamicInit || !N.ToolchainRoot.empty()) {
      AddEntry(I, N.DynamicInit ? "dynamic-initializer" : N.ToolchainRoot);
      Out.Test.push_back(I);
    }
  }
  return Out;
}

/// What failed translation units define or reference, by USR and by file:
/// not called dead, since their code was never read whole.
struct FailedTUs {
  std::unordered_set<std::string> Touched;
  std::set<std::string> TouchedFiles;
};

FailedTUs recordFailures(const std::vector<TUSummary> &TUs, Analysis &A) {
  FailedTUs F;
  for (const TUSummary &TU : TUs) {
    if (TU.HeaderErrors)
      A.HeaderErrors.push_back({TU.MainFile, TU.FirstHeaderError});
    if (!TU.Failed)
      continue;
    A.Failures.push_back({TU.MainFile, TU.FirstError, TU.Errors});
    for (const Node &N : TU.Nodes) F.Touched.insert(N.Usr);
    for (const Edge &E : TU.Edges) F.Touched.insert(E.To);
    for (const std::string &File : TU.FilesSeen) F.TouchedFiles.insert(File);
  }
  return F;
}

/// The files that declare or define N: where a use of it can see it.
std::vector<std::string> declaringFiles(const Graph &G, const Node &N) {
  std::vector<std::string> Files{N.Where.File};
  if (auto It = G.Redeclarations.find(N.Usr); It != G.Redeclarations.end())
    for (const Redeclaration &R : It->second)
      Files.push_back(R.RangeBegin.File);
  return Files;
}

/// What only Unknown code reaches is Unknown too: where that code is live
/// (the other configuration), so is what it calls; deleting it would break
/// that build. The why names the caller and the reason it is unknown.
void spreadUnknown(const Graph &G, std::vector<Status> &St, std::vector<std::string> &UnknownWhy) {
  std::vector<unsigned> Work;
  std::vector<std::string> RootWhy(G.Nodes.size());
  for (unsigned I = 0; I < G.Nodes.size(); ++I)
    if (St[I] == Status::Unknown) {
      Work.push_back(I);
      RootWhy[I] = UnknownWhy[I];
    }
  auto Reach = [&](unsigned From, unsigned To) {
    if (St[To] != Status::Dead)
      return;
    St[To] = Status::Unknown;
    RootWhy[To] = RootWhy[From];
    UnknownWhy[To] = "reached only from '" + G.Nodes[From].Name + "', which is unknown: " + RootWhy[From];
    Work.push_back(To);
  };
  while (!Work.empty()) {
    const unsigned I = Work.back();
    Work.pop_back();
    for (const GraphEdge &E : G.Out[I])
      Reach(I, E.To);
    for (const VirtualSite &V : G.Virtual[I])
      for (unsigned Impl : G.implementations(V.Method))
        Reach(I, Impl);
  }
}

/// Each node's status; a class is as alive as its best member (BestMember
/// names it, for the class's `why`), or its own instantiation. What is not
/// reached but may be used where this analysis cannot see is Unknown, not
/// dead (UnknownWhy says why).
std::vector<Status> nodeStatuses(const Analysis &A, const FailedTUs &Failed, const InactiveUses &Inactive,
                                 std::vector<int> &BestMember, std::vector<std::string> &UnknownWhy) {
  const Graph &G = A.G;
  std::vector<Status> St(G.Nodes.size(), Status::Dead);
  UnknownWhy.assign(G.Nodes.size(), "");
  for (unsigned I = 0; I < G.Nodes.size(); ++I) {
    const Node &N = G.Nodes[I];
    if (A.Prod.reached(I)) St[I] = Status::Live;
    else if (A.Test.reached(I)) St[I] = Status::TestOnly;
    else if (Failed.Touched.count(N.Usr) || Failed.TouchedFiles.count(N.Where.File))
      UnknownWhy[I] = "a translation unit that uses it did not compile";
    else if (N.Project)
      UnknownWhy[I] = Inactive.whyUsed(N, declaringFiles(G, N));
    if (!UnknownWhy[I].empty())
      St[I] = Status::Unknown;
  }
  spreadUnknown(G, St, UnknownWhy);
  BestMember.assign(G.Nodes.size(), -1);
  for (unsigned I = 0; I < G.Nodes.size(); ++I)
    if (int C = G.ParentClass[I]; C >= 0 && rank(St[I]) < rank(St[C])) {
      St[C] = St[I];
      BestMember[C] = int(I);
    }
  return St;
}

void keepBest(std::map<std::string, Status> &Files, const std::string &F, Status S) {
  auto [It, New] = Files.try_emplace(F, S);
  if (!New && rank(S) < rank(It->second))
    It->second = S;
}

/// The reported definitions' verdicts (with the path that keeps each alive),
/// and each file's status: the best of its definitions'.
std::map<std::string, Status> symbolVerdicts(Analysis &A, const Rules &R, const std::vector<Status> &St,
                                             const std::vector<int> &BestMember,
                                             const std::vector<std::string> &UnknownWhy) {
  const Graph &G = A.G;
  std::map<std::string, Status> FileStatus;
  for (unsigned I = 0; I < G.Nodes.size(); ++I) {
    const Node &N = G.Nodes[I];
    if (!reported(N) || R.isExcluded(N.Where.File))
      continue;
    unsigned Via = BestMember[I] >= 0 ? unsigned(BestMember[I]) : I;
    SymbolVerdict V{I, St[I], Via, R.isVendored(N.Where.File)};
    if (St[I] == Status::Unknown)
      V.UnknownWhy = UnknownWhy[Via];
    A.Symbols.push_back(std::move(V));
    keepBest(FileStatus, N.Where.File, St[I]);
  }
  std::sort(A.Symbols.begin(), A.Symbols.end(), [&](const SymbolVerdict &X, const SymbolVerdict &Y) {
    const Node &NX = G.Nodes[X.Id], &NY = G.Nodes[Y.Id];
    return std::tie(NX.Where.File, NX.Where.Line, NX.Where.Column, NX.Name) <
           std::tie(NY.Where.File, NY.Where.Line, NY.Where.Column, NY.Name);
  });
  return FileStatus;
}

/// File verdicts: a file without definitions (declarations only) is as
/// alive as the best translation unit that includes it; orphans last.
void fileVerdicts(Analysis &A, const AnalysisInput &In, const InactiveUses &Inactive,
                  std::map<std::string, Status> FileStatus) {
  std::map<std::string, Status> Inherited;
  for (const TUSummary &TU : In.TUs) {
    std::string Main = TU.MainFile;
    if (Main.rfind(A.Root + "/", 0) == 0)
      Main = Main.substr(A.Root.size() + 1);
    auto MS = FileStatus.find(Main);
    Status S = MS != FileStatus.end() ? MS->second : Status::Live;
    if (TU.Failed)
      S = Status::Unknown;
    for (const std::string &F : TU.FilesSeen)
      if (!FileStatus.count(F))
        keepBest(Inherited, F, S);
  }
  for (auto &[F, S] : Inherited)
    FileStatus.try_emplace(F, S);
  std::map<std::string, std::string> Unbuilt; // orphan -> what names it
  for (const std::string &O : In.Orphans) {
    if (In.R.isExcluded(O))
      continue;
    std::string Why = In.NamedByBuild.count(O) ? In.NamedByBuild.at(O) : Inactive.whyIncluded(O);
    FileStatus.try_emplace(O, Why.empty() ? Status::Orphaned : Status::UnbuiltHere);
    if (!Why.empty())
      Unbuilt[O] = Why;
  }
  for (auto &[Path, S] : FileStatus)
    if (!In.R.isExcluded(Path))
      A.Files.push_back({Path, S, In.R.isVendored(Path), Unbuilt.count(Path) ? Unbuilt[Path] : ""});
}

/// Every #include in the project's files, once (headers are read by many TUs).
std::vector<IncludeSite> includeSites(const std::vector<TUSummary> &TUs) {
  std::vector<IncludeSite> All;
  for (const TUSummary &TU : TUs)
    All.insert(All.end(), TU.Includes.begin(), TU.Includes.end());
  auto Key = [](const IncludeSite &S) { return std::tie(S.From, S.Line, S.Target); };
  std::sort(All.begin(), All.end(), [&](const IncludeSite &X, const IncludeSite &Y) { return Key(X) < Key(Y); });
  All.erase(std::unique(All.begin(), All.end(), [&](const IncludeSite &X, const IncludeSite &Y) { return Key(X) == Key(Y); }),
            All.end());
  return All;
}

} // namespace

/// With several configurations: for each USR, the configurations whose own
/// production entries reach it over their own TUs' edges (each
/// configuration linked alone, from copies: link consumes its TUs).
static std::map<std::string, uint64_t> reachedPerConfiguration(const AnalysisInput &In) {
  std::map<std::string, uint64_t> Out;
  if (In.Configurations.size() < 2 || In.TUConfiguration.size() != In.TUs.size())
    return Out;
  for (size_t K = 0; K < In.Configurations.size(); ++K) {
    std::vector<TUSummary> Mine;
    for (size_t T = 0; T < In.TUs.size(); ++T)
      if (In.TUConfiguration[T] == K)
        Mine.push_back(In.TUs[T]);
    const Graph G = link(Mine);
    const Reach R = computeReach(G, findRoots(G, In.R).Prod);
    for (unsigned Id = 0; Id < G.Nodes.size(); ++Id)
      if (R.reached(Id))
        Out[G.Nodes[Id].Usr] |= uint64_t(1) << K;
  }
  return Out;
}

Analysis analyze(AnalysisInput In) {
  Analysis A;
  A.Root = In.Root;
  A.TranslationUnits = In.TUs.size();
  A.ReachedIn = reachedPerConfiguration(In); // before In's fields move out
  A.Configurations = std::move(In.Configurations);
  A.DefinedIn = std::move(In.DefinedIn);
  A.G = In.Linked ? std::move(*In.Linked) : link(In.TUs);
  Roots R = findRoots(A.G, In.R);
  A.Entries = std::move(R.Entries);
  A.InlineKeepErrors = std::move(R.InlineKeepErrors);
  A.RulesUsed = In.R;
  A.Unmatched = unmatchedRules(In.R, A.G, projectFiles(In));
  A.Prod = computeReach(A.G, R.Prod);
  A.Test = computeReach(A.G, R.Test);
  FailedTUs Failed = recordFailures(In.TUs, A);
  InactiveUses Inactive(In.TUs, In.Root);
  std::vector<int> BestMember;
  std::vector<std::string> UnknownWhy;
  std::vector<Status> St = nodeStatuses(A, Failed, Inactive, BestMember, UnknownWhy);
  fileVerdicts(A, In, Inactive, symbolVerdicts(A, In.R, St, BestMember, UnknownWhy));
  A.Includes = includeSites(In.TUs);
  return A;
}

} // namespace reach
