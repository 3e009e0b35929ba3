// The version-1 JSON report (DESIGN.md "JSON report").
#pragma once

#include "graph/Analysis.h"

#include <string>

namespace reach {
std::string renderJsonReport(const Analysis &A);
}
