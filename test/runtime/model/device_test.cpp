// --device's values (model/device.h).
#include "model/device.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace reach::run {
namespace {

TEST(Device, CpuCudaAndCudaNParse) {
  EXPECT_EQ(parse_device("cpu").kind, Device::Kind::Cpu);
  const Device cuda = parse_device("cuda");
  EXPECT_EQ(cuda.kind, Device::Kind::Cuda);
  EXPECT_EQ(cuda.index, 0);
  EXPECT_EQ(parse_device("cuda:3").index, 3);
}

TEST(Device, AnythingElseIsRefusedNamingTheText) {
  for (const char* bad : {"", "gpu", "CUDA", "cuda:", "cuda:-1", "cuda:1x", "cuda:99999999999", " cpu"}) {
    try {
      parse_device(bad);
      ADD_FAILURE() << "'" << bad << "' was accepted";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("unknown device '" + std::string(bad) + "'"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace reach::run
