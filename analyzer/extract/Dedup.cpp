#include "extract/Dedup.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/xxhash.h"

#include <algorithm>

namespace reach {

namespace {

SummaryDedup::Key hashOf(llvm::StringRef Text) {
  llvm::XXH128_hash_t H = llvm::xxh3_128bits(llvm::arrayRefFromStringRef(Text));
  return {H.low64, H.high64};
}

/// The hash of a key's parts: each text's own hash and each key as bytes,
/// on the stack (absorb makes one per node and edge of every TU: strings
/// built for them were most of its time).
class KeyBuilder {
public:
  explicit KeyBuilder(char Tag) { Bytes.push_back(Tag); }
  KeyBuilder &text(llvm::StringRef T) { return key(hashOf(T)); }
  KeyBuilder &key(SummaryDedup::Key K) {
    return number(K.first).number(K.second);
  }
  KeyBuilder &number(uint64_t N) {
    const char *P = reinterpret_cast<const char *>(&N);
    Bytes.append(P, P + sizeof N);
    return *this;
  }
  SummaryDedup::Key done() const { return hashOf(Bytes.str()); }

private:
  llvm::SmallString<128> Bytes;
};

SummaryDedup::Key siteOf(const Node &N) { return KeyBuilder('s').text(N.Where.File).number(N.Where.Offset).done(); }

/// Keeps the elements for which Keep is true, and gives the memory back.
template <typename T, typename Fn> void keepOnly(std::vector<T> &V, Fn Keep) {
  std::vector<T> Kept;
  for (T &X : V)
    if (Keep(X))
      Kept.push_back(std::move(X));
  Kept.shrink_to_fit();
  V = std::move(Kept);
}

} // namespace

// Linking resolves a USR defined at several places (two programs' `main`)
// to the referring TU's own definition, found among the TU's nodes. An
// edge's key therefore holds the site at which this TU defines each end, so
// that two edges dropped as one link alike; and a node dropped here (same
// USR, same site as an earlier TU's) is given back to its TU by finish() if
// the USR turns out to be defined at another site too.
void SummaryDedup::absorb(std::vector<TUSummary> &Summaries, size_t Index) {
  TUSummary &S = Summaries[Index];
  if (S.Failed)
    return;
  std::lock_guard<std::mutex> Lock(Mutex);
  llvm::DenseMap<Key, Key> DefinedHere; // USR -> site, before dropping
  for (const Node &N : S.Nodes)
    DefinedHere.try_emplace(hashOf(N.Usr), siteOf(N));

  keepOnly(S.Nodes, [&](const Node &N) {
    FirstNode First;
    First.TU = uint32_t(Index);
    First.Site = siteOf(N);
    const Key Site = First.Site;
    auto [It, New] = Nodes.try_emplace(hashOf(N.Usr), std::move(First));
    if (New)
      return true;
    if (It->second.Site != Site) {
      It->second.SeveralSites = true; // linking keeps each definition
      return true;
    }
    mergeDefinitionFacts(Summaries[It->second.TU].Nodes[It->second.Node], N);
    It->second.DroppedIn.push_back(uint32_t(Index));
    return false;
  });
  // Kept nodes' final positions, for later TUs' merges.
  for (size_t K = 0; K < S.Nodes.size(); ++K)
    if (auto It = Nodes.find(hashOf(S.Nodes[K].Usr)); It != Nodes.end() && It->second.TU == Index)
      It->second.Node = uint32_t(K);

  // A USR with the site at which this TU defines it (none: zeros).
  auto Here = [&](KeyBuilder &B, const std::string &Usr) -> KeyBuilder & {
    Key U = hashOf(Usr);
    auto It = DefinedHere.find(U);
    return B.key(U).key(It == DefinedHere.end() ? Key{} : It->second);
  };
  keepOnly(S.Edges, [&](const Edge &E) {
    KeyBuilder B('e');
    Here(Here(B, E.From), E.To).number(uint64_t(E.Kind));
    return Seen.insert(B.done()).second;
  });
  keepOnly(S.Overrides, [&](const OverrideInfo &O) {
    return Seen.insert(KeyBuilder('o').text(O.Method).text(O.Overridden).done()).second;
  });
  keepOnly(S.Classes, [&](const ClassInfo &C) {
    KeyBuilder B('c');
    B.text(C.Usr).number(C.Bases.size());
    for (const std::string &Base : C.Bases)
      B.text(Base);
    return Seen.insert(B.done()).second;
  });
  keepOnly(S.Redeclarations, [&](const Redeclaration &R) {
    return Seen.insert(KeyBuilder('r').text(R.Usr).text(R.RangeBegin.File).number(R.RangeBegin.Offset).done()).second;
  });
  keepOnly(S.Registrations, [&](const Registration &R) {
    KeyBuilder B('g');
    B.text(R.Callee);
    return Seen.insert(Here(B, R.Target).done()).second;
  });
}

void SummaryDedup::finish(std::vector<TUSummary> &Summaries) {
  std::lock_guard<std::mutex> Lock(Mutex);
  for (auto &Entry : Nodes) {
    const FirstNode &F = Entry.second;
    if (!F.SeveralSites)
      continue;
    // What link needs of a dropped copy is its USR and site: the TU's
    // references resolve to that site's node, which link makes from the
    // kept copy (an earlier TU's). Whole copies were 0.98 M nodes here
    // (std:: functions that CUDA's headers define at other sites).
    const Node &Kept = Summaries[F.TU].Nodes[F.Node];
    Node Stub;
    Stub.Usr = Kept.Usr;
    Stub.Where = Kept.Where;
    for (uint32_t TU : F.DroppedIn)
      Summaries[TU].Nodes.push_back(Stub);
  }
}

} // namespace reach
