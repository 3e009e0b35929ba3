// reach-make-test-adapter HF_DIR OUT [RANK] [ALPHA] [SEED]: a random LoRA
// adapter for the model in HF_DIR, on all seven modules of every layer
// (Phi-3: its fused qkv_proj and gate_up_proj), written twice with the same
// values: OUT-peft/ (PEFT) and OUT.gguf (llama.cpp's GGUF LoRA). For the
// end-to-end comparison with llama.cpp (test/e2e).
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "adapter_writer.h"
#include "formats/model_source.h"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: reach-make-test-adapter HF_DIR OUT [RANK] [ALPHA] [SEED]\n");
    return 2;
  }
  try {
    const auto source = reach::run::open_model(argv[1]);
    const reach::run::ModelConfig& c = source->config();
    const std::vector<std::string> modules =
        c.arch == reach::run::Arch::Phi3
            ? std::vector<std::string>{"qkv_proj", "o_proj", "gate_up_proj", "down_proj"}
            : std::vector<std::string>{"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"};
    const auto adapter = reach::test::random_adapter(c, modules, argc > 3 ? std::atoll(argv[3]) : 4,
                                                     argc > 4 ? std::atof(argv[4]) : 8.0,
                                                     argc > 5 ? std::strtoull(argv[5], nullptr, 10) : 1);
    const std::string out = argv[2];
    reach::test::write_peft(adapter, out + "-peft");
    reach::test::write_gguf_lora(adapter, c, out + ".gguf");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "reach-make-test-adapter: %s\n", e.what());
    return 1;
  }
  return 0;
}
