// libFuzzer: a request body -> a checked CompletionRequest or an ApiError
// with a 4xx status and a message; nothing else (no crash, no exception).
#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>

#include "serve/api_request.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string body(reinterpret_cast<const char*>(data), size);
  for (bool chat : {true, false}) {
    auto r = reach::run::serve::parse_completion_request(body, chat, {"model"});
    if (auto* e = std::get_if<reach::run::serve::ApiError>(&r)) {
      if (e->status < 400 || e->status > 499 || e->message.empty()) __builtin_trap();
      (void)e->body().dump();
    } else {
      const auto& req = std::get<reach::run::serve::CompletionRequest>(r);
      if (req.max_tokens == 0 || req.max_tokens < -1) __builtin_trap();  // checked: -1 or at least 1
    }
  }
  return 0;
}
