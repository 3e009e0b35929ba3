// reach-run heads: each attention head's importance (forge/heads.h) as a
// table, JSON, and a layers × heads heat map in SVG.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "formats/model_source.h"
#include "forge/heads.h"
#include "tool/device_option.h"
#include "tool/args.h"
#include "tool/commands.h"
#include "tool/memory_plan.h"
#include "tool/head_options.h"
#include "tool/output.h"

namespace reach::run::cli {

namespace {

using Scores = std::vector<std::vector<HeadScore>>;

const std::vector<OptionSpec> kHeadsOptions = {
    {"--model", "-m", "PATH", "a folder or a .gguf file, as for generate"},
    {"--file", "-f", "FILE", "also score each head by its mean output norm over this text"},
    {"--ctx-size", "-c", "N", "tokens per window when reading --file (default 512)"},
    {"--output", "", "FORMAT", "'text' (default) or 'json'"},
    {"--svg", "", "FILE", "write a layers × heads heat map"},
    {"--threads", "-t", "N", "threads (default: all cores)"},
    {"--max-memory", "", "SIZE", kMaxMemoryHelp},
    kDeviceOption,
};

double shown(const HeadScore& s, bool activation) { return activation ? s.activation : s.weight_l2; }

std::string table(const Scores& scores, bool activation) {
  std::string out = activation ? "mean output norm per token" : "weight L2 = sqrt(|q rows|² + |o columns|²)";
  out += " (rows: layers, columns: heads)\nlayer";
  for (const HeadScore& s : scores.front()) out += formatted(" %9d", s.head);
  out += "\n";
  for (const auto& layer : scores) {
    out += formatted("%5d", layer.front().layer);
    for (const HeadScore& s : layer) out += formatted(" %9.4f", shown(s, activation));
    out += "\n";
  }
  return out;
}

std::string to_json(const Scores& scores) {
  nlohmann::json layers = nlohmann::json::array();
  for (const auto& layer : scores) {
    nlohmann::json heads = nlohmann::json::array();
    for (const HeadScore& s : layer) {
      nlohmann::json h = {{"head", s.head},  {"kv_head", s.kv_head}, {"weight_l2", s.weight_l2}, {"q_l2", s.q_l2},
                          {"k_l2", s.k_l2},  {"v_l2", s.v_l2},       {"o_l2", s.o_l2}};
      if (s.activation >= 0) h["activation"] = s.activation;
      heads.push_back(h);
    }
    layers.push_back({{"layer", layer.front().layer}, {"heads", heads}});
  }
  return nlohmann::json{{"layers", layers}}.dump(2) + "\n";
}

// One cell per head, white (the least important) to dark red (the most),
// the value written in each cell; a title says which score it is.
std::string heat_map(const Scores& scores, bool activation) {
  double lo = 1e300, hi = -1e300;
  for (const auto& layer : scores)
    for (const HeadScore& s : layer) lo = std::min(lo, shown(s, activation)), hi = std::max(hi, shown(s, activation));
  const int cell = 48, left = 60, top = 50;
  const int width = left + cell * static_cast<int>(scores.front().size()) + 10;
  const int height = top + cell * static_cast<int>(scores.size()) + 10;
  std::string svg = formatted("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                              "font-family=\"sans-serif\" font-size=\"11\">\n", width, height);
  svg += formatted("<text x=\"%d\" y=\"18\" font-size=\"13\">%s per head (min %.4g, max %.4g)</text>\n", left,
                   activation ? "mean output norm" : "weight L2", lo, hi);
  for (size_t h = 0; h < scores.front().size(); ++h)
    svg += formatted("<text x=\"%zu\" y=\"%d\" text-anchor=\"middle\">head %zu</text>\n", left + cell * h + cell / 2,
                     top - 6, h);
  for (size_t l = 0; l < scores.size(); ++l) {
    svg += formatted("<text x=\"%d\" y=\"%zu\" text-anchor=\"end\">layer %zu</text>\n", left - 6,
                     top + cell * l + cell / 2 + 4, l);
    for (size_t h = 0; h < scores[l].size(); ++h) {
      const double v = shown(scores[l][h], activation), t = hi > lo ? (v - lo) / (hi - lo) : 0.5;
      const int g = static_cast<int>(255 * (1 - t));
      svg += formatted("<rect x=\"%zu\" y=\"%zu\" width=\"%d\" height=\"%d\" fill=\"rgb(%d,%d,%d)\" stroke=\"#fff\">"
                       "<title>layer %zu head %zu: %.6g</title></rect>\n",
                       left + cell * h, top + cell * l, cell, cell, 200 + static_cast<int>(55 * (1 - t)), g, g, l, h, v);
      svg += formatted("<text x=\"%zu\" y=\"%zu\" text-anchor=\"middle\" fill=\"%s\">%.3g</text>\n",
                       left + cell * h + cell / 2, top + cell * l + cell / 2 + 4, t > 0.6 ? "#fff" : "#000", v);
    }
  }
  return svg + "</svg>\n";
}

}  // namespace

int heads(int argc, char** argv) {
  const Args a(argc, argv, 2, kHeadsOptions);
  if (a.help()) {
    write_stdout(usage("heads", "Scores each attention head's importance.", kHeadsOptions));
    return 0;
  }
  const std::string output = a.str("--output", "text");
  if (output != "text" && output != "json") throw UsageError("--output is 'text' or 'json', got '" + output + "'");
  const auto source = open_model(a.str("--model"));
  Scores scores = head_weight_scores(*source);
  const bool activation = a.has("--file");
  if (activation) add_file_activation_scores(a, *source, scores);
  if (a.has("--svg")) {
    std::ofstream svg(a.str("--svg"), std::ios::binary);
    svg << heat_map(scores, activation);
    if (!svg.flush()) throw OutputError("cannot write " + a.str("--svg"));
  }
  write_stdout(output == "json" ? to_json(scores) : table(scores, false) + (activation ? "\n" + table(scores, true) : ""));
  finish_stdout();
  return 0;
}

}  // namespace reach::run::cli
