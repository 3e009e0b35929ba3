#pragma once
// What a GPU backend throws: no usable device, too little device memory, a
// failed launch. reach-run reports it with exit status 2 (never falls back
// to the CPU on its own).
#include <stdexcept>

namespace reach::run {

struct DeviceError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace reach::run
