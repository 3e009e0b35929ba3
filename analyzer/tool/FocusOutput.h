// Writing drawings to --dot / --svg files for why, blast and scan.
#pragma once

#include "report/FocusView.h"

#include <string>

namespace reach {

/// Writes text to Path; prints an error and returns false on failure.
bool writeTextFile(const std::string &Path, const std::string &Text);

/// Writes D as DOT to DotPath and as SVG to SvgPath (either may be empty).
/// Returns 0, or 2 (after printing the error) when a file cannot be written.
int writeFocusGraph(const DrawGraph &D, const std::string &DotPath, const std::string &SvgPath);

} // namespace reach
