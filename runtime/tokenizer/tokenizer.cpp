#include "tokenizer/tokenizer.h"

#include <variant>

#include "tokenizer/bpe_tokenizer.h"
#include "tokenizer/load_tokenizer.h"

namespace reach::run {

std::unique_ptr<Tokenizer> Tokenizer::load(const TokenizerSource& source) {
  TokenizerSpec spec = std::visit(
      [](const auto& s) {
        if constexpr (std::is_same_v<std::decay_t<decltype(s)>, TokenizerJsonFile>) return load_tokenizer_json(s);
        else return load_gguf_vocab(s);
      },
      source);
  return std::make_unique<BpeTokenizer>(std::move(spec));
}

}  // namespace reach::run
