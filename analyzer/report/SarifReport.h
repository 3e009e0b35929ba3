// SARIF 2.1.0 for code scanning (GitHub shows results in pull requests):
// one rule per finding kind, locations relative to the root through the
// uriBaseId ROOT, partialFingerprints from the finding's USR-based key so
// results survive moved code. With a baseline, each result carries its
// baselineState ("new" or "unchanged").
#pragma once

#include "check/Findings.h"

#include <set>
#include <string>

namespace reach {

std::string renderSarif(const std::vector<Finding> &F, const std::string &Root,
                        const std::set<std::string> *Baseline = nullptr);

} // namespace reach
