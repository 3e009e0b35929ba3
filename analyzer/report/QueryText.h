// Text for `why` and `blast` answers: paths one step per line, each step with
// the edge that led to it and its site, so a reader can follow the code.
#pragma once

#include "query/Blast.h"
#include "query/Why.h"

#include "llvm/Support/raw_ostream.h"

namespace reach {

void printWhy(const Analysis &A, const WhyAnswer &W, llvm::raw_ostream &OS);
void printBlast(const Analysis &A, const QueryGraph &Q, const BlastAnswer &B,
                llvm::raw_ostream &OS);
/// "kind 'name' (file:line)"
std::string describe(const Analysis &A, unsigned Id);

} // namespace reach
