// --cache-type in-process (tool/cache_type_option.h): F16 by default on the
// CPU, as llama.cpp's; F32, the only type its backend has, by default on a
// GPU; anything else a UsageError naming the option. (On this machine a GPU
// run cannot start, so the binary's tests cannot see the GPU's default.)
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tool/cache_type_option.h"

namespace {

using reach::run::Device;
using reach::run::DType;
using reach::run::cli::Args;
using reach::run::cli::cache_type_option;
using reach::run::cli::UsageError;

// The option as a command line that gives `words` after the command's name.
DType cache_type_of(std::vector<std::string> words, Device device) {
  std::vector<char*> argv = {const_cast<char*>("reach-run"), const_cast<char*>("bench")};
  for (std::string& w : words) argv.push_back(w.data());
  const Args args(static_cast<int>(argv.size()), argv.data(), 2, {reach::run::cli::kCacheTypeOption});
  return cache_type_option(args, device);
}

const Device kCpu{Device::Kind::Cpu, 0};
const Device kGpu{Device::Kind::Cuda, 0};

TEST(CacheTypeOption, F16OnTheCpuAndF32OnAGpuByDefault) {
  EXPECT_EQ(cache_type_of({}, kCpu), DType::F16);
  EXPECT_EQ(cache_type_of({}, kGpu), DType::F32);
}

TEST(CacheTypeOption, EitherTypeWhenGivenOnTheCpuAndOnlyF32OnAGpu) {
  EXPECT_EQ(cache_type_of({"--cache-type", "f32"}, kCpu), DType::F32);
  EXPECT_EQ(cache_type_of({"--cache-type=f16"}, kCpu), DType::F16);
  EXPECT_EQ(cache_type_of({"--cache-type", "f32"}, kGpu), DType::F32);
  try {
    cache_type_of({"--cache-type", "f16"}, kGpu);
    ADD_FAILURE() << "F16 on a GPU was accepted";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("the CUDA backend's KV cache is F32"), std::string::npos) << e.what();
  }
  try {
    cache_type_of({"--cache-type", "q8_0"}, kCpu);
    ADD_FAILURE() << "q8_0 was accepted";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("--cache-type q8_0: expected f32 or f16"), std::string::npos) << e.what();
  }
}

}  // namespace
