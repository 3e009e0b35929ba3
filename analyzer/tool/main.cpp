// reach-audit: the command-line driver. It registers the options every
// subcommand shares and dispatches to the one named, from the table in
// tool/Commands.cpp; each lives in its own <Name>Command.cpp.
#include "tool/Commands.h"
#include "tool/Options.h"
#include "tool/PhaseTimes.h"

#include "llvm/Config/llvm-config.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cstring>

using namespace llvm;

namespace {

cl::OptionCategory Category("reach-audit options");
cl::list<std::string> BuildPath("p", cl::desc("Build directory holding compile_commands.json; several -p: "
                                               "configurations analysed as one (live if any reaches it)"),
                               cl::value_desc("BUILD_DIR"), cl::sub(cl::SubCommand::getAll()), cl::cat(Category));
cl::opt<std::string> RulesPath("rules", cl::desc("Rules file (default: reach.yaml or .reach.yaml in --root, or found upward from the current folder)"),
                               cl::value_desc("FILE"), cl::sub(cl::SubCommand::getAll()), cl::cat(Category));
cl::opt<std::string> Root("root", cl::desc("Project root (default: current directory)"),
                          cl::value_desc("DIR"), cl::sub(cl::SubCommand::getAll()), cl::cat(Category));
cl::opt<unsigned> Jobs("j", cl::desc("Parallel translation units (default: all cores)"),
                       cl::init(0), cl::sub(cl::SubCommand::getAll()), cl::cat(Category));
cl::opt<bool> AllowUnmatched("allow-unmatched",
                             cl::desc("Rules that match nothing are warnings, not errors (rules "
                                      "shared across configurations)"),
                             cl::sub(cl::SubCommand::getAll()), cl::cat(Category));
cl::opt<std::string> IndexDir("index",
                              cl::desc("Folder of stored per-TU summaries: TUs whose command and files are "
                                       "unchanged are not parsed again (default: BUILD_DIR/.reach)"),
                              cl::value_desc("DIR"), cl::sub(cl::SubCommand::getAll()), cl::cat(Category));
cl::opt<bool> NoIndex("no-index", cl::desc("Parse every TU; read and write no index"),
                      cl::sub(cl::SubCommand::getAll()), cl::cat(Category));
cl::opt<bool> IndexStats("index-stats",
                         cl::desc("Say on stderr how many TUs the index gave and which were parsed"),
                         cl::sub(cl::SubCommand::getAll()), cl::cat(Category));
cl::opt<bool> TimePhases("time-phases",
                         cl::desc("Print on stderr the wall time and peak memory of each phase (the "
                                  "compile database, the summaries read or parsed and linked, the "
                                  "analysis, the command's output)"),
                         cl::sub(cl::SubCommand::getAll()), cl::cat(Category));
} // namespace

/// `--help` lists reach-audit's options only (categories named
/// "reach-audit ..." and --help/--version): the ones libLLVM and Polly
/// register are hidden. `--version` names the LLVM
/// the analyzer parses with.
static void setUpHelpAndVersion() {
  // Subcommands' own options are reach-audit's; of the shared ones, only
  // those in a "reach-audit" category and --help/--version are.
  for (cl::SubCommand *Sub : {&cl::SubCommand::getTopLevel(), &cl::SubCommand::getAll()})
    for (auto &[Name, Opt] : cl::getRegisteredOptions(*Sub))
      if (!std::any_of(Opt->Categories.begin(), Opt->Categories.end(), [](cl::OptionCategory *C) {
            return C->getName().starts_with("reach-audit") || C->getName() == "Generic Options";
          }))
        Opt->setHiddenFlag(cl::ReallyHidden);
  cl::SetVersionPrinter([](raw_ostream &OS) {
    OS << "reach-audit " REACH_VERSION " (LLVM " LLVM_VERSION_STRING ")\n";
  });
}

int main(int argc, char **argv) {
  InitLLVM X(argc, argv);
  setUpHelpAndVersion();
  // Arguments after "--" go to every compile command (clang-tool convention).
  std::vector<std::string> Extra;
  int Own = argc;
  for (int I = 1; I < argc; ++I)
    if (std::strcmp(argv[I], "--") == 0) {
      Own = I;
      for (int J = I + 1; J < argc; ++J)
        Extra.push_back(argv[J]);
      break;
    }
  std::string Errors;
  raw_string_ostream ErrOS(Errors);
  if (!cl::ParseCommandLineOptions(Own, argv, "reach-audit: whole-program reachability for C++\n",
                                   &ErrOS)) {
    errs() << Errors;
    return reach::ExitUsage;
  }
  // `-p build/compile_commands.json` means its folder, as clang-tidy takes it.
  std::vector<std::string> BuildDirs;
  for (std::string BuildDir : BuildPath) {
    if (sys::path::filename(BuildDir) == "compile_commands.json" && !sys::fs::is_directory(BuildDir)) {
      BuildDir = std::string(sys::path::parent_path(BuildDir));
      if (BuildDir.empty())
        BuildDir = ".";
    }
    for (const std::string &Earlier : BuildDirs)
      if (sys::fs::equivalent(Earlier, BuildDir)) {
        errs() << "reach-audit: error: -p " << BuildDir << " given twice; each -p is another configuration\n";
        return reach::ExitUsage;
      }
    BuildDirs.push_back(BuildDir);
  }
  reach::CommonOptions Common{BuildDirs.empty() ? "" : BuildDirs[0], RulesPath, Root, Jobs, Extra, AllowUnmatched,
                              IndexDir, NoIndex, IndexStats};
  if (BuildDirs.size() > 1)
    Common.OtherBuildPaths.assign(BuildDirs.begin() + 1, BuildDirs.end());
  if (TimePhases)
    reach::enablePhaseTimes();
  for (const reach::Command &C : reach::commands())
    if (*C.Sub) {
      int Status = C.Run(Common);
      reach::phaseDone("output");
      return Status;
    }
  errs() << "reach-audit: error: no subcommand; try 'reach-audit scan -p BUILD_DIR' or --help\n";
  return reach::ExitUsage;
}
