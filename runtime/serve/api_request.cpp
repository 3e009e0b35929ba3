#include "serve/api_request.h"

#include <cctype>
#include <cmath>

namespace reach::run::serve {

using json = nlohmann::ordered_json;

nlohmann::json ApiError::body() const {
  nlohmann::json e = {{"message", message}, {"type", type}};
  e["param"] = param.empty() ? nlohmann::json() : nlohmann::json(param);
  e["code"] = code.empty() ? nlohmann::json() : nlohmann::json(code);
  return {{"error", e}};
}

namespace {

// Thrown inside the parser, returned as its result.
struct Refusal {
  ApiError error;
};

[[noreturn]] void refuse(const std::string& param, const std::string& message) {
  throw Refusal{{400, message, "invalid_request_error", param, ""}};
}

double number_in(const json& body, const char* key, double fallback, double lo, double hi) {
  if (!body.contains(key) || body[key].is_null()) return fallback;
  const json& v = body[key];
  if (!v.is_number()) refuse(key, std::string("'") + key + "' must be a number");
  const double x = v.get<double>();
  if (!(x >= lo && x <= hi))
    refuse(key, std::string("'") + key + "' must be between " + nlohmann::json(lo).dump() + " and " +
                    nlohmann::json(hi).dump());
  return x;
}

int64_t integer_in(const json& body, const char* key, int64_t fallback, int64_t lo, int64_t hi) {
  if (!body.contains(key) || body[key].is_null()) return fallback;
  const json& v = body[key];
  if (!v.is_number_integer()) refuse(key, std::string("'") + key + "' must be an integer");
  const int64_t x = v.get<int64_t>();
  if (x < lo || x > hi)
    refuse(key, std::string("'") + key + "' must be between " + std::to_string(lo) + " and " + std::to_string(hi));
  return x;
}

bool flag_in(const json& body, const char* key) {
  if (!body.contains(key) || body[key].is_null()) return false;
  if (!body[key].is_boolean()) refuse(key, std::string("'") + key + "' must be true or false");
  return body[key].get<bool>();
}

// A message's content: a string, or a list of {"type": "text", "text"} parts.
std::string content_of(const json& m, const std::string& where) {
  const json& c = m.contains("content") ? m["content"] : json();
  if (c.is_string()) return c.get<std::string>();
  if (c.is_null() && m.value("role", "") == "assistant" && m.contains("tool_calls")) return "";
  if (!c.is_array()) refuse(where + ".content", "'content' must be a string or a list of text parts");
  std::string text;
  for (const json& part : c) {
    if (!part.is_object() || part.value("type", "") != "text" || !part.contains("text") || !part["text"].is_string())
      refuse(where + ".content", "only text content parts ({\"type\": \"text\", \"text\": ...}) are supported");
    text += part["text"].get<std::string>();
  }
  return text;
}

json messages_of(const json& body) {
  if (!body.contains("messages")) refuse("messages", "'messages' is required");
  const json& ms = body["messages"];
  if (!ms.is_array() || ms.empty()) refuse("messages", "'messages' must be a non-empty list");
  json out = json::array();
  for (size_t i = 0; i < ms.size(); ++i) {
    const std::string where = "messages[" + std::to_string(i) + "]";
    const json& m = ms[i];
    if (!m.is_object()) refuse(where, "each message must be an object");
    if (!m.contains("role") || !m["role"].is_string()) refuse(where + ".role", "each message needs a 'role' string");
    const std::string role = m["role"].get<std::string>();
    if (role != "system" && role != "user" && role != "assistant" && role != "tool" && role != "developer")
      refuse(where + ".role", "unknown role '" + role + "' (system, developer, user, assistant or tool)");
    json copy = m;  // other fields (tool_calls, name, tool_call_id) go to the template as they are
    copy["content"] = content_of(m, where);
    out.push_back(std::move(copy));
  }
  return out;
}

std::vector<std::string> stops_of(const json& body) {
  if (!body.contains("stop") || body["stop"].is_null()) return {};
  const json& s = body["stop"];
  if (s.is_string()) return {s.get<std::string>()};
  if (!s.is_array() || s.size() > 4) refuse("stop", "'stop' must be a string or a list of up to 4 strings");
  std::vector<std::string> out;
  for (const json& x : s) {
    if (!x.is_string() || x.get<std::string>().empty()) refuse("stop", "each 'stop' entry must be a non-empty string");
    out.push_back(x.get<std::string>());
  }
  return out;
}

SamplerConfig sampling_of(const json& body, bool& seeded) {
  SamplerConfig s;
  s.temperature = float(number_in(body, "temperature", 1.0, 0.0, 2.0));  // OpenAI's default
  s.top_p = float(number_in(body, "top_p", 1.0, 0.0, 1.0));
  s.top_k = int32_t(integer_in(body, "top_k", 0, 0, 1 << 30));
  s.min_p = float(number_in(body, "min_p", 0.0, 0.0, 1.0));
  s.presence_penalty = float(number_in(body, "presence_penalty", 0.0, -2.0, 2.0));
  s.frequency_penalty = float(number_in(body, "frequency_penalty", 0.0, -2.0, 2.0));
  s.repeat_penalty = float(number_in(body, "repeat_penalty", 1.0, 0.0, 1e6));
  seeded = body.contains("seed") && !body["seed"].is_null();
  s.seed = uint64_t(integer_in(body, "seed", 0, INT64_MIN, INT64_MAX));
  return s;
}

void check_unsupported(const json& body) {
  if (integer_in(body, "n", 1, 1, 1) != 1) refuse("n", "'n' must be 1");
}

// Chat: `logprobs` a flag, `top_logprobs` 0..20 with it. Completions (the
// legacy API): `logprobs` the number of most likely tokens, 0..5.
int logprobs_of(const json& body, bool chat) {
  if (!chat) return static_cast<int>(integer_in(body, "logprobs", -1, 0, 5));
  const bool on = flag_in(body, "logprobs");
  const bool top_given = body.contains("top_logprobs") && !body["top_logprobs"].is_null();
  if (top_given && !on) refuse("top_logprobs", "'top_logprobs' needs 'logprobs': true");
  return on ? static_cast<int>(integer_in(body, "top_logprobs", 0, 0, 20)) : -1;
}

CompletionRequest parse(const json& body, bool chat, const ServedModel& model) {
  if (!body.is_object()) refuse("", "the request body must be a JSON object");
  if (body.contains("model") && !body["model"].is_null()) {
    if (!body["model"].is_string()) refuse("model", "'model' must be a string");
    if (body["model"].get<std::string>() != model.id)
      throw Refusal{{404, "the model '" + body["model"].get<std::string>() + "' does not exist; this server has '" +
                              model.id + "'", "invalid_request_error", "model", "model_not_found"}};
  }
  check_unsupported(body);
  CompletionRequest r;
  r.chat = chat;
  if (chat) {
    r.messages = messages_of(body);
    if (body.contains("tools") && !body["tools"].is_null()) {
      if (!body["tools"].is_array()) refuse("tools", "'tools' must be a list");
      r.tools = body["tools"];
    }
  } else {
    if (!body.contains("prompt") || !body["prompt"].is_string()) refuse("prompt", "'prompt' must be a string");
    r.prompt = body["prompt"].get<std::string>();
  }
  const char* max_key = body.contains("max_completion_tokens") ? "max_completion_tokens" : "max_tokens";
  r.max_tokens = integer_in(body, max_key, -1, 1, int64_t{1} << 31);
  r.sampling = sampling_of(body, r.seeded);
  r.stop = stops_of(body);
  r.stream = flag_in(body, "stream");
  r.logprobs = logprobs_of(body, chat);
  if (body.contains("stream_options") && !body["stream_options"].is_null()) {
    if (!body["stream_options"].is_object()) refuse("stream_options", "'stream_options' must be an object");
    r.include_usage = flag_in(body["stream_options"], "include_usage");
  }
  return r;
}

}  // namespace

std::variant<CompletionRequest, ApiError> parse_completion_request(const std::string& body, bool chat,
                                                                   const ServedModel& model) {
  const json parsed = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return ApiError{400, "the request body is not valid JSON (UTF-8)", "invalid_request_error", "", ""};
  try {
    return parse(parsed, chat, model);
  } catch (const Refusal& r) {
    return r.error;
  }
}

bool bearer_matches(std::string_view authorization, std::string_view key) {
  constexpr std::string_view kScheme = "bearer ";  // a scheme's case does not matter (RFC 9110, 11.1)
  if (authorization.size() < kScheme.size()) return false;
  for (size_t i = 0; i < kScheme.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(authorization[i])) != kScheme[i]) return false;
  const std::string_view given = authorization.substr(kScheme.size());
  volatile unsigned char differ = given.size() == key.size() ? 0 : 1;  // volatile: no early exit
  for (size_t i = 0; i < key.size(); ++i)
    differ = differ | static_cast<unsigned char>(key[i] ^ (i < given.size() ? given[i] : ~key[i]));
  return differ == 0;
}

}  // namespace reach::run::serve
