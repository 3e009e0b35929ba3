#pragma once
// What the CUDA tests share: whether there is a GPU to test on (every test
// is skipped, saying why, when there is none) and the error measure.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "kernels/cuda/device.h"
#include "kernels/device_error.h"

namespace reach::run::testing {

// Why there is no GPU to test on, or "" when there is one.
inline std::string no_gpu_reason() {
  static const std::string reason = [] {
    try {
      cuda::use_device(0);
      return std::string();
    } catch (const DeviceError& e) {
      return std::string(e.what());
    }
  }();
  return reason;
}

#define SKIP_WITHOUT_GPU()                                                                                   \
  if (const std::string why = ::reach::run::testing::no_gpu_reason(); !why.empty()) GTEST_SKIP() << "skipped: " << why

// Normalised mean squared error, as llama.cpp's test-backend-ops measures
// it: Σ (got - want)² / Σ want².
inline double nmse(const std::vector<float>& got, const std::vector<float>& want) {
  double err = 0, norm = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    err += (double{got[i]} - want[i]) * (double{got[i]} - want[i]);
    norm += double{want[i]} * want[i];
  }
  return norm == 0 ? err : err / norm;
}

}  // namespace reach::run::testing
