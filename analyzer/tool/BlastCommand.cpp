// reach-audit blast SYMBOL|FILE...: what deleting a set would break, and
// what could be deleted with it. Exit 1 when live code still uses the set.
#include "query/Blast.h"
#include "report/QueryJson.h"
#include "report/QueryText.h"
#include "tool/Commands.h"
#include "tool/LoadProject.h"
#include "tool/FocusOutput.h"
#include "tool/SymbolArgs.h"

#include "llvm/Support/raw_ostream.h"

using namespace llvm;

namespace {

cl::SubCommand BlastCmd("blast", "What deleting symbols or files would break, and what goes with them");
cl::list<std::string> Targets(cl::Positional, cl::desc("SYMBOL|FILE..."), cl::OneOrMore,
                              cl::sub(BlastCmd));
cl::opt<bool> Json("json", cl::desc("Print the answer as JSON"), cl::sub(BlastCmd));
cl::opt<std::string> Svg("svg", cl::desc("Draw the set, its users and its closure as SVG"),
                         cl::value_desc("FILE"), cl::sub(BlastCmd));
cl::opt<std::string> Dot("dot", cl::desc("Write that drawing as a Graphviz DOT file"),
                         cl::value_desc("FILE"), cl::sub(BlastCmd));

int runBlast(const reach::CommonOptions &Common) {
  reach::Analysis *A = reach::loadProjectUntilExit(Common);
  if (!A)
    return reach::ExitUsage;
  reach::warnFailures(*A);
  auto Set = reach::resolveSet(*A, std::vector<std::string>(Targets.begin(), Targets.end()));
  if (!Set)
    return reach::ExitUsage;
  reach::QueryGraph Q = reach::buildQueryGraph(A->G);
  reach::BlastAnswer B = reach::blast(*A, Q, *Set);
  if (Json)
    outs() << reach::renderBlastJson(*A, B);
  else
    reach::printBlast(*A, Q, B, outs());
  outs().flush();
  if (int RC = reach::writeFocusGraph(reach::drawBlast(*A, B), Dot, Svg))
    return RC;
  return B.breaksLive() ? reach::ExitFindings : reach::ExitOk;
}


} // namespace

reach::Command reach::blastCommand() { return {&BlastCmd, runBlast}; }
