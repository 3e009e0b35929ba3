// Focused drawings for `why` and `blast`: only the definitions of the
// answer, coloured by verdict, edges labelled with kind and site. Code
// outside the root on a path (std::function, std::make_unique...) is one
// grey "library code" box per run, its definitions in the tooltip. Where
// library code uses what blast would delete (std::sort calling a
// comparator), the project code that called into the library is drawn
// first, then the library box, then the deletion set.
#pragma once

#include "query/Blast.h"
#include "query/Why.h"
#include "report/Graphviz.h"

namespace reach {

DrawGraph drawWhy(const Analysis &A, const WhyAnswer &W);
DrawGraph drawBlast(const Analysis &A, const BlastAnswer &B);

} // namespace reach
