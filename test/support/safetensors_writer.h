#pragma once
// The runtime's safetensors writer, under the tests' names.
#include "formats/safetensors_writer.h"

namespace reach::test {

using run::safetensors_bytes;
using run::SafetensorsEntry;
using run::write_safetensors;

}  // namespace reach::test
