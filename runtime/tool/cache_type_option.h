#pragma once
// --cache-type: what the KV cache holds (llama.cpp's -ctk/-ctv, for keys
// and values together). F16 by default on the CPU, as llama.cpp's: half the
// memory of F32, and attention at a depth reads half the bytes; the CUDA
// backend's cache is F32 only.
#include "formats/tensor_type.h"
#include "model/device.h"
#include "tool/args.h"

namespace reach::run::cli {

inline const OptionSpec kCacheTypeOption = {
    "--cache-type", "", "f32|f16",
    "the KV cache's type: f16 (the default on the CPU, as llama.cpp's) holds the keys and values rounded to F16, "
    "half the bytes of f32 (the default and only type with --device cuda)"};

// The --cache-type given, else the device's default (F16 on the CPU, F32 on
// a GPU); a UsageError for another type, or for F16 on a GPU (its backend's
// cache is F32).
DType cache_type_option(const Args& a, const Device& device);

}  // namespace reach::run::cli
