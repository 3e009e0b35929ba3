#include "tool/Commands.h"

namespace reach {

const std::vector<Command> &commands() {
  static const std::vector<Command> All{initCommand(), scanCommand(), mergeCommand(), whyCommand(), blastCommand(), checkCommand(),
                                        fixCommand()};
  return All;
}

} // namespace reach
