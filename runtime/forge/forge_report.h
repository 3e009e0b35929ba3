#pragma once
// What reach-run forge writes about a run (forge_pipeline.h): the JSON
// report, the table a person reads per cycle, and an SVG plot of the
// perplexity over cycles and the training loss over steps.
#include <string>

#include <nlohmann/json.hpp>

#include "forge/forge_pipeline.h"

namespace reach::run {

nlohmann::json forge_json(const ForgeReport& r);
// One row per cycle: heads pruned, perplexity before → pruned → after,
// loss first → last, time, peak memory.
std::string forge_table(const ForgeReport& r);
// Two panels: perplexity (log scale) at the baseline and after pruning and
// after training in each cycle; the loss of every training step, cycles
// marked. Text at 11 px or more.
std::string forge_svg(const ForgeReport& r);

}  // namespace reach::run
