#include "check/Policies.h"

#include "graph/SymbolLookup.h"

#include "llvm/Support/GlobPattern.h"

#include <algorithm>
#include <map>
#include <set>

namespace reach {

std::string implementationGroup(const std::string &Per, const std::string &File) {
  if (Per.empty())
    return "";
  std::vector<std::string> Parts;
  for (size_t B = 0, E; B <= File.size(); B = E + 1) {
    E = File.find('/', B);
    if (E == std::string::npos)
      E = File.size();
    Parts.push_back(File.substr(B, E - B));
  }
  std::string Folder = File.rfind('/') == std::string::npos ? "." : File.substr(0, File.rfind('/'));
  if (Per == "backend")
    for (size_t I = Parts.size(); I-- > 0;)
      if (Parts[I] == "kernels" && I + 2 < Parts.size()) // kernels/<backend>/<...file>
        return Parts[I + 1];
  return Folder;
}

namespace {

bool forbid(const Analysis &A, const PolicyRule &P, std::vector<Finding> &Out, std::string &Error) {
  auto From = llvm::GlobPattern::create(P.A), To = llvm::GlobPattern::create(P.B);
  if (!From || !To) {
    Error = "forbid: invalid glob '" + (From ? P.B : P.A) + "'";
    llvm::consumeError(From.takeError());
    llvm::consumeError(To.takeError());
    return false;
  }
  const Graph &G = A.G;
  for (unsigned I = 0; I < G.Nodes.size(); ++I) {
    const Node &N = G.Nodes[I];
    if (!N.Project || N.Where.File.empty() || !From->match(N.Where.File))
      continue;
    for (const GraphEdge &E : G.Out[I]) {
      const Node &T = G.Nodes[E.To];
      if (!T.Project || T.Where.File.empty() || !To->match(T.Where.File))
        continue;
      // A lambda can only be named where it is written: a (folded) template
      // that reaches another file's lambda was handed it as an argument by
      // its caller, which is where the reference really is.
      if (T.Kind == NodeKind::Lambda && T.Where.File != N.Where.File)
        continue;
      const Loc &S = E.Site.File.empty() ? N.Where : E.Site;
      Out.push_back({FindingKind::Forbidden, "forbid:" + N.Usr + "->" + T.Usr, N.Name + " -> " + T.Name,
                     S.File, S.Line, S.Column, S.Line,
                     "'" + N.Name + "' (" + N.Where.File + ") references '" + T.Name + "' (" +
                         T.Where.File + "): policy forbids references from '" + P.A + "' to '" +
                         P.B + "'"});
    }
  }
  return true;
}

/// One finding per implementation of a group that has more than one.
void reportImplementations(const Graph &G, const PolicyRule &P, const std::string &Op, const std::string &OpKey,
                           const std::map<std::string, std::vector<unsigned>> &Groups, std::vector<Finding> &Out) {
  for (const auto &[Group, Impls] : Groups) {
    if (Impls.size() < 2)
      continue;
    std::string All;
    for (unsigned I : Impls)
      All += (All.empty() ? "" : ", ") + G.Nodes[I].Name;
    for (unsigned I : Impls) {
      const Node &N = G.Nodes[I];
      Out.push_back({FindingKind::SingleImplementation, "single-implementation:" + OpKey + "@" + Group + ":" + N.Usr,
                     N.Name, N.Where.File, N.Where.Line, N.Where.Column, std::max(N.RangeEnd.Line, N.Where.Line),
                     "'" + N.Name + "' is one of " + std::to_string(Impls.size()) + " live implementations of '" +
                         Op + "'" + (P.B.empty() ? "" : " for " + P.B + " '" + Group + "'") + " (" + All +
                         "); policy allows one"});
    }
  }
}

/// ns::avx2::f -> ns::f when avx2 is a variant: what the variants share.
std::string withoutVariants(const std::string &Qualified, const std::vector<std::string> &Variants) {
  std::string Out;
  for (size_t B = 0, E; B <= Qualified.size(); B = E + 2) {
    E = Qualified.find("::", B);
    if (E == std::string::npos)
      E = Qualified.size();
    std::string Part = Qualified.substr(B, E - B);
    bool Last = E == Qualified.size();
    if (!Last && std::find(Variants.begin(), Variants.end(), Part) != Variants.end())
      continue;
    Out += (Out.empty() ? "" : "::") + Part;
  }
  return Out;
}

/// An op written as functions: the live project functions whose qualified
/// name matches the regex are its implementations, the variants of one
/// (names equal but for a variant namespace) counting once.
bool singleFunctionImplementation(const Analysis &A, const PolicyRule &P, std::vector<Finding> &Out,
                                  std::string &Error) {
  const Graph &G = A.G;
  bool Any = false;
  std::map<std::string, std::map<std::string, unsigned>> ByGroup; // group -> implementation -> a live node
  for (unsigned I = 0; I < G.Nodes.size(); ++I) {
    const Node &N = G.Nodes[I];
    // A copy in an anonymous namespace is an implementation too: the regex
    // is matched as the name is spelled without it (ops::gemv for
    // ops::(anonymous namespace)::gemv).
    if (!N.Project || N.Kind == NodeKind::Class ||
        !(Rules::matches(P.Function, N.Name) || Rules::matches(P.Function, withoutAnonymousNamespaces(N.Name))))
      continue;
    Any = true;
    if (A.Prod.reached(I))
      ByGroup[implementationGroup(P.B, N.Where.File)].try_emplace(withoutVariants(N.Name, P.Variants), I);
  }
  if (!Any) {
    Error = "single-implementation: no function defined under the root matches '" + P.Function + "'";
    return false;
  }
  std::map<std::string, std::vector<unsigned>> Groups;
  for (const auto &[Group, Impls] : ByGroup)
    for (const auto &[Key, Node] : Impls)
      Groups[Group].push_back(Node);
  reportImplementations(G, P, P.Function, P.Function, Groups, Out);
  return true;
}

bool singleImplementation(const Analysis &A, const PolicyRule &P, std::vector<Finding> &Out,
                          std::string &Error) {
  const Graph &G = A.G;
  if (!P.B.empty() && P.B != "backend" && P.B != "folder") {
    Error = "single-implementation: unknown per: '" + P.B + "'; use 'backend' or 'folder'";
    return false;
  }
  if (!P.Function.empty())
    return singleFunctionImplementation(A, P, Out, Error);
  std::vector<unsigned> Bases;
  for (unsigned I = 0; I < G.Nodes.size(); ++I)
    if (G.Nodes[I].Kind == NodeKind::Class && (G.Nodes[I].Name == P.A || G.Nodes[I].Usr == P.A))
      Bases.push_back(I);
  if (Bases.empty()) {
    Error = "single-implementation: no class named '" + P.A +
            "' is defined under the root; give its qualified name (ns::Class)";
    return false;
  }
  // Derived classes: a class has a structural edge to each direct base.
  std::vector<std::vector<unsigned>> Derived(G.Nodes.size());
  std::vector<char> Constructed(G.Nodes.size(), 0);
  for (unsigned I = 0; I < G.Nodes.size(); ++I)
    for (const GraphEdge &E : G.Out[I]) {
      if (E.Kind == EdgeKind::Member && G.Nodes[I].Kind == NodeKind::Class &&
          G.Nodes[E.To].Kind == NodeKind::Class)
        Derived[E.To].push_back(I);
      if (E.Kind == EdgeKind::Construction && A.Prod.reached(I) && G.Nodes[E.To].Kind == NodeKind::Class)
        Constructed[E.To] = 1;
    }
  for (unsigned Base : Bases) {
    std::set<unsigned> Seen;
    std::vector<unsigned> Work{Base};
    std::map<std::string, std::vector<unsigned>> Groups;
    while (!Work.empty()) {
      unsigned C = Work.back();
      Work.pop_back();
      for (unsigned D : Derived[C])
        if (Seen.insert(D).second) {
          Work.push_back(D);
          if (Constructed[D] && G.Nodes[D].Project)
            Groups[implementationGroup(P.B, G.Nodes[D].Where.File)].push_back(D);
        }
    }
    reportImplementations(G, P, G.Nodes[Base].Name, G.Nodes[Base].Usr, Groups, Out);
  }
  return true;
}

} // namespace

bool evaluatePolicies(const Analysis &A, const Rules &R, std::vector<Finding> &Out, std::string &Error) {
  for (const PolicyRule &P : R.Policies) {
    bool Ok = P.K == PolicyRule::Forbid ? forbid(A, P, Out, Error) : singleImplementation(A, P, Out, Error);
    if (!Ok)
      return false;
  }
  return true;
}

} // namespace reach
