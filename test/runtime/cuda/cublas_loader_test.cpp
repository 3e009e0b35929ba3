// cuBLAS opened on demand (cublas_loader.h): every function the backend calls
// resolves from this toolkit's library, and a library that is missing or
// lacks them is an error naming each one tried. Runs without a GPU: opening
// the library and asking it for a status's text need none.
#include "kernels/cuda/cublas_loader.h"

#include <gtest/gtest.h>

#include <string>

#include "kernels/device_error.h"

namespace reach::run::cuda {
namespace {

TEST(CublasApi, ResolvesEveryFunctionTheBackendCalls) {
  const CublasApi& api = cublas();
  EXPECT_NE(api.create, nullptr);
  EXPECT_NE(api.destroy, nullptr);
  EXPECT_NE(api.set_stream, nullptr);
  EXPECT_NE(api.sgemm, nullptr);
  EXPECT_NE(api.gemm_ex, nullptr);
  ASSERT_NE(api.status_string, nullptr);
  EXPECT_STREQ(api.status_string(CUBLAS_STATUS_NOT_INITIALIZED), "the library was not initialized");
  EXPECT_EQ(&cublas(), &api) << "loaded once a process";
}

// Returns the message of the DeviceError load_cublas throws, or fails.
std::string load_error(std::initializer_list<std::string> libraries) {
  try {
    load_cublas(std::span<const std::string>(libraries.begin(), libraries.size()));
  } catch (const DeviceError& e) {
    return e.what();
  }
  ADD_FAILURE() << "loaded cuBLAS from libraries that do not hold it";
  return "";
}

TEST(CublasApi, AMissingLibraryIsADeviceErrorNamingEachTried) {
  const std::string message = load_error({"/nonexistent/libcublas.so.13", "libreach-no-such-cublas.so.1"});
  EXPECT_NE(message.find("cannot load cuBLAS"), std::string::npos) << message;
  EXPECT_NE(message.find("/nonexistent/libcublas.so.13: "), std::string::npos) << message;
  EXPECT_NE(message.find("libreach-no-such-cublas.so.1: "), std::string::npos) << message;
}

TEST(CublasApi, ALibraryWithoutItsFunctionsIsADeviceErrorNamingTheFirstMissing) {
  const std::string message = load_error({"libm.so.6"});
  EXPECT_NE(message.find("libm.so.6: no function cublasCreate_v2"), std::string::npos) << message;
}

TEST(CublasApi, NoLibraryToTryIsADeviceError) {
  EXPECT_NE(load_error({}).find("no library named"), std::string::npos);
}

}  // namespace
}  // namespace reach::run::cuda
