#pragma once
// --cache-type: what the KV cache holds (llama.cpp's -ctk/-ctv, for keys
// and values together).
#include "formats/tensor_type.h"
#include "model/device.h"
#include "tool/args.h"

namespace reach::run::cli {

inline const OptionSpec kCacheTypeOption = {
    "--cache-type", "", "f32|f16",
    "the KV cache's type (default f32); f16, llama.cpp's default, holds half the bytes, the keys and values "
    "rounded to F16 (CPU only)"};

// The --cache-type given, else F32; a UsageError for another type, or for
// F16 on a GPU (its backend's cache is F32).
DType cache_type_option(const Args& a, const Device& device);

}  // namespace reach::run::cli
