#include "graph/SymbolLookup.h"

#include "llvm/ADT/StringRef.h"

#include <algorithm>
#include <climits>

namespace reach {

namespace {

constexpr llvm::StringLiteral Anonymous = "(anonymous namespace)::";

std::string withoutSpaces(llvm::StringRef S) {
  std::string R;
  for (char C : S)
    if (C != ' ' && C != '\t')
      R += C;
  return R;
}

bool namesMatch(const Node &N, llvm::StringRef Name) {
  return N.Name == Name || withoutAnonymousNamespaces(N.Name) == Name;
}

/// "src/x.cpp:42": the innermost definitions whose range holds the line.
std::vector<unsigned> atLine(const Graph &G, llvm::StringRef File, unsigned Line) {
  std::vector<unsigned> Best;
  unsigned BestSpan = UINT_MAX;
  for (unsigned I = 0; I < G.Nodes.size(); ++I) {
    const Node &N = G.Nodes[I];
    if (!N.Project || N.Implicit || N.RangeBegin.File != File || Line < N.RangeBegin.Line ||
        Line > N.RangeEnd.Line)
      continue;
    unsigned Span = N.RangeEnd.Offset - N.RangeBegin.Offset;
    if (Span < BestSpan)
      Best.clear(), BestSpan = Span;
    if (Span == BestSpan)
      Best.push_back(I);
  }
  return Best;
}

llvm::StringRef lastComponent(llvm::StringRef Name) {
  size_t P = Name.rfind("::");
  return P == llvm::StringRef::npos ? Name : Name.drop_front(P + 2);
}

} // namespace

std::string withoutAnonymousNamespaces(std::string Name) {
  for (size_t P; (P = Name.find(Anonymous)) != std::string::npos;)
    Name.erase(P, Anonymous.size());
  return Name;
}

std::vector<unsigned> lookupSymbol(const Graph &G, const std::string &Query) {
  if (auto Id = G.find(Query))
    return {*Id};
  llvm::StringRef Q = llvm::StringRef(Query).trim();
  // file:line
  auto [File, LineText] = Q.rsplit(':');
  unsigned Line = 0;
  if (!LineText.empty() && !File.ends_with(":") && !LineText.getAsInteger(10, Line) && Line > 0)
    return atLine(G, File, Line);
  auto Matching = [&](llvm::StringRef Name, llvm::StringRef Params) {
    std::vector<unsigned> Hits;
    for (unsigned I = 0; I < G.Nodes.size(); ++I) {
      const Node &N = G.Nodes[I];
      if (N.Project && !N.Implicit && namesMatch(N, Name) &&
          (Params.empty() || withoutSpaces(N.Signature) == withoutSpaces(Params)))
        Hits.push_back(I);
    }
    return Hits;
  };
  // A name as it is (`Cmp::operator()`, `(lambda at ...)` names), else
  // name(params) [const]: the overload with those parameter types, the
  // parameter list being the last parenthesis of the query.
  size_t Close = Q.rfind(')');
  if (std::vector<unsigned> Hits = Matching(Q, ""); !Hits.empty() || Close == llvm::StringRef::npos)
    return Hits;
  int Depth = 0;
  for (size_t P = Close + 1; P-- > 0;) {
    Depth += Q[P] == ')' ? 1 : Q[P] == '(' ? -1 : 0;
    if (Depth == 0)
      return Matching(Q.take_front(P).trim(), Q.drop_front(P));
  }
  return {};
}

std::vector<unsigned> nearSymbols(const Graph &G, const std::string &Query, size_t Max) {
  llvm::StringRef Q = Query;
  Q = Q.take_front(Q.find('(')); // a typo is in the name, not the parameters
  unsigned Limit = std::max<unsigned>(2, Q.size() / 3);
  std::vector<std::pair<unsigned, unsigned>> Scored; // distance, node
  for (unsigned I = 0; I < G.Nodes.size(); ++I) {
    const Node &N = G.Nodes[I];
    if (!N.Project || N.Implicit)
      continue;
    std::string Name = withoutAnonymousNamespaces(N.Name);
    unsigned D = llvm::StringRef(Name).edit_distance(Q, true, Limit + 1);
    if (lastComponent(Name) == lastComponent(Q) || llvm::StringRef(Name).contains(Q))
      D = std::min(D, 1u);
    if (D <= Limit)
      Scored.push_back({D, I});
  }
  std::stable_sort(Scored.begin(), Scored.end(), [&](auto &A, auto &B) {
    return A.first != B.first ? A.first < B.first : G.Nodes[A.second].Name < G.Nodes[B.second].Name;
  });
  std::vector<unsigned> Out;
  for (size_t K = 0; K < Scored.size() && Out.size() < Max; ++K)
    Out.push_back(Scored[K].second);
  return Out;
}

} // namespace reach
