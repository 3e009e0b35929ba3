#include "training/trainer.h"
#include "loaders/loaders.h"
namespace training {
static int step(int i) { return i % 3; }
int train_epoch(int steps) {
  int loss = loaders::load_npz("weights.npz") ? 0 : 1;
  for (int i = 0; i < steps; ++i) loss += step(i);
  return loss;
}
}
