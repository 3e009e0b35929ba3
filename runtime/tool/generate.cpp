// reach-run generate: prompt -> tokens -> prefill -> sample/decode loop,
// streaming whole characters to stdout (or one JSON object at the end).
#include <cstdio>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "formats/mapped_file.h"
#include "tool/args.h"
#include "tool/commands.h"
#include "tool/generation.h"
#include "tool/head_options.h"
#include "tool/output.h"

namespace reach::run::cli {

namespace {

std::vector<OptionSpec> generate_options() {
  std::vector<OptionSpec> specs = generation_option_specs(
      "tokens to generate; -1 until EOS or the context is full (default 128; alias --n-predict)");
  specs.insert(specs.begin() + 1, {{"--prompt", "-p", "TEXT", "the prompt"},
                                   {"--file", "-f", "FILE", "read the prompt from FILE ('-': standard input)"},
                                   {"--escape", "-e", "", "process \\n, \\t, \\\\, \\\" and \\' in the prompt"}});
  specs.push_back({"--mask-heads", "", "LIST", kMaskHeadsHelp});
  specs.push_back({"--output", "", "text|json", "stream text, or print one JSON object at the end (default text)"});
  return specs;
}

const char* kGenerateSummary =
    "Generates text from a prompt, streaming it to stdout; why it stopped and the speeds go to stderr.";

// -e: the escapes llama-cli's --escape processes.
std::string unescape(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\' || i + 1 == s.size()) {
      out += s[i];
      continue;
    }
    const char c = s[++i];
    out += c == 'n' ? '\n' : c == 't' ? '\t' : c == 'r' ? '\r' : c;  // \\, \", \' stand for themselves
  }
  return out;
}

std::string read_prompt_file(const std::string& path) {
  if (path == "-") return {std::istreambuf_iterator<char>(std::cin), {}};
  const MappedFile file(path);
  const auto bytes = file.bytes();
  return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

std::string prompt_of(const Args& a) {
  if (a.has("--prompt") == a.has("--file")) throw UsageError("give the prompt with --prompt TEXT or --file FILE (one)");
  const std::string prompt = a.has("--file") ? read_prompt_file(a.str("--file")) : a.str("--prompt");
  return a.has("--escape") ? unescape(prompt) : prompt;
}

}  // namespace

int generate(int argc, char** argv) {
  const std::vector<OptionSpec> specs = generate_options();
  const Args args(argc, argv, 2, specs);
  if (args.help()) {
    write_stdout(usage("generate", kGenerateSummary, specs));
    return 0;
  }
  const GenerationOptions opt = parse_generation_options(args, 128);
  const std::string prompt_text = prompt_of(args);
  const std::string output = args.str("--output", "text");
  if (output != "text" && output != "json") throw UsageError("--output is 'text' or 'json', got '" + output + "'");
  Session s(opt);
  const std::vector<int32_t> prompt = s.tokenizer->encode(prompt_text, /*add_bos=*/true);
  if (prompt.empty()) throw UsageError("the prompt encodes to no tokens; give some text");
  const int64_t positions = s.load_weights(opt, static_cast<int64_t>(prompt.size()), static_cast<int64_t>(prompt.size()));
  apply_head_mask(args, *s.model);
  catch_interrupt();
  TextStream stream(opt.stops);
  KVCache cache = s.model->make_cache(positions, opt.cache_type);
  Sampler sampler(opt.sampling);
  std::vector<int32_t> history;
  const Generation g = continue_generation(s, opt, cache, prompt, history, sampler, stream, [&](const std::string& text) {
    if (output == "text") write_stdout(text);
  });
  const std::string tail = stream.finish();
  const double prefill_tps = per_second(static_cast<double>(prompt.size()), g.prefill_s);
  const double decode_tps = per_second(static_cast<double>(g.decode_steps), g.decode_s);
  if (output == "text") {
    write_stdout(tail + "\n");
    std::fprintf(stderr, "reach-run: stop: %s; prompt %zu tokens at %.2f t/s, generated %zu tokens at %.2f t/s\n",
                 to_string(g.stop), prompt.size(), prefill_tps, g.tokens.size(), decode_tps);
  } else {
    const nlohmann::json result = {
        {"prompt_tokens", prompt},
        {"tokens", g.tokens},
        {"text", stream.text()},
        {"stop", to_string(g.stop)},
        {"prefill_tokens_per_s", prefill_tps},
        {"decode_tokens_per_s", decode_tps},
    };
    write_stdout(result.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
  }
  finish_stdout();
  return g.stop == Stop::Interrupted ? 130 : 0;
}

}  // namespace reach::run::cli
