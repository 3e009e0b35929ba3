// `why --json` and `blast --json`: the same answers as data.
#pragma once

#include "query/Blast.h"
#include "query/Why.h"

#include <string>

namespace reach {

std::string renderWhyJson(const Analysis &A, const WhyAnswer &W);
std::string renderBlastJson(const Analysis &A, const BlastAnswer &B);

} // namespace reach
