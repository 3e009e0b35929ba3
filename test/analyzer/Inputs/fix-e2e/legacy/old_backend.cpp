#include "legacy/old_backend.h"

namespace legacy {

int OldBackend::run(const core::Tensor &t) { return t.old_sum() + warmup(); }

int OldBackend::warmup() { return 0; }

} // namespace legacy
