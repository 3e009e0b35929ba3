// reach-audit why SYMBOL: the path that keeps a symbol alive, or why it is dead.
#include "query/Why.h"
#include "report/QueryJson.h"
#include "report/QueryText.h"
#include "tool/Commands.h"
#include "tool/LoadProject.h"
#include "tool/FocusOutput.h"
#include "tool/SymbolArgs.h"

#include "llvm/Support/raw_ostream.h"

using namespace llvm;

namespace {

cl::SubCommand WhyCmd("why", "Explain a verdict: the shortest path from a root, or why it is dead");
cl::opt<std::string> Symbol(cl::Positional, cl::desc("SYMBOL (qualified name or USR)"), cl::Required,
                            cl::sub(WhyCmd));
cl::opt<bool> Json("json", cl::desc("Print the answer as JSON"), cl::sub(WhyCmd));
cl::opt<std::string> Svg("svg", cl::desc("Draw the path as an SVG file"), cl::value_desc("FILE"),
                         cl::sub(WhyCmd));
cl::opt<std::string> Dot("dot", cl::desc("Write the path as a Graphviz DOT file"),
                         cl::value_desc("FILE"), cl::sub(WhyCmd));

int runWhy(const reach::CommonOptions &Common) {
  reach::Analysis *A = reach::loadProjectUntilExit(Common);
  if (!A)
    return reach::ExitUsage;
  reach::warnFailures(*A);
  std::optional<unsigned> Id = reach::resolveSymbol(*A, Symbol, "why");
  if (!Id)
    return reach::ExitUsage;
  reach::QueryGraph Q = reach::buildQueryGraph(A->G);
  reach::WhyAnswer W = reach::explain(*A, Q, *Id);
  if (Json)
    outs() << reach::renderWhyJson(*A, W);
  else
    reach::printWhy(*A, W, outs());
  outs().flush();
  return reach::writeFocusGraph(reach::drawWhy(*A, W), Dot, Svg);
}


} // namespace

reach::Command reach::whyCommand() { return {&WhyCmd, runWhy}; }
