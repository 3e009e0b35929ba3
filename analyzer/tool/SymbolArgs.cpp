#include "tool/SymbolArgs.h"

#include "query/Blast.h"
#include "query/QueryGraph.h"
#include "graph/SymbolLookup.h"
#include "report/QueryText.h"

#include "llvm/Support/raw_ostream.h"

namespace reach {

static void printMiss(const Analysis &A, const std::string &Arg) {
  llvm::errs() << "reach-audit: error: no definition named '" << Arg
               << "' under the root; give a qualified name (ns::Class::method), name(param types), "
                  "file:line or a USR";
  std::vector<unsigned> Similar = nearSymbols(A.G, Arg, 8);
  if (!Similar.empty()) {
    llvm::errs() << "; did you mean:\n";
    for (unsigned I : Similar)
      llvm::errs() << "  " << describe(A, I) << "\n";
  } else {
    llvm::errs() << "\n";
  }
}

std::optional<unsigned> resolveSymbol(const Analysis &A, const std::string &Arg, const char *Command) {
  std::vector<unsigned> Hits = findSymbols(A, Arg);
  if (Hits.size() == 1)
    return Hits.front();
  if (Hits.empty()) {
    printMiss(A, Arg);
    return std::nullopt;
  }
  llvm::errs() << "reach-audit: error: '" << Arg << "' is ambiguous; pass one of these to '" << Command
               << "' (a name with its parameter types, or a USR):\n";
  for (unsigned I : Hits)
    llvm::errs() << "  " << A.G.Nodes[I].Name << A.G.Nodes[I].Signature << "  " << A.G.Nodes[I].Usr << "  "
                 << describe(A, I) << "\n";
  return std::nullopt;
}

std::optional<std::vector<unsigned>> resolveSet(const Analysis &A, const std::vector<std::string> &Args) {
  std::vector<unsigned> Set;
  for (const std::string &Arg : Args) {
    std::vector<unsigned> Hits = definitionsInFile(A, Arg);
    if (Hits.empty())
      Hits = findSymbols(A, Arg);
    if (Hits.empty()) {
      printMiss(A, Arg);
      return std::nullopt;
    }
    Set.insert(Set.end(), Hits.begin(), Hits.end());
  }
  return Set;
}

void warnFailures(const Analysis &A) {
  if (!A.Failures.empty())
    llvm::errs() << "reach-audit: warning: " << A.Failures.size()
                 << " translation unit(s) did not compile; what they use is reported as unknown "
                    "(run 'reach-audit scan' for the errors)\n";
}

} // namespace reach
