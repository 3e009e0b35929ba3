#include "store.h"

std::string read_config(const std::string &path) { return path.empty() ? "default" : path; }

// Dead on every platform.
std::string posix_only_leftover() { return "old"; }
