// The server under load, bounded (a fixed number of requests and a time
// limit, loopback only): starts `reach-run serve`, sends REQUESTS streaming
// completions from CLIENTS concurrent clients (every DISCONNECT-th client
// leaves after its third event), then a burst of BURST requests at once
// past the queue. Prints accepted / rejected (503) / completed / left early
// / lost, time to first token and inter-token latency (p50, p99), aggregate
// streamed tokens/s, the server's peak RSS, and its exit status on SIGTERM.
// Exit 1 when a request was lost (accepted, not left, yet no [DONE]).
//
//   reach-serve-load REACH_RUN MODEL [--parallel 8] [--queue 16] [--requests 64] [--clients 16]
//                    [--max-tokens 32] [--disconnect 8] [--burst 32] [--time-limit 600] [-t 2]
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>

namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

struct Options {
  std::string reach_run, model, parallel = "8", queue = "16", threads = "2";
  int requests = 64, clients = 16, max_tokens = 32, disconnect = 8, burst = 32, time_limit = 600;
};

Options parse(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s REACH_RUN MODEL [--parallel N] [--queue N] [--requests N] [--clients N]\n"
                         "       [--max-tokens N] [--disconnect N] [--burst N] [--time-limit S] [-t N]\n", argv[0]);
    std::exit(2);
  }
  Options o{argv[1], argv[2]};
  std::map<std::string, std::string*> text = {{"--parallel", &o.parallel}, {"--queue", &o.queue}, {"-t", &o.threads}};
  std::map<std::string, int*> num = {{"--requests", &o.requests}, {"--clients", &o.clients},
                                     {"--max-tokens", &o.max_tokens}, {"--disconnect", &o.disconnect},
                                     {"--burst", &o.burst}, {"--time-limit", &o.time_limit}};
  for (int i = 3; i + 1 < argc; i += 2) {
    if (text.count(argv[i])) *text[argv[i]] = argv[i + 1];
    else if (num.count(argv[i])) *num[argv[i]] = std::stoi(argv[i + 1]);
    else std::fprintf(stderr, "unknown option %s\n", argv[i]), std::exit(2);
  }
  return o;
}

struct Server {
  pid_t pid = -1;
  int port = 0;
};

Server start(const Options& o) {
  const std::string err = "/tmp/reach-serve-load-" + std::to_string(getpid()) + ".err";
  Server s;
  s.pid = fork();
  if (s.pid == 0) {
    freopen(err.c_str(), "w", stderr);
    execl(o.reach_run.c_str(), o.reach_run.c_str(), "serve", "-m", o.model.c_str(), "--port", "0", "--parallel",
          o.parallel.c_str(), "--queue", o.queue.c_str(), "-t", o.threads.c_str(), "-c", "2048", nullptr);
    _exit(127);
  }
  const auto t0 = Clock::now();
  std::smatch m;
  while (since(t0) < 300) {
    std::ifstream f(err);
    const std::string text((std::istreambuf_iterator<char>(f)), {});
    if (!s.port && std::regex_search(text, m, std::regex("listening on http://127.0.0.1:([0-9]+)"))) s.port = std::stoi(m[1]);
    if (text.find("ready:") != std::string::npos) return s;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::fprintf(stderr, "the server did not get ready\n");
  kill(s.pid, SIGKILL);
  std::exit(1);
}

struct Tally {
  std::mutex m;
  int accepted = 0, rejected = 0, completed = 0, left = 0, lost = 0, other = 0;
  std::vector<double> ttft, itl;
  int64_t tokens = 0;
};

// One streaming request; `leave`: disconnect after the third event.
void one_stream(const Server& s, const Options& o, int i, bool leave, Tally& tally) {
  httplib::Client c("127.0.0.1", s.port);
  c.set_read_timeout(o.time_limit, 0);
  httplib::Request req;
  req.method = "POST";
  req.path = "/v1/completions";
  req.body = "{\"prompt\": \"Request " + std::to_string(i) + ": tell a story about the sea\", \"stream\": true, \"max_tokens\": " +
             std::to_string(o.max_tokens) + ", \"temperature\": 0.8, \"seed\": " + std::to_string(i) + "}";
  req.set_header("Content-Type", "application/json");
  const auto t0 = Clock::now();
  auto last = t0;
  int events = 0;
  bool done = false;
  std::vector<double> gaps;
  double first = -1;
  std::string pending;
  req.content_receiver = [&](const char* data, size_t n, uint64_t, uint64_t) {
    pending.append(data, n);
    for (size_t end; (end = pending.find("\n\n")) != std::string::npos; pending.erase(0, end + 2)) {
      const std::string event = pending.substr(0, end);
      if (event == "data: [DONE]") { done = true; continue; }
      if (event.find("\"text\":\"\"") != std::string::npos) continue;  // the final chunk
      const auto now = Clock::now();
      if (first < 0) first = std::chrono::duration<double>(now - t0).count();
      else gaps.push_back(std::chrono::duration<double>(now - last).count());
      last = now;
      ++events;
      if (leave && events >= 3) return false;
    }
    return true;
  };
  auto res = c.send(req);
  std::lock_guard lock(tally.m);
  const int status = res ? res->status : (leave && events >= 3 ? 200 : 0);
  if (status == 503) { ++tally.rejected; return; }
  if (status != 200) {
    ++tally.other;
    std::fprintf(stderr, "request %d: %s\n", i, res ? ("status " + std::to_string(res->status)).c_str() : httplib::to_string(res.error()).c_str());
    return;
  }
  ++tally.accepted;
  if (first >= 0) tally.ttft.push_back(first);
  tally.itl.insert(tally.itl.end(), gaps.begin(), gaps.end());
  tally.tokens += events;
  if (done) ++tally.completed;
  else if (leave) ++tally.left;
  else ++tally.lost;
}

double pct(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

long peak_rss_kb(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(f, line);)
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  const Server s = start(o);
  Tally streams;
  std::atomic<int> next{0};
  const auto t0 = Clock::now();
  std::vector<std::thread> clients;
  for (int c = 0; c < o.clients; ++c)
    clients.emplace_back([&] {
      for (int i; (i = next++) < o.requests && since(t0) < o.time_limit;)
        one_stream(s, o, i, o.disconnect > 0 && i % o.disconnect == o.disconnect - 1, streams);
    });
  for (auto& c : clients) c.join();
  const double wall = since(t0);

  Tally burst;  // all at once, past the queue: some must be refused
  std::vector<std::thread> wave;
  for (int i = 0; i < o.burst; ++i)
    wave.emplace_back([&, i] {
      httplib::Client c("127.0.0.1", s.port);
      c.set_read_timeout(o.time_limit, 0);
      auto res = c.Post("/v1/completions", "{\"prompt\": \"burst " + std::to_string(i) + "\", \"max_tokens\": 4}",
                        "application/json");
      std::lock_guard lock(burst.m);
      if (!res) ++burst.other, std::fprintf(stderr, "burst request %d: %s\n", i, httplib::to_string(res.error()).c_str());
      else if (res->status == 503) ++burst.rejected;
      else if (res->status == 200) ++burst.accepted, ++burst.completed;
      else ++burst.other;
    });
  for (auto& w : wave) w.join();

  const long rss = peak_rss_kb(s.pid);
  kill(s.pid, SIGTERM);
  int status = 0;
  waitpid(s.pid, &status, 0);
  std::printf("parallel %s, queue %s: %d streaming requests from %d clients (every %dth leaves early), %d tokens max each\n",
              o.parallel.c_str(), o.queue.c_str(), o.requests, o.clients, o.disconnect, o.max_tokens);
  std::printf("streams: accepted %d, rejected (503) %d, completed %d, left early %d, lost %d, other %d\n",
              streams.accepted, streams.rejected, streams.completed, streams.left, streams.lost, streams.other);
  std::printf("time to first token: p50 %.3f s, p99 %.3f s; inter-token: p50 %.4f s, p99 %.4f s\n",
              pct(streams.ttft, 0.5), pct(streams.ttft, 0.99), pct(streams.itl, 0.5), pct(streams.itl, 0.99));
  std::printf("aggregate: %lld tokens in %.1f s = %.1f tokens/s\n", static_cast<long long>(streams.tokens), wall,
              static_cast<double>(streams.tokens) / wall);
  std::printf("burst of %d: accepted %d, rejected (503) %d, other %d\n", o.burst, burst.accepted, burst.rejected, burst.other);
  std::printf("server peak RSS %.1f MiB; exit status on SIGTERM %d\n", static_cast<double>(rss) / 1024.0,
              WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  return streams.lost == 0 && streams.other == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
