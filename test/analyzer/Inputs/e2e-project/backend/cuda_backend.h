#pragma once
#include "backend/backend.h"
namespace backend {
// Never instantiated: make_cuda is not called.
class CudaBackend : public Backend {
public:
  bool load(const std::string &path) override;
  int generate(const std::string &prompt) override;
};
}
