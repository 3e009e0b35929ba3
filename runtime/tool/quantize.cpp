// reach-run quantize IN OUT --type MIX: an HF folder (forge/hf_to_gguf.h) or
// a GGUF file (forge/gguf_requantize.h) written as a GGUF file with its
// weights quantized by a llama.cpp mix (forge/quantize_mix.h), streamed
// tensor by tensor, so memory stays near the largest tensor.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <string>

#include "formats/format_error.h"
#include "formats/gguf.h"
#include "formats/mapped_file.h"
#include "formats/gguf_names.h"
#include "formats/model_source.h"
#include "formats/model_tensors.h"
#include "forge/gguf_requantize.h"
#include "forge/hf_to_gguf.h"
#include "forge/quantize_mix.h"
#include "tool/args.h"
#include "tool/commands.h"
#include "tool/output.h"

namespace reach::run::cli {

namespace {

std::string mix_names() {
  std::string names;
  for (const QuantizeMix& m : quantize_mixes()) names += (names.empty() ? "" : "|") + std::string(m.name);
  return names;
}

const std::vector<OptionSpec> kQuantizeOptions = {
    {"--model", "-m", "PATH", "the HF folder or GGUF file to quantize (or give IN OUT first)"},
    {"--out", "-o", "PATH", "the .gguf file to write"},
    {"--type", "", "MIX", mix_names() + ": llama.cpp's type per tensor (docs/formats.md)"},
    {"--threads", "-t", "N", "threads converting each tensor (default: all cores)"},
    {"--allow-requantize", "", "", "let a GGUF input's quantized tensors be quantized again (rounds them twice)"},
};

// A bar on a terminal, otherwise one line per tensor.
void report_tensor(size_t done, size_t total, const TensorView& t) {
  const std::string what = gguf_name(t.name) + " " + std::string(type_traits(t.dtype).name);
  if (isatty(STDERR_FILENO)) {
    const int filled = static_cast<int>(40 * done / total);
    std::fprintf(stderr, "\r[%-40s] %zu/%zu %-48s", std::string(filled, '#').c_str(), done, total, what.c_str());
    if (done == total) std::fputc('\n', stderr);
  } else {
    std::fprintf(stderr, "[%zu/%zu] %s\n", done, total, what.c_str());
  }
}

// IN OUT given first, as llama-quantize takes them, become --model and --out.
Args parse(int argc, char** argv) {
  if (argc >= 4 && argv[2][0] != '-' && argv[3][0] != '-') {
    std::vector<char*> rest = {argv[0], argv[1], const_cast<char*>("--model"), argv[2],
                               const_cast<char*>("--out"), argv[3]};
    rest.insert(rest.end(), argv + 4, argv + argc);
    return Args(static_cast<int>(rest.size()), rest.data(), 2, kQuantizeOptions);
  }
  return Args(argc, argv, 2, kQuantizeOptions);
}

}  // namespace

int quantize(int argc, char** argv) {
  const Args a = parse(argc, argv);
  if (a.help()) {
    write_stdout(usage("quantize IN OUT --type MIX",
                       "Writes an HF folder as a GGUF file quantized as llama-quantize would.", kQuantizeOptions));
    return 0;
  }
  if (!a.has("--model") || !a.has("--out")) throw UsageError("quantize needs IN and OUT: quantize IN OUT --type MIX");
  if (!a.has("--type")) throw UsageError("quantize needs --type " + mix_names());
  QuantizeMix mix;
  try {
    mix = parse_mix(a.str("--type"));
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  const std::filesystem::path in = a.str("--model"), out = a.str("--out");
  if (out.extension() != ".gguf") throw UsageError(out.string() + ": quantize writes a .gguf file");
  const auto source = open_model(in);  // FormatError names a folder or file it cannot read
  const ModelConfig& c = source->config();
  GgufWriteOptions options;
  options.file_type = mix.file_type;
  options.threads = static_cast<int>(a.integer("--threads", 0, 0, 1024));
  options.type = [&](const std::string& name, const TensorView& t) {
    return mix_type(mix, {name, t.shape, c.n_layers, c.n_heads / c.n_kv_heads, c.tied_embeddings});
  };
  std::error_code ec;
  const bool from_gguf = !std::filesystem::is_directory(in, ec);
  const size_t total = from_gguf ? parse_gguf(MappedFile(in).bytes(), in.string()).tensors.size()
                                 : stored_tensors(c).size();
  size_t done = 0;
  const TensorEdit progress = [&](const TensorView& t, std::span<std::byte>) { report_tensor(++done, total, t); };
  const auto start = std::chrono::steady_clock::now();
  try {
    if (from_gguf) requantize_gguf(in, out, progress, options, a.has("--allow-requantize"));
    else write_gguf_from_hf(*source, out, progress, options);
  } catch (const FormatError&) {
    throw;  // the input's fault, named by main
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  } catch (const std::runtime_error& e) {
    throw OutputError(e.what());
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  write_stdout("wrote " + out.string() + " (" + std::string(mix.name) + ", " + std::to_string(total) + " tensors, " +
               std::to_string(std::filesystem::file_size(out) >> 20) + " MiB) in " + std::to_string(seconds) + " s\n");
  finish_stdout();
  return 0;
}

}  // namespace reach::run::cli
