#include "ipc/handlers.h"
#include "backend/backend.h"
#include <map>
namespace ipc {
static std::map<std::string, Handler> &table() {
  static std::map<std::string, Handler> t;
  return t;
}
void register_handler(const char *name, Handler h) { table()[name] = h; }
int serve() {
  std::string line;
  auto it = table().find(line);
  return it == table().end() ? 1 : int(it->second(line).size());
}
std::string on_status(const std::string &) { return "ok"; }
std::string on_generate(const std::string &p) {
  auto b = backend::make_default();
  return std::to_string(b->generate(p));
}
// Never registered.
std::string on_debug_dump(const std::string &) { return "dump"; }
// Handlers registered at start-up by a static initializer.
static const bool registered = [] {
  register_handler("status", on_status);
  register_handler("generate", on_generate);
  return true;
}();
}
