#pragma once
// Where a model runs: `--device cpu|cuda[:N]` on every reach-run command.
#include <string>
#include <string_view>

namespace reach::run {

struct Device {
  enum class Kind { Cpu, Cuda };
  Kind kind = Kind::Cpu;
  int index = 0;  // which GPU
};

// "cpu", "cuda" (= cuda:0) or "cuda:N". Throws std::invalid_argument naming
// the text otherwise.
Device parse_device(std::string_view text);

}  // namespace reach::run
