#include "tool/head_mask.h"

#include <stdexcept>

#include "forge/heads.h"
#include "tool/args.h"

namespace reach::run::cli {

void apply_head_mask(const Args& a, Model& model) {
  if (!a.has("--mask-heads")) return;
  try {
    model.mask_heads(parse_head_list(a.str("--mask-heads")));
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--mask-heads: ") + e.what());
  } catch (const std::out_of_range& e) {
    throw UsageError(std::string("--mask-heads: ") + e.what());
  }
}

}  // namespace reach::run::cli
