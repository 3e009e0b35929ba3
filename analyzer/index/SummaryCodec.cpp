// Every field of TUSummary and of the records it holds, written and read
// in the same order. A field added to Summary.h must be added here too:
// the size checks below fail the build as a reminder, and
// test/analyzer/unit/SummaryCodecTest.cpp round-trips every field.
#include "index/SummaryCodec.h"

#include "index/Bytes.h"
#include "index/EveryCore.h"

#include <algorithm>

namespace reach {

#if defined(__x86_64__) && defined(__GLIBCXX__)
static_assert(sizeof(Loc) == 24 && sizeof(Node) == 352 && sizeof(Edge) == 96 &&
                  sizeof(Registration) == 88 && sizeof(ClassInfo) == 56 && sizeof(OverrideInfo) == 72 &&
                  sizeof(Redeclaration) == 88 && sizeof(IncludeSite) == 72 && sizeof(InactiveUse) == 88 &&
                  sizeof(CompileError) == 56 && sizeof(TUSummary) == 376,
              "a field was added to Summary.h: write and read it in SummaryCodec.cpp");
#endif

namespace {

constexpr uint64_t LastNodeKind = uint64_t(NodeKind::Class);
constexpr uint64_t LastEdgeKind = uint64_t(EdgeKind::Instance);

void put(ByteWriter &W, const Loc &L) {
  W.str(L.File);
  W.u(L.Line);
  W.u(L.Column);
  W.u(L.Offset);
}

void get(ByteReader &R, Loc &L) {
  L.File = R.file();
  L.Line = R.u();
  L.Column = R.u();
  L.Offset = R.u();
}

void put(ByteWriter &W, const Node &N) {
  W.str(N.Usr);
  W.str(N.Name);
  W.str(N.Signature);
  W.u(uint64_t(N.Kind));
  put(W, N.Where);
  put(W, N.RangeBegin);
  put(W, N.RangeEnd);
  W.u(N.RangeInMacro | N.Project << 1 | N.Implicit << 2 | N.DynamicInit << 3 |
      N.VirtualMethod << 4 | N.Exported << 5 | N.InlineKeep << 6);
  W.str(N.Macro);
  W.str(N.ToolchainRoot);
  W.str(N.InlineKeepReason);
  W.str(N.Parent);
  W.strs(N.Annotations);
}

void get(ByteReader &R, Node &N) {
  N.Usr = R.str();
  N.Name = R.str();
  N.Signature = R.str();
  uint64_t Kind = R.u();
  R.Bad |= Kind > LastNodeKind;
  N.Kind = NodeKind(Kind);
  get(R, N.Where);
  get(R, N.RangeBegin);
  get(R, N.RangeEnd);
  uint64_t Flags = R.u();
  N.RangeInMacro = Flags & 1;
  N.Project = Flags & 2;
  N.Implicit = Flags & 4;
  N.DynamicInit = Flags & 8;
  N.VirtualMethod = Flags & 16;
  N.Exported = Flags & 32;
  N.InlineKeep = Flags & 64;
  N.Macro = R.str();
  N.ToolchainRoot = R.str();
  N.InlineKeepReason = R.str();
  N.Parent = R.str();
  N.Annotations = R.strs();
}

void put(ByteWriter &W, const Edge &E) {
  W.str(E.From);
  W.str(E.To);
  W.u(uint64_t(E.Kind));
  put(W, E.Site);
}

void get(ByteReader &R, Edge &E) {
  E.From = R.str();
  E.To = R.str();
  uint64_t Kind = R.u();
  R.Bad |= Kind > LastEdgeKind;
  E.Kind = EdgeKind(Kind);
  get(R, E.Site);
}

void put(ByteWriter &W, const Registration &X) {
  W.str(X.Callee);
  W.str(X.Target);
  put(W, X.Site);
}

void get(ByteReader &R, Registration &X) {
  X.Callee = R.str();
  X.Target = R.str();
  get(R, X.Site);
}

void put(ByteWriter &W, const ClassInfo &C) {
  W.str(C.Usr);
  W.strs(C.Bases);
}

void get(ByteReader &R, ClassInfo &C) {
  C.Usr = R.str();
  C.Bases = R.strs();
}

void put(ByteWriter &W, const OverrideInfo &O) {
  W.str(O.Method);
  W.str(O.Overridden);
  W.u(O.OverriddenOutsideRoot);
}

void get(ByteReader &R, OverrideInfo &O) {
  O.Method = R.str();
  O.Overridden = R.str();
  O.OverriddenOutsideRoot = R.flag();
}

void put(ByteWriter &W, const Redeclaration &D) {
  W.str(D.Usr);
  put(W, D.RangeBegin);
  put(W, D.RangeEnd);
  W.u(D.RangeInMacro);
}

void get(ByteReader &R, Redeclaration &D) {
  D.Usr = R.str();
  get(R, D.RangeBegin);
  get(R, D.RangeEnd);
  D.RangeInMacro = R.flag();
}

void put(ByteWriter &W, const IncludeSite &I) {
  W.str(I.From);
  W.u(I.Line);
  W.str(I.Target);
}

void get(ByteReader &R, IncludeSite &I) {
  I.From = R.str();
  I.Line = R.u();
  I.Target = R.str();
}

void put(ByteWriter &W, const InactiveUse &U) {
  W.str(U.Name);
  put(W, U.Where);
  W.str(U.Why);
}

void get(ByteReader &R, InactiveUse &U) {
  U.Name = R.str();
  get(R, U.Where);
  U.Why = R.str();
}

void put(ByteWriter &W, const CompileError &E) {
  W.str(E.Message);
  W.strs(E.Names);
}

void get(ByteReader &R, CompileError &E) {
  E.Message = R.str();
  E.Names = R.strs();
}

void put(ByteWriter &W, const TUSummary &S); // whole summaries are lists too (program.bin)
void get(ByteReader &R, TUSummary &S);

template <class T> void putAll(ByteWriter &W, const std::vector<T> &V) {
  W.u(V.size());
  for (const T &X : V)
    put(W, X);
}

template <class T> void getAll(ByteReader &R, std::vector<T> &V) {
  V.resize(R.count());
  for (T &X : V)
    get(R, X);
}

} // namespace

namespace {

void put(ByteWriter &W, const TUSummary &S) {
  W.str(S.MainFile);
  putAll(W, S.Nodes);
  putAll(W, S.Edges);
  putAll(W, S.Registrations);
  putAll(W, S.Classes);
  putAll(W, S.Overrides);
  putAll(W, S.Redeclarations);
  W.strs(S.FilesSeen);
  W.strs(S.Inputs);
  putAll(W, S.Includes);
  putAll(W, S.InactiveUses);
  W.u(S.Failed);
  W.str(S.FirstError);
  putAll(W, S.Errors);
  W.u(S.HeaderErrors);
  W.str(S.FirstHeaderError);
}

void get(ByteReader &R, TUSummary &S) {
  S.MainFile = R.str();
  getAll(R, S.Nodes);
  getAll(R, S.Edges);
  getAll(R, S.Registrations);
  getAll(R, S.Classes);
  getAll(R, S.Overrides);
  getAll(R, S.Redeclarations);
  S.FilesSeen = R.strs();
  S.Inputs = R.strs();
  getAll(R, S.Includes);
  getAll(R, S.InactiveUses);
  S.Failed = R.flag();
  S.FirstError = R.str();
  getAll(R, S.Errors);
  S.HeaderErrors = R.u();
  S.FirstHeaderError = R.str();
}

/// A node id as read: one past the last is corruption.
unsigned nodeId(ByteReader &R, size_t Nodes) {
  uint64_t Id = R.u();
  R.Bad |= Id >= Nodes;
  return R.Bad ? 0 : unsigned(Id);
}

/// An unordered map's keys in order, so that equal graphs give equal bytes.
template <class Map> std::vector<const typename Map::value_type *> sortedEntries(const Map &M) {
  std::vector<const typename Map::value_type *> V;
  for (const auto &E : M)
    V.push_back(&E);
  std::sort(V.begin(), V.end(), [](auto *X, auto *Y) { return X->first < Y->first; });
  return V;
}

/// ByUsr's names besides each node's own (a C function's C++ name), and
/// each node's class.
void putNodeIndex(ByteWriter &W, const Graph &G) {
  std::vector<std::pair<std::string, unsigned>> Aliases;
  for (const auto &[Usr, Id] : G.ByUsr)
    if (G.Nodes[Id].Usr != Usr)
      Aliases.emplace_back(Usr.str(), Id);
  std::sort(Aliases.begin(), Aliases.end());
  W.u(Aliases.size());
  for (const auto &[Usr, Id] : Aliases) {
    W.str(Usr);
    W.u(Id);
  }
  for (int P : G.ParentClass)
    W.u(uint64_t(P + 1));
}

void getNodeIndex(ByteReader &R, Graph &G, std::vector<std::pair<std::string, unsigned>> &Aliases) {
  const size_t N = G.Nodes.size();
  Aliases.resize(R.count());
  for (auto &[Usr, Id] : Aliases) {
    Usr = R.str();
    Id = nodeId(R, N);
  }
  G.ParentClass.resize(N);
  for (int &P : G.ParentClass) {
    uint64_t V = R.u();
    R.Bad |= V > N;
    P = int(V) - 1;
  }
}

/// ByUsr from the decoded nodes and aliases; false if two nodes share a USR.
bool indexByUsr(Graph &G, const std::vector<std::pair<std::string, unsigned>> &Aliases) {
  G.ByUsr = Graph::UsrMap(unsigned(G.Nodes.size() + Aliases.size()));
  for (unsigned I = 0; I < G.Nodes.size(); ++I)
    if (!G.ByUsr.try_emplace(G.Nodes[I].Usr, I).second)
      return false;
  for (const auto &[Usr, Id] : Aliases)
    G.ByUsr[Usr] = Id;
  return true;
}

void putGraphEdges(ByteWriter &W, const Graph &G) {
  for (size_t I = 0; I < G.Nodes.size(); ++I) {
    W.u(G.Out[I].size());
    for (const GraphEdge &E : G.Out[I]) {
      W.u(E.To);
      W.u(uint64_t(E.Kind));
      put(W, E.Site);
    }
    W.u(G.Virtual[I].size());
    for (const VirtualSite &V : G.Virtual[I]) {
      W.str(V.Method);
      put(W, V.Site);
    }
  }
}

void getGraphEdges(ByteReader &R, Graph &G) {
  const size_t N = G.Nodes.size();
  G.Out.resize(N);
  G.Virtual.resize(N);
  for (size_t I = 0; I < N && !R.Bad; ++I) {
    G.Out[I].resize(R.count());
    for (GraphEdge &E : G.Out[I]) {
      E.To = nodeId(R, N);
      uint64_t Kind = R.u();
      R.Bad |= Kind > LastEdgeKind;
      E.Kind = EdgeKind(Kind);
      get(R, E.Site);
    }
    G.Virtual[I].resize(R.count());
    for (VirtualSite &V : G.Virtual[I]) {
      V.Method = R.str();
      get(R, V.Site);
    }
  }
}

void putGraphTables(ByteWriter &W, const Graph &G) {
  W.u(G.Overriders.size());
  for (const auto *E : sortedEntries(G.Overriders)) {
    W.str(E->first);
    W.strs(E->second);
  }
  putAll(W, G.Registrations);
  W.u(G.Redeclarations.size());
  for (const auto *E : sortedEntries(G.Redeclarations)) {
    W.str(E->first);
    putAll(W, E->second);
  }
  W.strs(std::vector<std::string>(G.FilesBuilt.begin(), G.FilesBuilt.end()));
  W.u(G.Places.size());
  for (const auto *E : sortedEntries(G.Places)) {
    W.str(E->first);
    W.u(E->second.size());
    for (unsigned Id : E->second)
      W.u(Id);
  }
}

void getGraphTables(ByteReader &R, Graph &G) {
  for (size_t I = 0, Count = R.count(); I < Count && !R.Bad; ++I) {
    std::string Method = R.str();
    G.Overriders[Method] = R.strs();
  }
  getAll(R, G.Registrations);
  for (size_t I = 0, Count = R.count(); I < Count && !R.Bad; ++I) {
    std::string Usr = R.str();
    getAll(R, G.Redeclarations[Usr]);
  }
  std::vector<std::string> Files = R.strs();
  G.FilesBuilt.insert(Files.begin(), Files.end());
  for (size_t I = 0, Count = R.count(); I < Count && !R.Bad; ++I) {
    std::vector<unsigned> &Ids = G.Places[R.str()];
    Ids.resize(R.count());
    for (unsigned &Id : Ids)
      Id = nodeId(R, G.Nodes.size());
  }
}

} // namespace

std::string encodeSummary(const TUSummary &S) {
  ByteWriter W;
  put(W, S);
  return W.take();
}

bool decodeSummary(llvm::StringRef Bytes, TUSummary &S) {
  ByteReader R(Bytes);
  get(R, S);
  return !R.Bad && R.atEnd();
}

// program.bin's body: a head (the number of parts, then each part's node
// count and size), the nodes in parts that decode in parallel (each with
// its own strings; the nodes are most of the bytes), and a last part with
// the rest.
constexpr size_t NodeParts = 8;

std::string encodeProgram(const Graph &G, const std::vector<TUSummary> &Rest) {
  std::vector<std::string> Parts;
  std::vector<size_t> Counts;
  const size_t PerPart = (G.Nodes.size() + NodeParts - 1) / NodeParts;
  for (size_t Begin = 0; Begin < G.Nodes.size(); Begin += PerPart) {
    ByteWriter W;
    const size_t End = std::min(G.Nodes.size(), Begin + PerPart);
    for (size_t I = Begin; I < End; ++I)
      put(W, G.Nodes[I]);
    Parts.push_back(W.take());
    Counts.push_back(End - Begin);
  }
  ByteWriter Last;
  putNodeIndex(Last, G);
  putGraphEdges(Last, G);
  putGraphTables(Last, G);
  putAll(Last, Rest);
  Parts.push_back(Last.take());
  Counts.push_back(0);
  ByteWriter Head;
  Head.u(Parts.size());
  for (size_t P = 0; P < Parts.size(); ++P) {
    Head.u(Counts[P]);
    Head.u(Parts[P].size());
  }
  std::string Out = Head.take();
  for (const std::string &P : Parts)
    Out += P;
  return Out;
}

bool decodeProgram(llvm::StringRef Bytes, Graph &G, std::vector<TUSummary> &Rest) {
  ByteReader Head(Bytes);
  std::vector<llvm::StringRef> Parts(Head.count());
  std::vector<size_t> First(Parts.size() + 1), Sizes(Parts.size()); // each part's first node, its bytes
  for (size_t P = 0; P < Parts.size() && !Head.Bad; ++P) {
    First[P + 1] = First[P] + Head.count();
    Sizes[P] = Head.count();
  }
  size_t At = Head.offset();
  for (size_t P = 0; P < Parts.size(); ++P) {
    Parts[P] = Bytes.substr(At, Sizes[P]);
    At += Sizes[P];
  }
  if (Head.Bad || Parts.empty() || At != Bytes.size() || First.back() > Bytes.size())
    return false;
  G.Nodes.resize(First.back());
  std::vector<std::pair<std::string, unsigned>> Aliases;
  const bool Decoded = decodeOnEveryCore(Parts.size(), [&](size_t P) {
    ByteReader R(Parts[P]);
    if (P + 1 < Parts.size()) {
      for (size_t I = First[P]; I < First[P + 1]; ++I)
        get(R, G.Nodes[I]);
    } else {
      getNodeIndex(R, G, Aliases);
      getGraphEdges(R, G);
      getGraphTables(R, G);
      getAll(R, Rest);
    }
    return !R.Bad && R.atEnd();
  });
  return Decoded && indexByUsr(G, Aliases);
}

} // namespace reach
