// The terminal summary: counts, then dead and test-only code by file.
#pragma once

#include "graph/Analysis.h"

namespace llvm { class raw_ostream; }

namespace reach {
void printTextReport(const Analysis &A, llvm::raw_ostream &OS);
}
