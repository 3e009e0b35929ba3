// Scans split across machines: `scan --shard I/N` extracts every N-th
// translation unit (from the I-th, in the database's sorted order) into
// its index folder; `merge DIR...` copies those folders' entries into this
// build's index and reports as a scan would, byte for byte (the graph is
// linked in the database's order whichever machine extracted what).
#pragma once

#include "tool/Options.h"

#include <string>
#include <vector>

namespace reach {

/// Extracts shard Spec ("I/N", 1 <= I <= N) into the index; prints what it
/// did. An exit status (ExitUsage for bad input, or a TU that did not
/// compile without KeepGoing).
int scanShard(const CommonOptions &Opts, const std::string &Spec, bool KeepGoing);

/// Copies the entries of each shard's index folder into Opts' index. False
/// (and a message) when a folder is not an index or cannot be read.
bool adoptShards(const CommonOptions &Opts, const std::vector<std::string> &Dirs);

} // namespace reach
