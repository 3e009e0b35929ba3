#include "extract/Dedup.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/xxhash.h"

#include <algorithm>
#include <unordered_map>

namespace reach {

namespace {

SummaryDedup::Key hashOf(llvm::StringRef Text) {
  llvm::XXH128_hash_t H = llvm::xxh3_128bits(llvm::arrayRefFromStringRef(Text));
  return {H.low64, H.high64};
}

std::string siteOf(const Node &N) { return N.Where.File + ':' + std::to_string(N.Where.Offset); }

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
  std::unordered_map<std::string, std::string> DefinedHere; // USR -> site, before dropping
  for (const Node &N : S.Nodes)
    DefinedHere.emplace(N.Usr, siteOf(N));

  keepOnly(S.Nodes, [&](const Node &N) {
    FirstNode First;
    First.TU = uint32_t(Index);
    First.Site = hashOf(siteOf(N));
    auto [It, New] = Nodes.try_emplace(hashOf(N.Usr), std::move(First));
    if (New)
      return true;
    if (It->second.Site != hashOf(siteOf(N))) {
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

  auto Here = [&](const std::string &Usr) {
    auto It = DefinedHere.find(Usr);
    return It == DefinedHere.end() ? std::string() : It->second;
  };
  keepOnly(S.Edges, [&](const Edge &E) {
    std::string Key = "e\x1f" + E.From + '\x1f' + Here(E.From) + '\x1f' + E.To + '\x1f' +
                      Here(E.To) + '\x1f' + char('a' + int(E.Kind));
    return Seen.insert(hashOf(Key)).second;
  });
  keepOnly(S.Overrides, [&](const OverrideInfo &O) {
    return Seen.insert(hashOf("o\x1f" + O.Method + '\x1f' + O.Overridden)).second;
  });
  keepOnly(S.Classes, [&](const ClassInfo &C) {
    std::string Key = "c\x1f" + C.Usr;
    for (const std::string &B : C.Bases)
      Key += '\x1f' + B;
    return Seen.insert(hashOf(Key)).second;
  });
  keepOnly(S.Redeclarations, [&](const Redeclaration &R) {
    return Seen.insert(hashOf("r\x1f" + R.Usr + '\x1f' + R.RangeBegin.File + ':' +
                              std::to_string(R.RangeBegin.Offset))).second;
  });
  keepOnly(S.Registrations, [&](const Registration &R) {
    return Seen.insert(hashOf("g\x1f" + R.Callee + '\x1f' + R.Target + '\x1f' + Here(R.Target))).second;
  });
}

void SummaryDedup::finish(std::vector<TUSummary> &Summaries) {
  std::lock_guard<std::mutex> Lock(Mutex);
  for (auto &Entry : Nodes) {
    const FirstNode &F = Entry.second;
    if (!F.SeveralSites)
      continue;
    for (uint32_t TU : F.DroppedIn)
      Summaries[TU].Nodes.push_back(Summaries[F.TU].Nodes[F.Node]);
  }
}

} // namespace reach
