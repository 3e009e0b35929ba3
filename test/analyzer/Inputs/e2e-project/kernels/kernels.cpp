#include "kernels/kernels.h"
#include <cstring>
namespace kernels {
static int k_matmul(int n) { return n * n; }
static int k_softmax(int n) { return n; }
static int k_gelu_old(int n) { return -n; }
struct Kernel { const char *name; int (*fn)(int); };
static const Kernel table[] = {{"matmul", k_matmul}, {"softmax", k_softmax}};
int run_kernel(const char *name, int n) {
  for (const Kernel &k : table)
    if (std::strcmp(k.name, name) == 0)
      return k.fn(n);
  return -1;
}
extern "C" int abi_version() { return 1; }
}
