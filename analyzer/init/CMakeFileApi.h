// The targets of a CMake build from its file API reply (codemodel-v2):
// which sources make which executable or library, and which executables
// CTest runs. The reply exists when BUILD/.cmake/api/v1/query/codemodel-v2
// was there at configure time (`reach-audit init` says how to ask for it).
#pragma once

#include "init/Guess.h"

#include <optional>
#include <string>
#include <vector>

namespace reach {

/// The query file that makes CMake write the reply at its next configure.
std::string cmakeQueryPath(const std::string &BuildDir);

/// Targets, sources relative to Root; nullopt when the build has no reply.
/// Error is set (and nullopt returned) when a reply exists but cannot be read.
std::optional<std::vector<BuildTarget>> readCMakeTargets(const std::string &BuildDir, const std::string &Root,
                                                         std::string &Error);

} // namespace reach
