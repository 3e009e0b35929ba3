#include "forge/forge_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "formats/mib.h"

namespace reach::run {
namespace {

std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

nlohmann::json heads_json(const HeadList& heads) {
  nlohmann::json a = nlohmann::json::array();
  for (const auto& [layer, head] : heads) a.push_back({layer, head});
  return a;
}

// A panel of the plot: data coordinates mapped into a box of the SVG.
struct Panel {
  double x0, y0, w, h;          // the box, in pixels
  double xmin, xmax, ymin, ymax;
  double x(double v) const { return x0 + (v - xmin) / std::max(1e-12, xmax - xmin) * w; }
  double y(double v) const { return y0 + h - (v - ymin) / std::max(1e-12, ymax - ymin) * h; }
};

void axes(std::ostringstream& s, const Panel& p, const std::string& title, const std::string& xlabel,
          const std::string& ylabel, bool log_y) {
  s << "<rect x='" << p.x0 << "' y='" << p.y0 << "' width='" << p.w << "' height='" << p.h
    << "' fill='none' stroke='#444'/>\n";
  s << "<text x='" << p.x0 + p.w / 2 << "' y='" << p.y0 - 10 << "' text-anchor='middle' font-size='14'>" << title << "</text>\n";
  s << "<text x='" << p.x0 + p.w / 2 << "' y='" << p.y0 + p.h + 34 << "' text-anchor='middle' font-size='12'>" << xlabel << "</text>\n";
  s << "<text x='" << p.x0 - 50 << "' y='" << p.y0 + p.h / 2 << "' text-anchor='middle' font-size='12' transform='rotate(-90 "
    << p.x0 - 50 << " " << p.y0 + p.h / 2 << ")'>" << ylabel << "</text>\n";
  for (int i = 0; i <= 4; ++i) {
    const double v = p.ymin + (p.ymax - p.ymin) * i / 4;
    s << "<text x='" << p.x0 - 6 << "' y='" << p.y(v) + 4 << "' text-anchor='end' font-size='11'>"
      << (log_y ? fixed(std::pow(10.0, v), v < 2 ? 2 : 0) : fixed(v, 2)) << "</text>\n";
  }
}

std::string polyline(const std::vector<std::pair<double, double>>& pts, const Panel& p, const char* color) {
  std::ostringstream s;
  s << "<polyline fill='none' stroke='" << color << "' stroke-width='2' points='";
  for (const auto& [x, y] : pts) s << p.x(x) << "," << p.y(y) << " ";
  s << "'/>\n";
  for (const auto& [x, y] : pts) s << "<circle cx='" << p.x(x) << "' cy='" << p.y(y) << "' r='3' fill='" << color << "'/>\n";
  return s.str();
}

}  // namespace

nlohmann::json forge_json(const ForgeReport& r) {
  nlohmann::json cycles = nlohmann::json::array();
  for (const ForgeCycle& c : r.cycles)
    cycles.push_back({{"cycle", c.cycle},
                      {"heads_pruned", heads_json(c.pruned_now)},
                      {"heads_pruned_total", c.pruned_total.size()},
                      {"perplexity_before", c.ppl_before},
                      {"perplexity_pruned", c.ppl_pruned},
                      {"perplexity_after", c.ppl_after},
                      {"loss", c.loss},
                      {"seconds", c.seconds},
                      {"peak_rss_bytes", c.peak_rss},
                      {"sample", c.sample},
                      {"model", c.model.string()},
                      {"adapter", c.adapter.string()}});
  return {{"base", r.base.string()},
          {"heads", r.heads},
          {"baseline", {{"perplexity", r.baseline_ppl}, {"sample", r.baseline_sample}}},
          {"cycles", cycles}};
}

std::string forge_table(const ForgeReport& r) {
  std::ostringstream s;
  s << "baseline perplexity " << fixed(r.baseline_ppl, 4) << ", " << r.heads << " heads\n";
  s << "| cycle | heads pruned (total) | perplexity before | pruned | after | loss first -> last | time s | peak RSS |\n";
  s << "| --- | --- | --- | --- | --- | --- | --- | --- |\n";
  for (const ForgeCycle& c : r.cycles)
    s << "| " << c.cycle << " | " << c.pruned_now.size() << " (" << c.pruned_total.size() << ") | " << fixed(c.ppl_before, 4)
      << " | " << fixed(c.ppl_pruned, 4) << " | " << fixed(c.ppl_after, 4) << " | "
      << (c.loss.empty() ? "-" : fixed(c.loss.front(), 4) + " -> " + fixed(c.loss.back(), 4)) << " | "
      << fixed(c.seconds, 1) << " | " << mib(c.peak_rss) << " |\n";
  return s.str();
}

std::string forge_svg(const ForgeReport& r) {
  // The perplexity path: baseline, then per cycle after pruning (k − ½) and
  // after training (k); the loss of every step, cycle after cycle.
  std::vector<std::pair<double, double>> path{{0, std::log10(r.baseline_ppl)}}, loss;
  std::vector<double> boundaries;
  double lo = path[0].second, hi = lo, lmax = 0;
  int64_t step = 0;
  for (const ForgeCycle& c : r.cycles) {
    path.emplace_back(static_cast<double>(c.cycle) - 0.5, std::log10(c.ppl_pruned));
    path.emplace_back(static_cast<double>(c.cycle), std::log10(c.ppl_after));
    for (double l : c.loss) loss.emplace_back(static_cast<double>(++step), l), lmax = std::max(lmax, l);
    boundaries.push_back(static_cast<double>(step) + 0.5);
  }
  for (const auto& [x, y] : path) lo = std::min(lo, y), hi = std::max(hi, y);
  const double pad = std::max(0.05, (hi - lo) * 0.1);
  const Panel left{90, 50, 360, 260, -0.25, static_cast<double>(std::max<size_t>(1, r.cycles.size())) + 0.25, lo - pad, hi + pad};
  const Panel right{570, 50, 360, 260, 0.5, static_cast<double>(std::max<int64_t>(2, step)) + 0.5, 0, lmax * 1.05 + 1e-9};
  std::ostringstream s;
  s << "<svg xmlns='http://www.w3.org/2000/svg' width='980' height='420' font-family='sans-serif'>\n"
    << "<rect width='100%' height='100%' fill='white'/>\n";
  axes(s, left, "Perplexity on the eval text", "cycle (0: baseline)", "perplexity (log scale)", true);
  for (size_t k = 0; k <= r.cycles.size(); ++k)
    s << "<text x='" << left.x(static_cast<double>(k)) << "' y='" << left.y0 + left.h + 16 << "' text-anchor='middle' font-size='11'>"
      << k << "</text>\n";
  s << "<polyline fill='none' stroke='#888' stroke-width='1.5' points='";
  for (const auto& [x, y] : path) s << left.x(x) << "," << left.y(y) << " ";
  s << "'/>\n";
  for (size_t i = 0; i < path.size(); ++i)
    s << "<circle cx='" << left.x(path[i].first) << "' cy='" << left.y(path[i].second) << "' r='4' fill='"
      << (i % 2 == 1 ? "#d62728" : "#1f77b4") << "'/>\n";
  s << "<circle cx='100' cy='392' r='4' fill='#1f77b4'/><text x='110' y='396' font-size='12'>baseline, after training</text>\n"
    << "<circle cx='290' cy='392' r='4' fill='#d62728'/><text x='300' y='396' font-size='12'>after pruning</text>\n";
  axes(s, right, "Training loss", "step (dashed: a new cycle)", "loss", false);
  for (size_t i = 0; i + 1 < boundaries.size(); ++i)
    s << "<line x1='" << right.x(boundaries[i]) << "' y1='" << right.y0 << "' x2='" << right.x(boundaries[i]) << "' y2='"
      << right.y0 + right.h << "' stroke='#bbb' stroke-dasharray='4 3'/>\n";
  s << "<text x='" << right.x0 << "' y='" << right.y0 + right.h + 16 << "' font-size='11'>1</text>\n"
    << "<text x='" << right.x0 + right.w << "' y='" << right.y0 + right.h + 16 << "' text-anchor='end' font-size='11'>" << step
    << "</text>\n";
  if (!loss.empty()) s << polyline(loss, right, "#2ca02c");
  s << "</svg>\n";
  return s.str();
}

}  // namespace reach::run
