// reach-run serve: the OpenAI-compatible HTTP server (cpp-httplib). The
// HTTP threads check each request (serve/api_request), render and tokenize
// its prompt, and hand it to the generation worker (serve/engine); they
// answer with the whole completion or stream it as server-sent events.
#include <signal.h>
#include <sys/socket.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <random>
#include <thread>

#include <httplib.h>

#include "chat/chat_template.h"
#include "chat/jinja_error.h"
#include "serve/api_request.h"
#include "serve/api_response.h"
#include "serve/engine.h"
#include "tool/args.h"
#include "tool/cache_type_option.h"
#include "tool/device_option.h"
#include "tool/lora_option.h"
#include "tool/commands.h"
#include "tool/generation.h"
#include "tool/memory_plan.h"
#include "tool/output.h"
#include "tool/template_option.h"

namespace reach::run::cli {
namespace {

using serve::ApiError;
using serve::CompletionRequest;
using nlohmann::json;

std::vector<OptionSpec> serve_options() {
  return {
    {"--model", "-m", "PATH", "a folder (config.json, *.safetensors, tokenizer.json) or a .gguf file"},
    {"--host", "", "ADDR", "the address to listen on (default 127.0.0.1)"},
    {"--port", "", "N", "the port; 0 picks a free one and prints it (default 8080)"},
    {"--parallel", "-np", "N", "sequences decoding together, each with its own context (default 1)"},
    {"--queue", "", "N", "requests that may wait for a slot; more get 503 (default 16)"},
    {"--ctx-size", "-c", "N", "context positions of each slot (default: the model's trained context)"},
    {"--api-key", "", "KEY", "require 'Authorization: Bearer KEY' (default: none)"},
    {"--chat-template", "", "NAME|FILE", chat_template_help()},
    {"--alias", "", "NAME", "the model's id in the API (default: the model file or folder's name)"},
    {"--threads", "-t", "N", "threads (default: all cores)"},
    {"--max-memory", "", "SIZE", kMaxMemoryHelp},
    kLoraOption,
    kDeviceOption,
    kCacheTypeOption,
  };
}

const char* kServeSummary =
    "Serves the model over HTTP as the OpenAI API does: POST /v1/chat/completions, /v1/completions, "
    "/tokenize, /detokenize; GET /v1/models, /health. Stops on SIGINT/SIGTERM.";

constexpr size_t kMaxBody = 8u << 20;  // a larger request body is 413

volatile std::sig_atomic_t g_stop = 0;
void on_stop(int) { g_stop = 1; }

void answer(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace), "application/json");
}

void answer(httplib::Response& res, const ApiError& e) {
  if (e.status == 503) res.set_header("Retry-After", "1");
  answer(res, e.status, e.body());
}

ApiError error(int status, std::string message, std::string param = "", std::string code = "",
               std::string type = "invalid_request_error") {
  return {status, std::move(message), std::move(type), std::move(param), std::move(code)};
}

// Everything the handlers share.
struct Server {
  Session& session;
  std::optional<ChatTemplate> chat_template;
  std::string model_id, api_key;
  TemplateTokens special;
  std::unique_ptr<serve::Engine> engine;  // set once the weights are loaded
  std::atomic<bool> ready{false};
  std::atomic<uint64_t> next_id{1};

  bool authorized(const httplib::Request& req, httplib::Response& res) const {
    if (api_key.empty() || serve::bearer_matches(req.get_header_value("Authorization"), api_key)) return true;
    answer(res, error(401, "a valid API key is required: 'Authorization: Bearer KEY'", "", "invalid_api_key"));
    return false;
  }

  // The request's prompt as tokens, or why it cannot run.
  std::variant<std::vector<int32_t>, ApiError> prompt_of(const CompletionRequest& r) const {
    std::vector<int32_t> tokens;
    if (r.chat) {
      if (!chat_template)
        return error(400, "the model has no chat template; start the server with --chat-template", "messages");
      ChatInputs in;
      in.messages = r.messages;
      in.tools = r.tools;
      in.bos_token = special.bos;
      in.eos_token = special.eos;
      std::string text;
      try {
        text = chat_template->render(in);
      } catch (const jinja::TemplateError& e) {
        return error(400, std::string("the chat template refused the messages: ") + e.what(), "messages");
      }
      tokens = encode_rendered(*session.tokenizer, text, special.bos);
    } else {
      tokens = session.tokenizer->encode(r.prompt, true);
    }
    const int64_t n = static_cast<int64_t>(tokens.size()), ctx = engine->context();
    const char* field = r.chat ? "messages" : "prompt";
    if (n == 0) return error(400, "the prompt is empty", field);
    if (n >= ctx)
      return error(400, "the prompt is " + std::to_string(n) + " tokens; the context holds " + std::to_string(ctx), field,
                   "context_length_exceeded");
    if (r.max_tokens > 0 && n + r.max_tokens > ctx)
      return error(400, "the prompt (" + std::to_string(n) + " tokens) and max_tokens (" + std::to_string(r.max_tokens) +
                            ") pass the context of " + std::to_string(ctx),
                   "max_tokens", "context_length_exceeded");
    return tokens;
  }

  void complete(const httplib::Request& req, httplib::Response& res, bool chat) {
    if (!authorized(req, res)) return;
    auto parsed = serve::parse_completion_request(req.body, chat, {model_id});
    if (auto* e = std::get_if<ApiError>(&parsed)) return answer(res, *e);
    CompletionRequest r = std::move(std::get<CompletionRequest>(parsed));
    auto prompt = prompt_of(r);
    if (auto* e = std::get_if<ApiError>(&prompt)) return answer(res, *e);
    if (!r.seeded) r.sampling.seed = std::random_device{}();
    std::vector<int32_t> tokens = std::move(std::get<std::vector<int32_t>>(prompt));
    const int64_t prompt_tokens = static_cast<int64_t>(tokens.size());
    auto job = std::make_shared<serve::Job>(std::move(tokens), r.max_tokens, r.sampling, r.stop, r.logprobs);
    if (!engine->submit(job)) return answer(res, error(503, "the server is busy: its queue is full", "", "queue_full", "server_error"));
    const serve::ResponseHead head{(chat ? "chatcmpl-" : "cmpl-") + std::to_string(next_id++),
                                   static_cast<int64_t>(std::time(nullptr)), model_id, chat};
    if (!r.stream) {
      std::string text;
      std::vector<serve::TokenLogprobs> logprobs;
      for (serve::Piece piece; job->next(piece);) {
        text += piece.text;
        logprobs.insert(logprobs.end(), piece.logprobs.begin(), piece.logprobs.end());
      }
      const serve::Usage usage{prompt_tokens, job->completion_tokens()};
      return answer(res, 200,
                    serve::completion(head, text, job->finish_reason(), usage, asked(r.logprobs, logprobs, 0)));
    }
    stream(res, job, head, prompt_tokens, r.include_usage);
  }

  static std::optional<serve::ChoiceLogprobs> asked(int logprobs, const std::vector<serve::TokenLogprobs>& tokens,
                                                    size_t offset) {
    if (logprobs < 0) return std::nullopt;
    return serve::ChoiceLogprobs{tokens, offset};
  }

  // One event per piece of text; the last chunk says why it ended; then
  // the usage when asked, and [DONE]. A client that goes away cancels.
  static void stream(httplib::Response& res, std::shared_ptr<serve::Job> job, serve::ResponseHead head,
                     int64_t prompt_tokens, bool include_usage) {
    res.set_chunked_content_provider(
        "text/event-stream",
        [job, head, prompt_tokens, include_usage](size_t, httplib::DataSink& sink) {
          auto send = [&](const std::string& s) { return sink.is_writable() && sink.write(s.data(), s.size()); };
          bool first = true;
          size_t offset = 0;  // of the next token in the completion's text
          for (serve::Piece piece; job->next(piece);) {
            const auto logprobs = asked(job->logprobs, piece.logprobs, offset);
            if (!send(serve::sse(serve::chunk(head, piece.text, first, std::nullopt, logprobs))))
              return job->cancel(), false;
            for (const serve::TokenLogprobs& t : piece.logprobs) offset += t.chosen.text.size();
            first = false;
          }
          bool ok = send(serve::sse(serve::chunk(head, "", first, job->finish_reason())));
          if (ok && include_usage) ok = send(serve::sse(serve::usage_chunk(head, {prompt_tokens, job->completion_tokens()})));
          if (ok) ok = send("data: [DONE]\n\n");
          if (ok) sink.done();
          return ok;
        },
        [job](bool success) {
          if (!success) job->cancel();
        });
  }

  void routes(httplib::Server& svr) {
    svr.Get("/health", [this](const httplib::Request&, httplib::Response& res) {
      if (!ready) return answer(res, 503, {{"status", "loading model"}});
      const serve::Engine::Load load = engine->load();
      answer(res, 200, {{"status", "ok"}, {"slots_idle", load.idle_slots}, {"requests_waiting", load.queued}});
    });
    auto when_ready = [this](auto handler) {
      return [this, handler](const httplib::Request& req, httplib::Response& res) {
        if (!ready) return answer(res, error(503, "the model is still loading", "", "loading", "server_error"));
        handler(req, res);
      };
    };
    svr.Post("/v1/chat/completions", when_ready([this](const auto& req, auto& res) { complete(req, res, true); }));
    svr.Post("/v1/completions", when_ready([this](const auto& req, auto& res) { complete(req, res, false); }));
    svr.Get("/v1/models", when_ready([this](const auto& req, auto& res) {
      if (!authorized(req, res)) return;
      answer(res, 200, {{"object", "list"},
                        {"data", json::array({{{"id", model_id}, {"object", "model"}, {"created", 0}, {"owned_by", "reach-run"}}})}});
    }));
    svr.Post("/tokenize", when_ready([this](const auto& req, auto& res) { tokenize(req, res); }));
    svr.Post("/detokenize", when_ready([this](const auto& req, auto& res) { detokenize(req, res); }));
    svr.set_error_handler([](const httplib::Request&, httplib::Response& res) {
      if (!res.body.empty()) return;
      if (res.status == 413) return answer(res, error(413, "the request body is larger than 8 MiB"));
      if (res.status == 404) return answer(res, error(404, "no such endpoint", "", "not_found"));
    });
  }

  void tokenize(const httplib::Request& req, httplib::Response& res) {
    if (!authorized(req, res)) return;
    const json body = json::parse(req.body, nullptr, false);
    if (body.is_discarded() || !body.is_object() || !body.contains("content") || !body["content"].is_string())
      return answer(res, error(400, "expected {\"content\": \"text\"}", "content"));
    const bool add_special = body.value("add_special", false);
    answer(res, 200, {{"tokens", session.tokenizer->encode(body["content"].get<std::string>(), add_special)}});
  }

  void detokenize(const httplib::Request& req, httplib::Response& res) {
    if (!authorized(req, res)) return;
    const json body = json::parse(req.body, nullptr, false);
    if (body.is_discarded() || !body.is_object() || !body.contains("tokens") || !body["tokens"].is_array())
      return answer(res, error(400, "expected {\"tokens\": [ids]}", "tokens"));
    std::vector<int32_t> ids;
    for (const json& t : body["tokens"]) {
      if (!t.is_number_integer() || t.get<int64_t>() < 0 || t.get<int64_t>() >= session.tokenizer->vocab_size())
        return answer(res, error(400, "token ids must be integers in [0, " + std::to_string(session.tokenizer->vocab_size()) + ")", "tokens"));
      ids.push_back(t.get<int32_t>());
    }
    answer(res, 200, {{"content", session.tokenizer->decode(ids)}});
  }
};

}  // namespace

int serve(int argc, char** argv) {
  const std::vector<OptionSpec> specs = serve_options();
  const Args args(argc, argv, 2, specs);
  if (args.help()) {
    write_stdout(usage("serve", kServeSummary, specs));
    return 0;
  }
  const int parallel = static_cast<int>(args.integer("--parallel", 1, 1, 256));
  GenerationOptions opt;
  opt.model = args.str("--model");
  opt.ctx_size = args.integer("--ctx-size", 0, 0, int64_t{1} << 31);
  opt.threads = static_cast<int>(args.integer("--threads", 0, 0, 1024));
  opt.max_tokens = -1;
  opt.max_memory_given = args.has("--max-memory");
  opt.max_memory = args.str("--max-memory", "");
  opt.device = device_option(args);
  opt.cache_type = cache_type_option(args, opt.device);
  opt.loras = args.all("--lora");
  const size_t queue = static_cast<size_t>(args.integer("--queue", 16, 0, 4096));
  Session session(opt);
  Server server{session, chat_template_option(args, session.source->tokenizer())};
  server.model_id = args.str("--alias", std::filesystem::path(opt.model).filename().string());
  server.api_key = args.str("--api-key", "");
  server.special = template_tokens(*session.tokenizer, session.source->config());

  httplib::Server svr;
  svr.set_payload_max_length(kMaxBody);
  svr.set_tcp_nodelay(true);  // each streamed event leaves at once (Nagle would hold small writes)
  // Threads beyond slots + queue, so that a request past them reaches the
  // handler and gets its 503 rather than waiting for a thread.
  svr.new_task_queue = [queue, parallel] { return new httplib::ThreadPool(queue + static_cast<size_t>(parallel) + 32); };
  server.routes(svr);
  // httplib listens with a backlog of 5 (CPPHTTPLIB_LISTEN_BACKLOG, compiled
  // into Debian's library): a burst of clients overflowed it, and the kernel
  // dropped connections it had already acknowledged, so those clients got a
  // read error instead of their answer or 503. A second listen() on the
  // bound socket raises the backlog (Linux takes the new value).
  socket_t listening = INVALID_SOCKET;
  svr.set_socket_options([&listening](socket_t sock) {
    httplib::default_socket_options(sock);
    listening = sock;
  });
  const std::string host = args.str("--host", "127.0.0.1");
  int port = static_cast<int>(args.integer("--port", 8080, 0, 65535));
  if (port == 0) port = svr.bind_to_any_port(host);
  else if (!svr.bind_to_port(host, port)) port = -1;
  if (port <= 0) throw UsageError("cannot listen on " + host + ":" + args.str("--port", "8080"));
  if (listening != INVALID_SOCKET && ::listen(listening, SOMAXCONN) != 0)
    std::fprintf(stderr, "reach-run: warning: could not raise the listen backlog: %s\n", std::strerror(errno));
  std::thread listener([&] { svr.listen_after_bind(); });
  std::fprintf(stderr, "reach-run: listening on http://%s:%d (loading the model)\n", host.c_str(), port);

  struct sigaction sa {};
  sa.sa_handler = on_stop;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  try {
    const int64_t positions = session.load_weights(opt, 1, serve::Engine::kPrefillChunk, parallel);
    server.engine = std::make_unique<serve::Engine>(*session.model, *session.tokenizer, session.eos_ids(), positions,
                                                    parallel, queue, opt.cache_type);
    server.ready = true;
    std::fprintf(stderr, "reach-run: ready: model '%s', %d slot(s) of %lld positions\n", server.model_id.c_str(),
                 parallel, static_cast<long long>(positions));
    while (!g_stop) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    std::fprintf(stderr, "reach-run: stopping: ending the running requests\n");
    server.engine->shut_down();  // streams end with their final chunk
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  } catch (...) {
    svr.stop();
    listener.join();
    throw;
  }
  svr.stop();
  listener.join();
  server.engine.reset();
  return 0;
}

}  // namespace reach::run::cli
