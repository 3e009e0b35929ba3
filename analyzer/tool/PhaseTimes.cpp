#include "tool/PhaseTimes.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <sys/resource.h>

namespace reach {

namespace {
bool Enabled = false;
std::chrono::steady_clock::time_point Last = std::chrono::steady_clock::now();
} // namespace

void enablePhaseTimes() {
  Enabled = true;
  Last = std::chrono::steady_clock::now();
}

void phaseDone(llvm::StringRef Name) {
  if (!Enabled)
    return;
  auto Now = std::chrono::steady_clock::now();
  double Seconds = std::chrono::duration<double>(Now - Last).count();
  Last = Now;
  rusage U{};
  getrusage(RUSAGE_SELF, &U);
  llvm::errs() << "reach-audit: time: " << llvm::left_justify(Name, 12) << llvm::format("%8.3f s", Seconds)
               << "  (peak RSS " << U.ru_maxrss / 1024 << " MB)\n";
}

void phaseNote(const llvm::Twine &What) {
  if (Enabled)
    llvm::errs() << "reach-audit: time: " << What << "\n";
}

} // namespace reach
