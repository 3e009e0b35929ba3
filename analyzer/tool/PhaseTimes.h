// --time-phases: the wall time of each phase of a run on stderr, as clang's
// -ftime-report breaks a compile down: where a slow query's time goes
// (reading the index, linking, analysing, printing).
#pragma once

#include "llvm/ADT/StringRef.h"
#include "llvm/ADT/Twine.h"

namespace reach {

void enablePhaseTimes();
/// With --time-phases: "reach-audit: time: NAME  S.SSS s  (peak RSS N MB)",
/// NAME's time being the time since the last phase ended (or the start).
void phaseDone(llvm::StringRef Name);
/// With --time-phases: "reach-audit: time: WHAT" (the size of what a phase made).
void phaseNote(const llvm::Twine &What);

} // namespace reach
