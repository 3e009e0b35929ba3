#include "app/commands.h"
#include "backend/backend.h"
#include <cstdio>
namespace app {
int cmd_generate(int, char **) {
  auto b = backend::make_default();
  b->load("model.safetensors");
  return b->generate("hello");
}
int cmd_info(int, char **) { std::puts("inferd 1.0"); return 0; }
// Superseded: no longer listed in the table.
int cmd_legacy_convert(int, char **) { return 1; }
const Command commands[] = {{"generate", cmd_generate}, {"info", cmd_info}};
const int command_count = 2;
}
