// reach-run serve as a client meets it: the OpenAI endpoints, streaming,
// every kind of bad request answered with a 4xx naming the field while the
// server keeps serving, the queue's 503, a client that goes away, shutdown.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <functional>
#include <regex>
#include <thread>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "chat/chat_template.h"
#include "tool_models.h"
#include "tool_runner.h"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using reach::test::reach_run;
using reach::test::slurp;
using reach::test::work_dir;

const reach::test::TestModelFiles& qwen3() {
  static const reach::test::TestModelFiles files =
      reach::test::write_test_model(reach::test::qwen3_spec(128), work_dir() / "serve-qwen3");
  return files;
}

// The same model as Q8_0 GGUF: the quantized batched GEMM path.
const fs::path& qwen3_q8_0() {
  static const fs::path path =
      reach::test::write_test_model(reach::test::qwen3_spec(128, {reach::run::DType::Q8_0}), work_dir() / "serve-qwen3-q8")
          .gguf.at(reach::run::DType::Q8_0);
  return path;
}

// `reach-run serve --port 0 ARGS...` in a child process, ready to answer
// (the model: qwen3()'s folder unless ARGS has -m).
class ServerProcess {
 public:
  explicit ServerProcess(std::vector<std::string> extra) {
    const fs::path err = work_dir() / ("serve-" + std::to_string(++count_) + ".err");
    std::vector<std::string> args = {REACH_RUN_BINARY, "serve", "--port", "0", "--alias", "tiny"};
    if (std::find(extra.begin(), extra.end(), "-m") == extra.end()) extra.insert(extra.begin(), {"-m", qwen3().hf_dir.string()});
    args.insert(args.end(), extra.begin(), extra.end());
    pid_ = fork();
    if (pid_ == 0) {
      freopen(err.c_str(), "w", stderr);
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
    err_ = err;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    std::smatch m;
    while (std::chrono::steady_clock::now() < deadline) {
      const std::string text = slurp(err);
      if (port_ == 0 && std::regex_search(text, m, std::regex("listening on http://127.0.0.1:([0-9]+)"))) port_ = std::stoi(m[1]);
      if (text.find("ready:") != std::string::npos) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ADD_FAILURE() << "the server did not get ready: " << slurp(err);
  }
  ~ServerProcess() {
    if (pid_ > 0 && !stopped_) stop();
  }
  int stop() {  // SIGTERM; the exit status
    stopped_ = true;
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  httplib::Client client() const {
    httplib::Client c("127.0.0.1", port_);
    c.set_read_timeout(120, 0);
    return c;
  }
  int port() const { return port_; }
  std::string stderr_text() const { return slurp(err_); }

 private:
  static inline int count_ = 0;
  pid_t pid_ = -1;
  int port_ = 0;
  bool stopped_ = false;
  fs::path err_;
};

json post(const ServerProcess& s, const std::string& path, const std::string& body, int expect_status,
          const httplib::Headers& headers = {}) {
  auto res = s.client().Post(path, headers, body, "application/json");
  EXPECT_TRUE(res) << path;
  if (!res) return {};
  EXPECT_EQ(res->status, expect_status) << path << " " << body.substr(0, 200) << " -> " << res->body;
  return json::parse(res->body, nullptr, false);
}

// The events of a streamed answer, [DONE] as the string "[DONE]".
std::vector<json> events(const std::string& body) {
  std::vector<json> out;
  size_t at = 0;
  for (size_t end; (end = body.find("\n\n", at)) != std::string::npos; at = end + 2) {
    std::string line = body.substr(at, end - at);
    EXPECT_EQ(line.rfind("data: ", 0), 0u) << line;
    line = line.substr(6);
    out.push_back(line == "[DONE]" ? json("[DONE]") : json::parse(line));
  }
  EXPECT_EQ(at, body.size()) << "a partial event at the end";
  return out;
}

const char* kChat = R"({"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hello there"}],
                        "max_tokens": 6, "temperature": 0})";

TEST(ReachRunServe, ChatCompletionIsGenerateOnTheRenderedConversation) {
  ServerProcess s({});
  const json r = post(s, "/v1/chat/completions", kChat, 200);
  EXPECT_EQ(r["object"], "chat.completion");
  EXPECT_EQ(r["model"], "tiny");
  EXPECT_EQ(r["choices"][0]["finish_reason"], "length");
  EXPECT_EQ(r["usage"]["completion_tokens"], 6);

  std::ifstream in(qwen3().hf_dir / "tokenizer_config.json");
  reach::run::ChatTemplate tmpl(json::parse(in)["chat_template"].get<std::string>(), "qwen3");
  reach::run::ChatInputs chat;
  chat.messages = json::parse(kChat)["messages"];
  const auto g = reach_run({"generate", "-m", qwen3().hf_dir.string(), "-p", tmpl.render(chat), "-n", "6", "--temp", "0",
                            "--output", "json"});
  ASSERT_EQ(g.status, 0) << g.err;
  const json generated = json::parse(g.out);
  EXPECT_EQ(r["choices"][0]["message"]["content"], generated["text"]);
  EXPECT_EQ(r["usage"]["prompt_tokens"], generated["prompt_tokens"].size());
}

TEST(ReachRunServe, ALoraAdapterServesTheMergedModelsText) {
  const auto lora = reach::test::python_lora(qwen3().hf_dir, work_dir() / "serve-lora");
  const char* body = R"({"prompt": "Hello there", "max_tokens": 8, "temperature": 0})";
  ServerProcess with({"--lora", lora.adapter.string()});
  const json r = post(with, "/v1/completions", body, 200);
  ServerProcess merged({"-m", lora.merged.string()});
  EXPECT_EQ(r["choices"][0]["text"], post(merged, "/v1/completions", body, 200)["choices"][0]["text"]);
  ServerProcess base({});
  EXPECT_NE(r["choices"][0]["text"], post(base, "/v1/completions", body, 200)["choices"][0]["text"]);
}

TEST(ReachRunServe, AStreamIsTheSameTextInChunksThenFinishUsageAndDone) {
  ServerProcess s({});
  const json whole = post(s, "/v1/chat/completions", kChat, 200);
  json streamed = json::parse(kChat);
  streamed["stream"] = true;
  streamed["stream_options"] = {{"include_usage", true}};
  auto res = s.client().Post("/v1/chat/completions", streamed.dump(), "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Content-Type"), "text/event-stream");
  const std::vector<json> ev = events(res->body);
  ASSERT_GE(ev.size(), 4u);
  std::string text;
  for (size_t i = 0; i + 3 < ev.size(); ++i) {
    EXPECT_EQ(ev[i]["object"], "chat.completion.chunk");
    EXPECT_TRUE(ev[i]["choices"][0]["finish_reason"].is_null());
    text += ev[i]["choices"][0]["delta"].value("content", "");
  }
  EXPECT_EQ(ev[0]["choices"][0]["delta"]["role"], "assistant");
  EXPECT_EQ(text, whole["choices"][0]["message"]["content"].get<std::string>());
  EXPECT_EQ(ev[ev.size() - 3]["choices"][0]["finish_reason"], "length");
  EXPECT_EQ(ev[ev.size() - 2]["usage"], whole["usage"]);
  EXPECT_EQ(ev.back(), "[DONE]");
}

// logprobs: one entry per generated token, its text the answer's text in
// order; greedy picks the most likely token, so each token is the first of
// its alternatives, with the same log-probability; streamed, the chunks'
// entries are the same tokens. (The second request reuses the first's
// cached prompt and computes its last token alone, in another summation
// order: the values agree to 1e-4, not to the bit.)
TEST(ReachRunServe, LogprobsListEachTokenWithItsAlternativesStreamedOrNot) {
  ServerProcess s({});
  json body = json::parse(kChat);
  body["logprobs"] = true;
  body["top_logprobs"] = 3;
  const json r = post(s, "/v1/chat/completions", body.dump(), 200);
  const json& content = r["choices"][0]["logprobs"]["content"];
  ASSERT_EQ(content.size(), r["usage"]["completion_tokens"].get<size_t>());
  std::string text;
  for (const json& t : content) {
    text += t["token"].get<std::string>();
    ASSERT_EQ(t["top_logprobs"].size(), 3u);
    EXPECT_EQ(t["token"], t["top_logprobs"][0]["token"]);
    EXPECT_EQ(t["logprob"], t["top_logprobs"][0]["logprob"]);
    EXPECT_LE(t["logprob"].get<double>(), 0.0);
    EXPECT_GE(t["top_logprobs"][0]["logprob"].get<double>(), t["top_logprobs"][2]["logprob"].get<double>());
  }
  EXPECT_EQ(text, r["choices"][0]["message"]["content"].get<std::string>());

  body["stream"] = true;
  auto res = s.client().Post("/v1/chat/completions", body.dump(), "application/json");
  ASSERT_TRUE(res);
  json streamed = json::array();
  for (const json& e : events(res->body))
    if (e.is_object() && e["choices"].size() && e["choices"][0]["logprobs"].is_object())
      for (const json& t : e["choices"][0]["logprobs"]["content"]) streamed.push_back(t);
  ASSERT_EQ(streamed.size(), content.size());
  for (size_t i = 0; i < content.size(); ++i) {
    EXPECT_EQ(streamed[i]["token"], content[i]["token"]);
    EXPECT_NEAR(streamed[i]["logprob"].get<double>(), content[i]["logprob"].get<double>(), 1e-4);
    EXPECT_EQ(streamed[i]["top_logprobs"].size(), 3u);
  }

  const json c = post(s, "/v1/completions", R"({"prompt": "Hello", "max_tokens": 3, "temperature": 0, "logprobs": 2})", 200);
  const json& l = c["choices"][0]["logprobs"];
  ASSERT_EQ(l["tokens"].size(), 3u);
  EXPECT_EQ(l["text_offset"][0], 0);
  EXPECT_EQ(l["text_offset"][1], l["tokens"][0].get<std::string>().size());
  EXPECT_EQ(l["top_logprobs"][0].size(), 2u);
  EXPECT_TRUE(post(s, "/v1/completions", R"({"prompt": "Hello", "max_tokens": 1})", 200)["choices"][0]["logprobs"].is_null());
}

// The official OpenAI client (npm `openai`) against the server: the checks
// are in openai_client.mjs; it exits 1 on the first that fails.
TEST(ReachRunServe, TheOpenAiClientGetsWhatItExpects) {
  ServerProcess s({});
  const fs::path out = work_dir() / "openai-client.txt";
  const std::string cmd = "node " REACH_SOURCE_DIR "/test/runtime/tool/openai_client.mjs " + std::to_string(s.port()) +
                          " >" + out.string() + " 2>&1";
  const int status = std::system(cmd.c_str());
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << slurp(out);
  EXPECT_NE(slurp(out).find("all checks passed"), std::string::npos) << slurp(out);
  std::printf("%s", slurp(out).c_str());  // what the client saw, for the log
}

TEST(ReachRunServe, BadRequestsAre4xxNamingTheFieldAndTheServerKeepsServing) {
  ServerProcess s({});
  auto param = [&](const std::string& body, int status, const std::string& path = "/v1/chat/completions") {
    const json r = post(s, path, body, status);
    EXPECT_TRUE(r.contains("error")) << body;
    EXPECT_TRUE(r["error"].contains("message") && r["error"].contains("type") && r["error"].contains("code"));
    return r["error"]["param"].is_null() ? std::string() : r["error"]["param"].get<std::string>();
  };
  EXPECT_EQ(param("{\"messages\": [", 400), "");
  EXPECT_EQ(param("[1, 2]", 400), "");
  EXPECT_EQ(param("{\"messages\": \"hi\"}", 400), "messages");
  EXPECT_EQ(param("{\"messages\": []}", 400), "messages");
  EXPECT_EQ(param("{\"messages\": [{\"role\": \"bot\", \"content\": \"x\"}]}", 400), "messages[0].role");
  EXPECT_EQ(param("{\"messages\": [{\"role\": \"user\", \"content\": 5}]}", 400), "messages[0].content");
  EXPECT_EQ(param("{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}], \"max_tokens\": 0}", 400), "max_tokens");
  EXPECT_EQ(param("{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}], \"max_tokens\": 100000}", 400), "max_tokens");
  EXPECT_EQ(param("{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}], \"n\": 2}", 400), "n");
  EXPECT_EQ(param("{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}], \"top_logprobs\": 2}", 400), "top_logprobs");
  EXPECT_EQ(param("{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}], \"logprobs\": true, \"top_logprobs\": 21}", 400),
            "top_logprobs");
  EXPECT_EQ(param("{\"prompt\": \"x\", \"logprobs\": 6}", 400, "/v1/completions"), "logprobs");
  EXPECT_EQ(param("{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}], \"temperature\": \"hot\"}", 400), "temperature");
  EXPECT_EQ(param("{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}], \"stop\": [1]}", 400), "stop");
  EXPECT_EQ(param("{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}], \"model\": \"gpt-9\"}", 404), "model");
  std::string long_text;
  for (int i = 0; i < 200; ++i) long_text += "many words here ";
  EXPECT_EQ(param("{\"prompt\": \"" + long_text + "\"}", 400, "/v1/completions"), "prompt");
  EXPECT_EQ(param("{\"prompt\": \"\\ud800 lone surrogate\"}", 400, "/v1/completions"), "");
  const std::string huge = "{\"prompt\": \"" + std::string(9u << 20, 'a') + "\"}";
  auto big = s.client().Post("/v1/completions", huge, "application/json");
  ASSERT_TRUE(big);
  EXPECT_EQ(big->status, 413);
  // Still serving.
  const json ok = post(s, "/v1/completions", R"({"prompt": "Hello", "max_tokens": 2, "temperature": 0})", 200);
  EXPECT_EQ(ok["object"], "text_completion");
  EXPECT_EQ(ok["usage"]["completion_tokens"], 2);
}

TEST(ReachRunServe, ModelsHealthTokenizeAndTheApiKey) {
  ServerProcess s({"--api-key", "sesame"});
  const httplib::Headers auth = {{"Authorization", "Bearer sesame"}};
  EXPECT_EQ(post(s, "/v1/completions", R"({"prompt": "x"})", 401)["error"]["code"], "invalid_api_key");
  EXPECT_EQ(post(s, "/v1/completions", R"({"prompt": "x"})", 401, {{"Authorization", "Bearer wrong"}})["error"]["code"],
            "invalid_api_key");
  auto health = s.client().Get("/health");  // no key needed
  ASSERT_TRUE(health);
  EXPECT_EQ(json::parse(health->body)["status"], "ok");
  auto models = s.client().Get("/v1/models", auth);
  ASSERT_TRUE(models);
  EXPECT_EQ(json::parse(models->body)["data"][0]["id"], "tiny");
  const json tokens = post(s, "/tokenize", R"({"content": "Hello world"})", 200, auth);
  const json text = post(s, "/detokenize", json{{"tokens", tokens["tokens"]}}.dump(), 200, auth);
  EXPECT_EQ(text["content"], "Hello world");
  EXPECT_EQ(post(s, "/detokenize", R"({"tokens": [-1]})", 400, auth)["error"]["param"], "tokens");
}

// Starts a stream of `body` in a thread; `keep_reading()` decides, after
// each piece, whether the client stays (false: it disconnects).
std::thread stream_in_background(const ServerProcess& s, const std::string& body, std::atomic<int>& pieces,
                                 std::function<bool()> keep_reading, std::string* received = nullptr) {
  return std::thread([&s, body, &pieces, keep_reading, received] {
    httplib::Client c = s.client();
    httplib::Request req;
    req.method = "POST";
    req.path = "/v1/completions";
    req.body = body;
    req.set_header("Content-Type", "application/json");
    req.content_receiver = [&](const char* data, size_t n, uint64_t, uint64_t) {
      if (received) received->append(data, n);
      ++pieces;
      return keep_reading();
    };
    c.send(req);
  });
}

void wait_for(const std::function<bool()>& done, int max_ms) {
  for (int t = 0; t < max_ms && !done(); t += 20) std::this_thread::sleep_for(std::chrono::milliseconds(20));
}

// A context of 65536 positions: a stream left alone runs for minutes, so
// only cancellation frees the slot in time.
const char* kEndless = R"({"prompt": "Once upon a time", "stream": true, "temperature": 1, "seed": 3})";

TEST(ReachRunServe, AFullQueueIs503WithRetryAfterAndADisconnectFreesTheSlot) {
  ServerProcess s({"--queue", "0", "-c", "65536"});
  std::atomic<int> pieces{0};
  std::atomic<bool> leave{false};
  std::thread client = stream_in_background(s, kEndless, pieces, [&] { return !leave; });
  wait_for([&] { return pieces > 0; }, 30000);
  ASSERT_GT(pieces, 0);
  // The slot is taken and nothing may wait: 503 with Retry-After.
  auto refused = s.client().Post("/v1/completions", R"({"prompt": "x", "max_tokens": 1})", "application/json");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 503);
  EXPECT_EQ(refused->get_header_value("Retry-After"), "1");
  EXPECT_EQ(json::parse(refused->body)["error"]["code"], "queue_full");
  // The client goes away: its job is cancelled and the slot is idle again.
  leave = true;
  client.join();
  bool idle = false;
  wait_for([&] {
    auto h = s.client().Get("/health");
    return idle = h && json::parse(h->body)["slots_idle"] == 1;
  }, 30000);
  EXPECT_TRUE(idle) << "the slot was not freed after the client left";
  EXPECT_EQ(post(s, "/v1/completions", R"({"prompt": "x", "max_tokens": 1})", 200)["usage"]["completion_tokens"], 1);
}

// A burst of clients connecting at once, far past the slots and the queue:
// each gets an answer, 200 or 503, never a dropped connection (httplib's
// listen backlog of 5 overflowed under such a burst and the kernel dropped
// connections it had already acknowledged: the load test saw read errors).
TEST(ReachRunServe, ABurstOfConnectionsAllGetAnAnswer) {
  ServerProcess s({"--queue", "2", "-c", "65536"});
  constexpr int kClients = 96;
  std::atomic<int> ok{0}, busy{0}, dropped{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i)
    clients.emplace_back([&] {
      while (!go) std::this_thread::yield();
      auto r = s.client().Post("/v1/completions", R"({"prompt": "x", "max_tokens": 1})", "application/json");
      if (!r) ++dropped;
      else if (r->status == 200) ++ok;
      else if (r->status == 503) ++busy;
    });
  go = true;
  for (std::thread& c : clients) c.join();
  EXPECT_EQ(dropped, 0) << ok << " answered 200, " << busy << " 503";
  EXPECT_EQ(ok + busy, kClients);
  EXPECT_GT(busy, 0) << "the burst never filled the queue";
}

TEST(ReachRunServe, SigtermEndsARunningStreamWithItsFinalChunkAndExits0) {
  ServerProcess s({"-c", "65536"});
  std::atomic<int> pieces{0};
  std::string body;
  std::thread client = stream_in_background(s, kEndless, pieces, [] { return true; }, &body);
  wait_for([&] { return pieces > 0; }, 30000);
  EXPECT_EQ(s.stop(), 0);
  client.join();
  const std::vector<json> ev = events(body);
  ASSERT_GE(ev.size(), 2u);
  EXPECT_EQ(ev.back(), "[DONE]");
  EXPECT_EQ(ev[ev.size() - 2]["choices"][0]["finish_reason"], "stop");
}

// Continuous batching: 16 greedy requests at once on 16 slots decode
// together (one pass over the weights per step, prompts prefilled between
// steps); each answer must be the one it gets alone. On the Q8_0 file (the
// batched GEMM) and the F32 folder.
TEST(ReachRunServe, GreedyAnswersAmong15OthersAreTheAnswersAlone) {
  for (const fs::path& model : {qwen3_q8_0(), qwen3().hf_dir}) {
    ServerProcess s({"-m", model.string(), "--parallel", "16"});
    std::vector<std::string> bodies, alone(16), together(16);
    for (int i = 0; i < 16; ++i)
      bodies.push_back(json{{"prompt", "Request number " + std::to_string(i) + std::string(i % 5, '!')},
                            {"max_tokens", 6 + i % 4}, {"temperature", 0}}.dump());
    for (int i = 0; i < 16; ++i) alone[i] = post(s, "/v1/completions", bodies[i], 200)["choices"][0]["text"];
    std::vector<std::thread> clients;
    for (int i = 0; i < 16; ++i)
      clients.emplace_back([&, i] { together[i] = post(s, "/v1/completions", bodies[i], 200)["choices"][0]["text"]; });
    for (auto& c : clients) c.join();
    for (int i = 0; i < 16; ++i) EXPECT_EQ(together[i], alone[i]) << model << " request " << i;
  }
}

TEST(ReachRunServe, HelpAndAnUnrunnableTemplateIsExit2) {
  const auto help = reach_run({"serve", "--help"});
  EXPECT_EQ(help.status, 0);
  EXPECT_NE(help.out.find("--api-key KEY"), std::string::npos) << help.out;
  const fs::path bad = work_dir() / "bad.jinja";
  std::ofstream(bad) << "{{ messages | wordcount }}";
  const auto r = reach_run({"serve", "-m", qwen3().hf_dir.string(), "--chat-template", bad.string(), "--port", "0"});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("the filter 'wordcount' is not supported"), std::string::npos) << r.err;
}

}  // namespace
