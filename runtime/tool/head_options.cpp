#include "tool/head_options.h"

#include <stdexcept>

#include "formats/mapped_file.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/unicode.h"
#include "tool/args.h"
#include "tool/memory_plan.h"
#include "tool/device_option.h"

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

std::string read_text_file(const std::string& path) {
  const MappedFile file(path);
  const auto bytes = file.bytes();
  std::string text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  if (text.empty()) throw UsageError(path + ": the file is empty; give a text");
  for (const unicode::CodePoint& c : unicode::decode_utf8(text))
    if (c.cp >= unicode::kInvalidByteBase)
      throw UsageError(path + ": not UTF-8 text (an invalid byte at offset " + std::to_string(c.offset) + ")");
  return text;
}

void add_file_activation_scores(const Args& a, const ModelSource& source, std::vector<std::vector<HeadScore>>& scores) {
  const std::string text = read_text_file(a.str("--file"));
  const auto tokens = Tokenizer::load(source.tokenizer())->encode(text, true);
  const int64_t ctx = a.integer("--ctx-size", 512, 1, int64_t{1} << 24);
  apply_memory_budget(a, source, plan_memory(source, ctx, ctx, 1));
  ThreadPool pool(static_cast<int>(a.integer("--threads", 0, 0, 1024)));
  Model model(source, pool, device_option(a));
  add_activation_scores(model, tokens, ctx, scores);
}

}  // namespace reach::run::cli
