// The baseline file (reports/baseline.json): the findings a project has
// accepted for now, by key only -- no lines, so moving code does not churn
// it. Format: {"version": 1, "findings": [{"key", "kind", "name"}...]},
// sorted by key.
#pragma once

#include "check/Findings.h"

#include <optional>
#include <set>
#include <string>

namespace reach {

std::string renderBaseline(const std::vector<Finding> &F);
/// Keys listed in a baseline; nullopt (and Error naming the file) when it
/// cannot be read or is not a version-1 baseline.
std::optional<std::set<std::string>> readBaseline(const std::string &Path, std::string &Error);

} // namespace reach
