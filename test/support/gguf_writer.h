#pragma once
// GGUF files built in memory for tests: the runtime's metadata encoding and
// stream writer (formats/gguf_writer.h) over tensors the test holds, with a
// chosen alignment. bytes() lets tests write deliberately broken files by
// editing the image.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

#include "formats/gguf_writer.h"

namespace reach::test {

class GgufWriter : public run::GgufMetadata {
 public:
  // shape outermost-first; `data` already in the ggml layout of `type`.
  void add_tensor(const std::string& name, run::DType type, const std::vector<int64_t>& shape,
                  std::vector<std::byte> data);

  void set_alignment(uint32_t alignment) { alignment_ = alignment; }  // also writes general.alignment
  std::vector<std::byte> bytes() const;
  void write(const std::filesystem::path& path) const;

 private:
  struct Tensor {
    run::GgufTensorInfo info;
    std::vector<std::byte> data;
  };
  uint32_t alignment_ = 32;
  std::vector<Tensor> tensors_;
  void stream(std::ostream& out, const std::string& name) const;
};

}  // namespace reach::test
