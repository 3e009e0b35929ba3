// A registry of subcommands, so that each <Name>Command.cpp declares its own
// llvm::cl::SubCommand and options and main.cpp dispatches without knowing
// them. The common options (-p, --rules, --root, -j) are registered for all
// subcommands in main.cpp.
#pragma once

#include "tool/Options.h"

#include "llvm/Support/CommandLine.h"

#include <vector>

namespace reach {

struct Command {
  llvm::cl::SubCommand *Sub;
  int (*Run)(const CommonOptions &);
};

/// Every registered subcommand (function-local static: safe at static init).
std::vector<Command> &commands();

struct RegisterCommand {
  RegisterCommand(llvm::cl::SubCommand &Sub, int (*Run)(const CommonOptions &)) {
    commands().push_back({&Sub, Run});
  }
};

} // namespace reach
