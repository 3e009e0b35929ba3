#pragma once
#include "backend/backend.h"
namespace backend {
class CpuBackend : public Backend {
public:
  bool load(const std::string &path) override;
  int generate(const std::string &prompt) override;
};
}
