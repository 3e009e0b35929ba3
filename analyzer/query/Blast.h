// `blast SYMBOL|FILE...`: what deleting a set of definitions would break
// (reached code outside the set that references it) and what could go with
// it (definitions reachable only through the set). Pure function over an
// Analysis, answered from the graph without compiling anything.
#pragma once

#include "query/QueryGraph.h"

#include <string>
#include <vector>

namespace reach {

struct BlastRef {
  Ref R;         // From is outside the set, To inside
  Status FromStatus;
};

struct BlastAnswer {
  std::vector<unsigned> Set;        // the request, classes expanded to their members
  std::vector<unsigned> LiveEntries;// production entry points inside the set
  std::vector<BlastRef> LiveRefs;   // deleting the set breaks these
  std::vector<BlastRef> TestRefs;   // ... and these tests
  std::vector<unsigned> Closure;    // reported definitions that can go with the set
  bool breaksLive() const { return !LiveRefs.empty() || !LiveEntries.empty(); }
};

BlastAnswer blast(const Analysis &A, const QueryGraph &Q, std::vector<unsigned> Set);

/// Definitions a FILE argument names: the reported definitions in that file
/// (path relative to the root, or absolute under it). Empty if none.
std::vector<unsigned> definitionsInFile(const Analysis &A, const std::string &Path);

} // namespace reach
