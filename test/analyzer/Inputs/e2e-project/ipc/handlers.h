#pragma once
#include <string>
namespace ipc {
using Handler = std::string (*)(const std::string &);
void register_handler(const char *name, Handler h);
int serve();
std::string on_status(const std::string &);
std::string on_generate(const std::string &);
std::string on_debug_dump(const std::string &);
}
