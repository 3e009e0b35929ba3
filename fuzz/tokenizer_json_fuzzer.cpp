// libFuzzer target: the input is a tokenizer.json. Loading must either
// succeed or throw FormatError; a loaded tokenizer must encode a fixed text
// (and the input's own first bytes) and decode the result without crashing.
// Seeds: fuzz/corpus/tokenizer_json/ (made by make_tokenizer_json_seeds.py).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "formats/format_error.h"
#include "tokenizer/bpe_tokenizer.h"
#include "tokenizer/load_tokenizer.h"

namespace {

constexpr std::string_view kText =
    "Hello, world! It's 2024: 12345 apples\t\tand  spaces \n\n\xC3\xA9 cafe\xCC\x81 \xE4\xB8\xAD\xE6\x96\x87 "
    "\xF0\x9F\x98\x80 <|end|> <s> ab\xFF\xFE bytes ";

void exercise(const reach::run::Tokenizer& tok, std::string_view text) {
  for (bool bos : {false, true}) {
    const std::vector<int32_t> ids = tok.encode(text, bos);
    (void)tok.decode(ids);  // every id encode makes must decode
    for (int32_t id : ids) (void)tok.token_bytes(id);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace reach::run;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  try {
    const nlohmann::json root = parse_tokenizer_json_text("fuzz/tokenizer.json", input);
    BpeTokenizer tok(tokenizer_spec_from_json("fuzz/tokenizer.json", root, nullptr, ""));
    exercise(tok, kText);
    exercise(tok, input.substr(0, 256));
    for (int32_t id = 0; id < tok.vocab_size() && id < 512; ++id) (void)tok.token_bytes(id);
  } catch (const FormatError&) {
    // A clear rejection is the expected outcome for most inputs.
  }
  return 0;
}
