#include "store.h"

std::string read_config(const std::string &path) { return path.empty() ? "C:\\default" : path; }
