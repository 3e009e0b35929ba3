// The subcommands, in one explicit table (Commands.cpp). Each
// <Name>Command.cpp defines its llvm::cl::SubCommand, its options and its run
// function, and returns them from <name>Command(); the table calls each of
// those, so the linker keeps every command's object file (and with it the
// options it registers) even from a static library, which a registry filled
// by static initializers would silently lose. The common options (-p,
// --rules, --root, -j) are registered for all subcommands in main.cpp.
#pragma once

#include "tool/Options.h"

#include "llvm/Support/CommandLine.h"

#include <vector>

namespace reach {

struct Command {
  llvm::cl::SubCommand *Sub;
  int (*Run)(const CommonOptions &);
};

Command initCommand();
Command scanCommand();
Command mergeCommand();
Command whyCommand();
Command blastCommand();
Command checkCommand();
Command fixCommand();

/// Every subcommand, in the order --help lists them.
const std::vector<Command> &commands();

} // namespace reach
