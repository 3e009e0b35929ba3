// A debugging binary no target builds any more.
#include <cstdio>
int main() { std::puts("dump"); }
