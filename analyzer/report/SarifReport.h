// SARIF 2.1.0 for code scanning (GitHub shows results in pull requests):
// one rule per finding kind, locations relative to the root through the
// uriBaseId ROOT, partialFingerprints from the finding's USR-based key so
// results survive moved code. With a baseline, each result carries its
// baselineState ("new" or "unchanged"). The driver names its version and
// documentation (informationUri), each rule has help text, and the run's
// invocation lists the TUs that did not compile as error notifications
// (what they use is reported as unknown, not dead).
#pragma once

#include "check/Findings.h"
#include "graph/Analysis.h"

#include <set>
#include <string>

namespace reach {

std::string renderSarif(const std::vector<Finding> &F, const std::string &Root,
                        const std::vector<TUFailure> &Failures, const std::set<std::string> *Baseline = nullptr);

} // namespace reach
