// The terminal summary: counts, then dead and test-only code by file.
#pragma once

#include "graph/Analysis.h"

namespace llvm { class raw_ostream; }

namespace reach {

/// Verbose: every test-only definition on a line of its own, as dead ones
/// always are; otherwise a line per file with the count and the first names.
void printTextReport(const Analysis &A, llvm::raw_ostream &OS, bool Verbose = false);

/// `--format=compiler`: a line per finding as compilers print diagnostics
/// (`/abs/file:line:col: warning: dead function 'f' [reach-dead]`), so that
/// editors and CI annotate them; absolute paths, nothing else. Test-only
/// code in files the rules call tests is left out.
void printCompilerDiagnostics(const Analysis &A, llvm::raw_ostream &OS);

}
