#pragma once
namespace training {
int train_epoch(int steps);
}
