#include "model/device.h"

#include <charconv>
#include <stdexcept>

namespace reach::run {

Device parse_device(std::string_view text) {
  if (text == "cpu") return {};
  if (text == "cuda") return {Device::Kind::Cuda, 0};
  if (text.starts_with("cuda:")) {
    const std::string_view digits = text.substr(5);
    int index = -1;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), index);
    if (ec == std::errc() && end == digits.data() + digits.size() && !digits.empty() && index >= 0)
      return {Device::Kind::Cuda, index};
  }
  throw std::invalid_argument("unknown device '" + std::string(text) + "' (cpu, cuda, cuda:N)");
}

}  // namespace reach::run
