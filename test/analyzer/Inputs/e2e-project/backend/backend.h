#pragma once
#include <memory>
#include <string>
namespace backend {
class Backend {
public:
  virtual ~Backend() = default;
  virtual bool load(const std::string &path) = 0;
  virtual int generate(const std::string &prompt) = 0;
};
std::unique_ptr<Backend> make_default();
std::unique_ptr<Backend> make_cuda();
}
