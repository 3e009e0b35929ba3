// reach-run: load a Llama-family model (HF folder or .gguf) and generate
// text or measure speed on the CPU.
#include <cstdio>
#include <cstring>
#include <exception>
#include <new>
#include <stdexcept>

#include "chat/jinja_error.h"
#include "formats/format_error.h"
#include "kernels/cpu_features.h"
#include "kernels/device_error.h"
#include "model/memory_account.h"
#include "tool/args.h"
#include "tool/commands.h"
#include "tool/output.h"

namespace {

constexpr const char* kUsage =
    "usage: reach-run generate -m PATH (-p TEXT | -f FILE) [options]   text from a prompt\n"
    "       reach-run chat -m PATH [--system TEXT] [--chat-template NAME|FILE]  a conversation on stdin\n"
    "       reach-run serve -m PATH [--host 127.0.0.1] [--port 8080]     the OpenAI API over HTTP\n"
    "       reach-run bench -m PATH [-p 512] [-n 128] [-r 3]            speed, as llama-bench measures it\n"
    "       reach-run perplexity -m PATH -f FILE [-c 512]                 perplexity, as llama-perplexity measures it\n"
    "       reach-run heads -m PATH [-f FILE] [--svg OUT.svg]             each attention head's importance\n"
    "       reach-run prune -m PATH (--heads L:H,... | --fraction F) -o OUT  the model with heads pruned\n"
    "       reach-run quantize IN OUT --type q4_k_m|...                   HF folder or GGUF as a quantized .gguf\n"
    "       reach-run merge-lora -m PATH --lora ADAPTER[:SCALE] -o OUT      LoRA adapters merged into the weights\n"
    "       reach-run finetune -m PATH --data TEXT --out DIR [--rank 8] ... a LoRA adapter trained on a text\n"
    "       reach-run forge -m PATH --data TEXT --eval TEXT --out DIR       prune + LoRA cycles, evaluated\n"
    "       reach-run COMMAND --help                                      each command's options and defaults\n"
    "       reach-run --version\n"
    "PATH is a folder with config.json, *.safetensors and tokenizer.json, or a .gguf file.\n"
    "Exit status: 0 done, 2 bad input or options, memory that does not fit, a failed write;\n"
    "130 after Ctrl-C; 1 an internal error.\n";

}  // namespace

int main(int argc, char** argv) {
  using namespace reach::run;
  if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h")) {
    std::fputs(kUsage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  if (!std::strcmp(argv[1], "--version")) {
    std::printf("reach-run %s\n", REACH_VERSION);
    return 0;
  }
  // First, before any kernel runs: an old CPU gets a message, not SIGILL,
  // and a REACH_CPU_ISA this CPU cannot run or a malformed REACH_PREFETCH or
  // REACH_PANEL_COLUMNS is refused.
  try {
    require_cpu_features();
    chosen_isa();
    prefetch_distances();
    panel_width();
  } catch (const std::runtime_error& e) {
    std::fprintf(stderr, "reach-run: %s\n", e.what());
    return 2;
  }
  try {
    if (!std::strcmp(argv[1], "generate")) return cli::generate(argc, argv);
    if (!std::strcmp(argv[1], "chat")) return cli::chat(argc, argv);
    if (!std::strcmp(argv[1], "serve")) return cli::serve(argc, argv);
    if (!std::strcmp(argv[1], "bench")) return cli::bench(argc, argv);
    if (!std::strcmp(argv[1], "perplexity")) return cli::perplexity(argc, argv);
    if (!std::strcmp(argv[1], "heads")) return cli::heads(argc, argv);
    if (!std::strcmp(argv[1], "prune")) return cli::prune(argc, argv);
    if (!std::strcmp(argv[1], "quantize")) return cli::quantize(argc, argv);
    if (!std::strcmp(argv[1], "merge-lora")) return cli::merge_lora(argc, argv);
    if (!std::strcmp(argv[1], "finetune")) return cli::finetune(argc, argv);
    if (!std::strcmp(argv[1], "forge")) return cli::forge(argc, argv);
    throw cli::UsageError(std::string("unknown command '") + argv[1] + "'");
  } catch (const cli::UsageError& e) {
    std::fprintf(stderr, "reach-run: %s\n%s", e.what(), kUsage);
    return 2;
  } catch (const jinja::TemplateError& e) {
    std::fprintf(stderr, "reach-run: %s\n", e.what());
    return 2;
  } catch (const FormatError& e) {
    std::fprintf(stderr, "reach-run: %s\n", e.what());
    return 2;
  } catch (const DeviceError& e) {
    std::fprintf(stderr, "reach-run: --device: %s\n", e.what());
    return 2;
  } catch (const MemoryBudgetExceeded& e) {
    std::fprintf(stderr, "reach-run: %s\n", e.what());
    return 2;
  } catch (const cli::OutputError& e) {
    std::fprintf(stderr, "reach-run: %s\n", e.what());
    return 2;
  } catch (const std::bad_alloc&) {
    // The generation's memory is planned before it is allocated; this is
    // what the plan does not cover (the model's own buffers).
    std::fprintf(stderr, "reach-run: out of memory; a smaller --ctx-size or model may fit\n");
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "reach-run: internal error: %s\n", e.what());
    return 1;
  }
}
