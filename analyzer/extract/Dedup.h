// Drops from each finished TU's summary what earlier TUs already recorded,
// as soon as the TU is done. Headers make every TU repeat the same inline
// functions, library template instantiations and their edges: on llama.cpp
// (301 TUs) the summaries held 2.65 M nodes and 3.19 M edges, 5.1 GB,
// before linking made one node of each. Linking the deduplicated summaries
// gives the same graph.
#pragma once

#include "extract/Summary.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"

#include <mutex>
#include <vector>

namespace reach {

class SummaryDedup {
public:
  /// Summaries[Index] has just been extracted; earlier ones may hold the
  /// first copies. Failed TUs are kept whole: what they touch is "unknown".
  void absorb(std::vector<TUSummary> &Summaries, size_t Index);
  /// After the last TU: gives a USR defined at several places back to the
  /// TUs that dropped their copy, as its USR and site only, which is what
  /// link() reads of a definition an earlier TU holds (see Dedup.cpp).
  void finish(std::vector<TUSummary> &Summaries);

  /// Keys are 128-bit hashes of the USRs and edge texts: the full strings
  /// took a quarter of the memory saved. Two different keys sharing a hash
  /// (about 1 in 10^26 for a million keys) would drop one of them.
  using Key = std::pair<uint64_t, uint64_t>;

private:
  struct FirstNode {
    uint32_t TU = 0, Node = 0; // where the kept copy is, to merge flags into it
    Key Site;
    bool SeveralSites = false;
    std::vector<uint32_t> DroppedIn; // TUs whose same-site copy was dropped
  };
  std::mutex Mutex;
  llvm::DenseMap<Key, FirstNode> Nodes; // USR -> first definition
  llvm::DenseSet<Key> Seen;             // edges and other facts already kept
};

} // namespace reach
