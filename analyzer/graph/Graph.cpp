#include "graph/Graph.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/DenseSet.h"

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

namespace reach {

namespace {

std::string definitionSite(const Node &N) {
  return N.Where.File.str() + ':' + std::to_string(N.Where.Offset);
}

/// USRs defined at more than one place. Inline functions and templates seen
/// in many TUs share one definition site; two sites for one USR are two
/// programs of the build (each tool's `main`, a function every test binary
/// defines), which the one-definition rule says never link together.
std::unordered_set<std::string> usrsDefinedTwice(const std::vector<TUSummary> &TUs) {
  struct Site {
    std::string_view File;
    unsigned Offset;
  };
  std::unordered_map<std::string_view, Site> FirstSite; // views into TUs, which outlive the map
  std::unordered_set<std::string> Twice;
  size_t Nodes = 0;
  for (const TUSummary &TU : TUs)
    Nodes += TU.Nodes.size();
  FirstSite.reserve(Nodes);
  for (const TUSummary &TU : TUs)
    for (const Node &N : TU.Nodes) {
      auto [It, New] = FirstSite.try_emplace(N.Usr, Site{N.Where.File.str(), N.Where.Offset});
      if (!New && (It->second.File != N.Where.File || It->second.Offset != N.Where.Offset))
        Twice.insert(N.Usr);
    }
  return Twice;
}

} // namespace

namespace {

/// The phases of link: nodes (one per USR, or one per place for a USR
/// defined at several), then parents, then edges resolved per TU.
class Linker {
public:
  explicit Linker(std::vector<TUSummary> &TUs) : TUs(TUs), Twice(usrsDefinedTwice(TUs)), Own(TUs.size()) {}

  Graph run() {
    size_t Nodes = 0;
    for (const TUSummary &TU : TUs)
      Nodes += TU.Nodes.size();
    G.Nodes.reserve(Nodes);
    G.ByUsr = Graph::UsrMap(unsigned(Nodes));
    for (size_t T = 0; T < TUs.size(); ++T)
      addNodes(T);
    mergeAliasedRedeclarations();
    size_t N = G.Nodes.size();
    G.Out.resize(N);
    G.Virtual.resize(N);
    G.ParentClass.assign(N, -1);
    for (size_t I = 0; I < N; ++I)
      if (auto P = parentOf(G.Nodes[I]))
        G.ParentClass[I] = int(*P);
    for (size_t T = 0; T < TUs.size(); ++T)
      addEdges(T);
    G.Places = std::move(Alternatives);
    return std::move(G);
  }

private:
  /// TU T's nodes, files and redeclarations. A USR defined at several
  /// places becomes one node per place, keyed "USR@file"; references
  /// resolve to the referring TU's own definition, or to every definition
  /// when the TU has none (never a false "dead").
  void addNodes(size_t T) {
    TUSummary &TU = TUs[T];
    for (Node &Each : TU.Nodes) {
      Node N = TU.Failed ? Each : std::move(Each); // a failed TU's facts are read again later
      if (Twice.count(N.Usr)) {
        std::string Usr = N.Usr;
        N.Usr += '@' + N.Where.File.str();
        auto [It, New] = G.ByUsr.try_emplace(N.Usr, unsigned(G.Nodes.size()));
        Own[T].try_emplace(Usr, It->second);
        if (New) {
          Alternatives[Usr].push_back(It->second);
          G.Nodes.push_back(std::move(N));
        }
        continue;
      }
      auto [It, New] = G.ByUsr.try_emplace(N.Usr, unsigned(G.Nodes.size()));
      if (!New) {
        mergeDefinitionFacts(G.Nodes[It->second], N); // seen in another TU (inline, header)
      } else if (auto Same = sameFunctionOtherLanguage(N, It->second)) {
        It->second = *Same; // the other name of a node there is
        mergeDefinitionFacts(G.Nodes[*Same], N);
        AliasOf[N.Usr] = G.Nodes[*Same].Usr;
      } else {
        G.Nodes.push_back(std::move(N));
      }
    }
    if (!TU.Failed)
      std::vector<Node>().swap(TU.Nodes);
    G.FilesBuilt.insert(TU.FilesSeen.begin(), TU.FilesSeen.end());
    for (const Redeclaration &R : TU.Redeclarations) {
      auto &List = G.Redeclarations[R.Usr];
      bool Seen = std::any_of(List.begin(), List.end(), [&](const Redeclaration &O) {
        return O.RangeBegin.File == R.RangeBegin.File && O.RangeBegin.Offset == R.RangeBegin.Offset;
      });
      if (!Seen)
        List.push_back(R);
    }
  }

  /// N's class: of a class defined at several places, the one in N's file.
  std::optional<unsigned> parentOf(const Node &N) const {
    if (N.Parent.empty())
      return std::nullopt;
    if (auto P = G.find(N.Parent))
      return P;
    return G.find(N.Parent + '@' + N.Where.File);
  }

  /// A header's function compiled by C and by C++ TUs has two USRs, the
  /// C one ("c:h.h@F@twice") and the C++ one with its parameter types
  /// ("c:h.h@F@twice#I#"), at one definition site: one node, or a call
  /// from C would leave the C++ name's node dead and fix would delete the
  /// text both share. The node already there under the other name, if any;
  /// else N (to be node Id) is remembered.
  /// Only free functions at global scope can have both names ("c:FILE@F@f",
  /// no class or namespace before the @F@), so only they are remembered.
  std::optional<unsigned> sameFunctionOtherLanguage(const Node &N, unsigned Id) {
    const size_t Hash = N.Usr.find('#');
    const std::string_view Stem = std::string_view(N.Usr).substr(0, Hash);
    if (Stem.find('@') == std::string_view::npos || Stem.find('@') != Stem.find("@F@"))
      return std::nullopt;
    const bool CName = Hash == std::string::npos;
    const std::string Key = std::string(Stem) + '\x1f' + definitionSite(N);
    auto &Mine = CName ? CNames : CxxNames, &Other = CName ? CxxNames : CNames;
    if (auto It = Other.find(Key); It != Other.end())
      return It->second;
    Mine.try_emplace(Key, Id);
    return std::nullopt;
  }

  /// An aliased USR's declarations are its node's.
  void mergeAliasedRedeclarations() {
    for (const auto &[Alias, Usr] : AliasOf) {
      auto It = G.Redeclarations.find(Alias);
      if (It == G.Redeclarations.end())
        continue;
      auto &List = G.Redeclarations[Usr];
      for (const Redeclaration &R : It->second)
        if (std::none_of(List.begin(), List.end(), [&](const Redeclaration &O) {
              return O.RangeBegin.File == R.RangeBegin.File && O.RangeBegin.Offset == R.RangeBegin.Offset;
            }))
          List.push_back(R);
    }
  }

  /// The nodes a USR means in TU T: its own definition of a USR defined at
  /// several places, else every one. A view of Alternatives or of One.
  llvm::ArrayRef<unsigned> resolve(size_t T, const std::string &Usr, unsigned &One) const {
    if (auto Id = G.ByUsr.find(Usr); Id != G.ByUsr.end()) { // one place (a USR at several is keyed USR@file)
      One = Id->second;
      return One;
    }
    auto Alt = Alternatives.find(Usr);
    if (Alt == Alternatives.end())
      return {}; // a declaration without a definition anywhere (library)
    if (auto Mine = Own[T].find(Usr); Mine != Own[T].end()) {
      One = Mine->second;
      return One;
    }
    return Alt->second;
  }

  /// TU T's edges (dispatched calls apart, for RTA), overrides and
  /// registrations, each once.
  void addEdges(size_t T) {
    TUSummary &TU = TUs[T];
    unsigned OneFrom = 0, OneTo = 0;
    for (const Edge &E : TU.Edges)
      for (unsigned From : resolve(T, E.From, OneFrom)) {
        if (E.Kind == EdgeKind::VirtualCall) {
          if (VirtualSeen.insert(std::to_string(From) + '\x1f' + E.To).second)
            G.Virtual[From].push_back({E.To, E.Site});
          continue;
        }
        for (unsigned To : resolve(T, E.To, OneTo)) {
          uint64_t Key = (uint64_t(From) << 32) | (uint64_t(To) << 4) | uint64_t(E.Kind);
          if (EdgeSeen.insert(Key).second)
            G.Out[From].push_back({To, E.Kind, E.Site});
        }
      }
    for (const OverrideInfo &O : TU.Overrides)
      if (OverrideSeen.insert(O.Overridden + '\x1f' + O.Method).second)
        G.Overriders[O.Overridden].push_back(O.Method);
    G.Registrations.insert(G.Registrations.end(), TU.Registrations.begin(), TU.Registrations.end());
    if (!TU.Failed) { // all in G now
      std::vector<Edge>().swap(TU.Edges);
      std::vector<OverrideInfo>().swap(TU.Overrides);
      std::vector<Registration>().swap(TU.Registrations);
      std::vector<Redeclaration>().swap(TU.Redeclarations);
      std::vector<ClassInfo>().swap(TU.Classes); // what extraction and dedup needed
    }
  }

  std::vector<TUSummary> &TUs;
  const std::unordered_set<std::string> Twice; // USRs defined at several places
  Graph G;
  std::unordered_map<std::string, std::vector<unsigned>> Alternatives; // USR -> its nodes
  std::vector<std::unordered_map<std::string, unsigned>> Own; // per TU: its node of each such USR
  std::unordered_map<std::string, unsigned> CNames, CxxNames; // function USR stem + site -> node
  std::unordered_map<std::string, std::string> AliasOf;       // a C or C++ USR -> its node's USR
  llvm::DenseSet<uint64_t> EdgeSeen; // open addressing: no allocation per edge
  std::unordered_set<std::string> VirtualSeen, OverrideSeen;
};

static_assert(int(EdgeKind::Instance) < 16, "edge keys give the kind four bits");

} // namespace

Graph link(std::vector<TUSummary> &TUs) { return Linker(TUs).run(); }

std::vector<unsigned> Graph::implementations(const std::string &Method) const {
  std::vector<unsigned> R;
  std::unordered_set<std::string> Seen{Method};
  std::vector<std::string> Work{Method};
  while (!Work.empty()) {
    std::string M = std::move(Work.back());
    Work.pop_back();
    if (auto Id = find(M))
      R.push_back(*Id);
    else if (auto P = Places.find(M); P != Places.end())
      R.insert(R.end(), P->second.begin(), P->second.end());
    auto It = Overriders.find(M);
    if (It == Overriders.end())
      continue;
    for (const std::string &O : It->second)
      if (Seen.insert(O).second)
        Work.push_back(O);
  }
  return R;
}

} // namespace reach
