// libFuzzer: template text -> a ChatTemplate (parsed, checked, rendered on
// a trial conversation) and one more render with tools, or a TemplateError;
// nothing else (no crash, no hang, no other exception).
#include <cstddef>
#include <cstdint>
#include <string>

#include "chat/chat_template.h"
#include "chat/jinja_error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    reach::run::ChatTemplate t(std::string(reinterpret_cast<const char*>(data), size), "fuzz");
    reach::run::ChatInputs in;
    in.messages = nlohmann::ordered_json::array({{{"role", "system"}, {"content", "s"}},
                                                 {{"role", "user"}, {"content", "u"}}});
    in.tools = nlohmann::ordered_json::array({{{"type", "function"}, {"function", {{"name", "f"}}}}});
    t.render(in);
  } catch (const reach::run::jinja::TemplateError&) {
  }
  return 0;
}
