#include "training/trainer.h"
int main() { return training::train_epoch(3) >= 0 ? 0 : 1; }
