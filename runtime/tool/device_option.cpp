#include "tool/device_option.h"

#include <stdexcept>
#include <string>

namespace reach::run::cli {

Device device_option(const Args& a) {
  try {
    return parse_device(a.str("--device", "cpu"));
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--device: ") + e.what());
  }
}

}  // namespace reach::run::cli
