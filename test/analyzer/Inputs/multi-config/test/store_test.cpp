#include "store.h"

int main() {
  Store s;
  s.put(4);
  return s.sum() == 4 ? 0 : 1;
}
