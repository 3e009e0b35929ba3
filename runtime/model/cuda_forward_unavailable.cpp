// make_cuda_forward in a build without the CUDA backend (REACH_CUDA=OFF):
// --device cuda is refused with the reason, never run on the CPU instead.
#include "kernels/device_error.h"
#include "model/device_forward.h"

namespace reach::run {

std::unique_ptr<DeviceForward> make_cuda_forward(const ModelSource&, int) {
  throw DeviceError(
      "this reach-run was built without the CUDA backend (REACH_CUDA=OFF: no nvcc at configure time); --device cuda "
      "needs a build with it");
}

}  // namespace reach::run
