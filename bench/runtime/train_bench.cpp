// Where a LoRA training step's time goes: the forward alone (the loss)
// against the whole step (forward with saved activations, backward), with
// and without checkpointing, on a real model file. Rank-8 pairs on every
// q/k/v/o/gate/up/down, random tokens.
//   reach-train-bench MODEL [CTX=256] [BATCH=1] [REPS=2] [THREADS=2]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>

#include "formats/model_source.h"
#include "train/finetune.h"
#include "train/lora_trainer.h"

using namespace reach::run;

namespace {

template <class Fn>
double best_seconds(int reps, const Fn& fn) {
  double best = 1e30;
  for (int i = 0; i < reps; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    fn();
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: reach-train-bench MODEL [CTX] [BATCH] [REPS] [THREADS]\n");
    return 2;
  }
  const int64_t ctx = argc > 2 ? std::atoll(argv[2]) : 256, batch = argc > 3 ? std::atoll(argv[3]) : 1;
  const int reps = argc > 4 ? std::atoi(argv[4]) : 2, threads = argc > 5 ? std::atoi(argv[5]) : 2;
  const auto source = open_model(argv[1]);
  std::mt19937_64 rng(1);
  train::FinetuneOptions o;
  std::vector<train::LoraParams<float>> pairs;
  for (int32_t layer = 0; layer < source->config().n_layers; ++layer)
    for (const LoraTarget& t : kLoraTargets) {
      const std::string weight = lora_weight_name(layer, t);
      const TensorView& w = source->get(weight);
      pairs.push_back(train::new_lora_params<float>(weight, 8, w.cols(), w.rows(), 2.0, rng));
    }
  ThreadPool pool(threads);
  train::LoraTrainer<float> trainer(*source, pairs, pool);
  std::uniform_int_distribution<int32_t> id(0, source->config().vocab_size - 1);
  std::vector<int32_t> windows(static_cast<size_t>(batch * (ctx + 1)));
  for (int32_t& t : windows) t = id(rng);
  const double tokens = static_cast<double>(batch * ctx);
  const double forward = best_seconds(reps, [&] { trainer.loss(windows, batch); });
  const double step = best_seconds(reps, [&] { trainer.step(windows, batch, false); });
  const double ckpt = best_seconds(reps, [&] { trainer.step(windows, batch, true); });
  std::printf("model %s, ctx %lld, batch %lld, %d threads, best of %d\n", argv[1], static_cast<long long>(ctx),
              static_cast<long long>(batch), threads, reps);
  std::printf("forward (loss only)        %8.2f s  %8.1f tokens/s\n", forward, tokens / forward);
  std::printf("step                       %8.2f s  %8.1f tokens/s  (backward %.2f s = %.2f x forward)\n", step,
              tokens / step, step - forward, (step - forward) / forward);
  std::printf("step with checkpointing    %8.2f s  %8.1f tokens/s\n", ckpt, tokens / ckpt);
  return 0;
}
