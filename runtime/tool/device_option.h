#pragma once
// --device, which every command that runs a model takes.
#include "model/device.h"
#include "tool/args.h"

namespace reach::run::cli {

inline const OptionSpec kDeviceOption = {
    "--device", "", "cpu|cuda[:N]",
    "where the model runs (default cpu); cuda without a usable GPU is an error, never a CPU fallback"};

// The --device given (a UsageError naming a malformed one), else the CPU.
Device device_option(const Args& a);

}  // namespace reach::run::cli
