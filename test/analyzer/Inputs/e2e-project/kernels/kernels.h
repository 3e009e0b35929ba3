#pragma once
namespace kernels {
int run_kernel(const char *name, int n);
extern "C" int abi_version();
}
