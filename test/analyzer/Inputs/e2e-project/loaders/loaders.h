#pragma once
#include <string>
namespace loaders {
bool load_safetensors(const std::string &path);
bool load_gguf_legacy(const std::string &path);
bool load_npz(const std::string &path);
}
