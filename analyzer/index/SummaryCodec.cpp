// Every field of TUSummary and of the records it holds, written and read
// in the same order. A field added to Summary.h must be added here too:
// the size checks below fail the build as a reminder, and
// test/analyzer/unit/SummaryCodecTest.cpp round-trips every field.
#include "index/SummaryCodec.h"

#include "index/Bytes.h"

namespace reach {

#if defined(__x86_64__) && defined(__GLIBCXX__)
static_assert(sizeof(Loc) == 48 && sizeof(Node) == 424 && sizeof(Edge) == 120 &&
                  sizeof(Registration) == 112 && sizeof(ClassInfo) == 56 && sizeof(OverrideInfo) == 72 &&
                  sizeof(Redeclaration) == 136 && sizeof(IncludeSite) == 72 && sizeof(InactiveUse) == 112 &&
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
  L.File = R.str();
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

std::string encodeSummary(const TUSummary &S) {
  ByteWriter W;
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
  return W.take();
}

bool decodeSummary(llvm::StringRef Bytes, TUSummary &S) {
  ByteReader R(Bytes);
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
  return !R.Bad && R.atEnd();
}

} // namespace reach
