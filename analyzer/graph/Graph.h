// The whole-program graph: TU summaries linked by USR. Inline functions seen
// in many TUs become one node; edges keep their kind and first call site.
#pragma once

#include "extract/Summary.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Allocator.h"

#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

namespace reach {

struct GraphEdge {
  unsigned To;
  EdgeKind Kind;
  Loc Site;
};

/// A dispatched call from a node to a method (which may have no node of its
/// own, e.g. a pure virtual); RTA resolves it to implementations.
struct VirtualSite {
  std::string Method;
  Loc Site;
};

struct Graph {
  std::vector<Node> Nodes;
  /// USR -> node. The keys are allocated in slabs, not one by one: the
  /// index of a decoded program was 400 k allocations.
  using UsrMap = llvm::StringMap<unsigned, llvm::BumpPtrAllocator>;
  UsrMap ByUsr;
  std::vector<std::vector<GraphEdge>> Out;
  std::vector<std::vector<VirtualSite>> Virtual;
  /// Method USR -> USRs of the methods directly overriding it.
  std::unordered_map<std::string, std::vector<std::string>> Overriders;
  /// Node -> node of its class (methods), or -1.
  std::vector<int> ParentClass;
  std::vector<Registration> Registrations;
  /// USR -> its non-defining declarations in project files, deduplicated by
  /// position (a header's declarations are seen by every TU including it).
  std::unordered_map<std::string, std::vector<Redeclaration>> Redeclarations;
  /// Project files (relative) that some TU compiles or includes.
  std::set<std::string> FilesBuilt;
  /// USRs defined at several places (one per program: two tools' `struct
  /// printer`) -> their nodes, keyed "USR@file" in ByUsr.
  std::unordered_map<std::string, std::vector<unsigned>> Places;

  std::optional<unsigned> find(const std::string &Usr) const {
    auto It = ByUsr.find(Usr);
    if (It == ByUsr.end())
      return std::nullopt;
    return It->second;
  }
  /// Nodes implementing Method: itself (if defined; every place of a method
  /// defined at several) and every transitive override that has a
  /// definition.
  std::vector<unsigned> implementations(const std::string &Method) const;
};

/// Takes the nodes, edges, overrides, registrations, redeclarations and
/// classes of the TUs that compiled (their vectors are left empty: the
/// graph holds them once); failed TUs are left whole, the analysis reads
/// what they touch.
Graph link(std::vector<TUSummary> &TUs);

} // namespace reach
