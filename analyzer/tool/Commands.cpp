#include "tool/Commands.h"

namespace reach {

std::vector<Command> &commands() {
  static std::vector<Command> All;
  return All;
}

} // namespace reach
