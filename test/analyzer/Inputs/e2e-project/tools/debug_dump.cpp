#include <cstdio>
int main() { std::puts("debug"); return 0; }
