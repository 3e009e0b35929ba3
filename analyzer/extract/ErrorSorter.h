// Sorts a TU's errors. Errors in the project's own files, and fatal ones
// anywhere (a missing header), fail the TU. Errors only inside headers
// outside the root leave an AST clang has recovered and the project's code
// whole: a library header written for another compiler (g++'s omp.h has
// `__malloc__ (omp_free)`, which clang rejects) must not make every TU that
// includes it "not compile". Those are kept as a warning.
#pragma once

#include "extract/Summary.h"

#include "clang/Basic/Diagnostic.h"

#include <string>
#include <vector>

namespace reach {

class ErrorSorter : public clang::DiagnosticConsumer {
public:
  explicit ErrorSorter(std::string Root) : Root(std::move(Root)) {}
  void HandleDiagnostic(clang::DiagnosticsEngine::Level Level, const clang::Diagnostic &Info) override;

  std::string FirstProject, FirstForeign;
  std::vector<CompileError> Project; // the first MaxKept, with the names they quote
  unsigned ProjectErrors = 0, ForeignErrors = 0;

  static constexpr size_t MaxKept = 20; // clang's own -ferror-limit

private:
  bool outsideRoot(const clang::Diagnostic &Info) const;
  std::string Root;
};

} // namespace reach
