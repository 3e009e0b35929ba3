#include "store.h"

int main() {
  Store s;
  s.put(2);
  s.put(3);
#ifdef _WIN32
  s.put(windows_extra());
#endif
  return s.sum() == 5 && version() == 3 && !read_config("").empty() ? 0 : 1;
}
