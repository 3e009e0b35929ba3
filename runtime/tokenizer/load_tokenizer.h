#pragma once
// The loaders that turn a TokenizerSource into a TokenizerSpec. Both
// validate everything they read and throw FormatError naming the file.
#include <nlohmann/json_fwd.hpp>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "tokenizer/tokenizer_data.h"
#include "tokenizer/tokenizer_spec.h"

namespace reach::run {

TokenizerSpec load_tokenizer_json(const TokenizerJsonFile& source);
// The same from already-read JSON (config may be null); the fuzzer enters here.
TokenizerSpec tokenizer_spec_from_json(const std::string& file, const nlohmann::json& root,
                                       const nlohmann::json* config, const std::string& config_file);
nlohmann::json parse_tokenizer_json_text(const std::string& file, std::string_view text);
// A tokenizer's JSON file, read through MappedFile as every model file (a
// FIFO or device is refused without blocking; over 1 GiB is refused).
nlohmann::json parse_json_file(const std::filesystem::path& path);

TokenizerSpec load_gguf_vocab(const GgufVocab& vocab);

}  // namespace reach::run
