// TUSummary <-> bytes, for the index. Strings are written once and then
// referred to by number (a TU names the same USRs and files thousands of
// times); integers are LEB128. The format belongs to one build of
// reach-audit: the index keys every entry with the tool's identity, so
// there is no compatibility to keep, only malformed bytes to refuse.
#pragma once

#include "extract/Summary.h"
#include "graph/Graph.h"

#include "llvm/ADT/StringRef.h"

#include <string>

namespace reach {

std::string encodeSummary(const TUSummary &S);

/// False when Bytes are not a whole summary (truncated, or corrupt past
/// what the entry's checksum caught); Out is then unspecified.
bool decodeSummary(llvm::StringRef Bytes, TUSummary &Out);

/// The linked program of one configuration: the graph, and what link()
/// left of the TUs (index/SummaryIndex.h's program.bin). Decoding checks
/// every node id against the node count.
std::string encodeProgram(const Graph &G, const std::vector<TUSummary> &Rest);
bool decodeProgram(llvm::StringRef Bytes, Graph &G, std::vector<TUSummary> &Rest);

} // namespace reach
