#include "app/commands.h"
#include "ipc/handlers.h"
#include <cstring>
int main(int argc, char **argv) {
  if (argc > 1 && std::strcmp(argv[1], "serve") == 0)
    return ipc::serve();
  for (int i = 0; i < app::command_count; ++i)
    if (argc > 1 && std::strcmp(argv[1], app::commands[i].name) == 0)
      return app::commands[i].run(argc, argv);
  return 2;
}
