#pragma once
namespace app {
struct Command { const char *name; int (*run)(int argc, char **argv); };
extern const Command commands[];
extern const int command_count;
int cmd_generate(int, char **);
int cmd_info(int, char **);
int cmd_legacy_convert(int, char **);
}
