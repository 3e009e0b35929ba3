#include "extract/Runner.h"

#include "extract/Dedup.h"
#include "extract/DriverIncludes.h"
#include "extract/ErrorSorter.h"
#include "extract/Extractor.h"
#include "extract/NvccCommand.h"
#include "index/SummaryIndex.h"

#include "clang/Basic/Diagnostic.h"
#include "clang/Frontend/CompilerInstance.h"
#include "clang/Frontend/FrontendAction.h"
#include "clang/Frontend/FrontendActions.h"
#include "clang/Tooling/ArgumentsAdjusters.h"
#include "clang/Tooling/CompilationDatabase.h"
#include "clang/Tooling/Tooling.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Threading.h"
#include "llvm/Support/VirtualFileSystem.h"
#include "llvm/Support/raw_ostream.h"

#include <atomic>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <mutex>
#include <thread>

using namespace clang;
using namespace clang::tooling;

namespace reach {
namespace {

/// Flags that GCC accepts and clang rejects outright (the others clang only
/// warns about, and -Wno-unknown-warning-option silences those).
bool isGccOnly(llvm::StringRef A) {
  static const char *Prefixes[] = {
      "-fconcepts-diagnostics-depth", "-fno-canonical-system-headers",
      "-fstack-usage", "-fno-var-tracking-assignments", "-fcompare-debug-second",
      "-mabi=lp64", "-fdeps-", "-fmodules-ts", "-fmodule-mapper",
      "-fno-fat-lto-objects", "-flto-partition", "-fipa-", "-fno-ipa-",
  };
  for (const char *P : Prefixes)
    if (A.starts_with(P))
      return true;
  return false;
}

class Action : public ASTFrontendAction {
public:
  Action(std::string Root, TUSummary &Out) : Root(std::move(Root)), Out(Out) {}
  std::unique_ptr<ASTConsumer> CreateASTConsumer(CompilerInstance &CI, StringRef) override {
    return makeExtractor(CI, Root, Out);
  }

private:
  std::string Root;
  TUSummary &Out;
};

class Factory : public FrontendActionFactory {
public:
  Factory(std::string Root, TUSummary &Out) : Root(std::move(Root)), Out(Out) {}
  std::unique_ptr<FrontendAction> create() override {
    return std::make_unique<Action>(Root, Out);
  }

private:
  std::string Root;
  TUSummary &Out;
};

/// The already-adjusted commands of one file; read-only, so each worker can
/// own one without sharing the database.
class FixedCommands : public CompilationDatabase {
public:
  explicit FixedCommands(std::vector<CompileCommand> C) : Commands(std::move(C)) {}
  std::vector<CompileCommand> getCompileCommands(StringRef) const override { return Commands; }
  std::vector<std::string> getAllFiles() const override {
    return Commands.empty() ? std::vector<std::string>{} : std::vector<std::string>{Commands[0].Filename};
  }

private:
  std::vector<CompileCommand> Commands;
};

/// A private physical file system, with the overlay's contents on top.
llvm::IntrusiveRefCntPtr<llvm::vfs::FileSystem> fileSystem(const RunOptions &Opts) {
  llvm::IntrusiveRefCntPtr<llvm::vfs::FileSystem> Physical(
      llvm::vfs::createPhysicalFileSystem().release());
  if (!Opts.Overlay || Opts.Overlay->empty())
    return Physical;
  auto Memory = llvm::makeIntrusiveRefCnt<llvm::vfs::InMemoryFileSystem>();
  for (const auto &[Path, Text] : *Opts.Overlay)
    Memory->addFile(Path, 0, llvm::MemoryBuffer::getMemBufferCopy(Text, Path));
  auto Both = llvm::makeIntrusiveRefCnt<llvm::vfs::OverlayFileSystem>(Physical);
  Both->pushOverlay(Memory);
  return Both;
}

/// Large blocks (an AST's allocator slabs) from their own mappings, so that
/// freeing them with the AST gives them back to the system. glibc otherwise
/// raises its mmap threshold after the first large free and serves later
/// slabs from the heap, where the freed ones stay resident between the
/// summaries that outlive them (on llama.cpp: 0.8 GB).
void mapLargeBlocks() {
#if defined(__GLIBC__)
  mallopt(M_MMAP_THRESHOLD, 256 * 1024);
#endif
}

/// Parses one TU with its commands and fills S: the summary, or (with
/// CompileCheckOnly) only whether it compiles and its errors.
void extractOne(const std::string &File, const std::vector<CompileCommand> &Commands,
                const RunOptions &Opts, TUSummary &S) {
  S.MainFile = File;
  FixedCommands One(Commands);
  // A private physical file system per tool: the real one is process-wide
  // and changing its working directory would race between workers.
  ClangTool Tool(One, {File}, std::make_shared<PCHContainerOperations>(), fileSystem(Opts));
  ErrorSorter Diags(Opts.Root);
  Tool.setDiagnosticConsumer(&Diags);
  Tool.setPrintErrorMessage(false);
  Factory F(Opts.Root, S);
  std::unique_ptr<FrontendActionFactory> Check = newFrontendActionFactory<clang::SyntaxOnlyAction>();
  int RC = Tool.run(Opts.CompileCheckOnly ? Check.get() : &F);
  if (Diags.ProjectErrors > 0 || (RC != 0 && Diags.ForeignErrors == 0)) {
    S.Failed = true;
    S.FirstError = Diags.FirstProject.empty() ? "could not run the compile command" : Diags.FirstProject;
    S.Errors = std::move(Diags.Project);
  } else if (Diags.ForeignErrors > 0) {
    S.HeaderErrors = Diags.ForeignErrors;
    S.FirstHeaderError = Diags.FirstForeign;
  }
}

/// What a TU's summary depends on besides the contents of the files it
/// reads: the root (project or not, relative paths) and its commands.
std::string indexKey(const std::string &Root, const std::vector<CompileCommand> &Commands) {
  std::vector<std::string> Parts{Root};
  for (const CompileCommand &C : Commands) {
    Parts.push_back(C.Directory);
    Parts.push_back(C.Filename);
    Parts.insert(Parts.end(), C.CommandLine.begin(), C.CommandLine.end());
    Parts.push_back(""); // the end of one command
  }
  return SummaryIndex::keyFor(Parts);
}

} // namespace

std::vector<std::string> adjustCommand(std::vector<std::string> Args, const std::string &File,
                                       const std::vector<std::string> &Extra) {
  if (!Args.empty() && isNvccDriver(Args[0]))
    Args = clangCommandForNvcc(Args);
  ArgumentsAdjuster Adjust = combineAdjusters(
      getClangStripOutputAdjuster(),
      combineAdjusters(getClangStripDependencyFileAdjuster(), getClangSyntaxOnlyAdjuster()));
  Args = Adjust(Args, File);
  std::vector<std::string> R;
  for (size_t I = 0; I < Args.size(); ++I) {
    if (I > 0 && isGccOnly(Args[I]))
      continue;
    R.push_back(Args[I]);
    if (I == 0) {
      R.push_back("-resource-dir=" REACH_RESOURCE_DIR);
      R.push_back("-Qunused-arguments");
      R.push_back("-Wno-unknown-warning-option");
      R.push_back("-fno-caret-diagnostics"); // also silences 'N errors generated.'
    }
  }
  // Extra arguments go before the file name (and any "--").
  auto Pos = std::find(R.begin(), R.end(), "--");
  if (Pos == R.end() && !R.empty() && R.back() == File)
    Pos = R.end() - 1;
  R.insert(Pos, Extra.begin(), Extra.end());
  return R;
}

namespace {

Extraction linkAndStore(std::vector<TUSummary> TUs, bool Link, SummaryIndex *Index,
                        const std::vector<std::string> &Keys, const RunOptions &Opts) {
  if (!Link)
    return {std::move(TUs), std::nullopt};
  Graph G = link(TUs);
  if (Index && Opts.StoreLinked)
    Index->storeProgram(Keys, G, TUs);
  return {std::move(TUs), std::move(G)};
}

/// Every TU's summary (deduplicated), and with Link the linked program:
/// from the index's program.bin when it was linked from exactly these TUs'
/// current entries, else from linked.bin, the entries or parsing, then
/// linked here and stored.
Extraction extract(const CompilationDatabase &DB, const std::vector<std::string> &Files, const RunOptions &Opts,
                   bool Link) {
  std::vector<std::vector<CompileCommand>> Commands(Files.size());
  DriverIncludes Drivers(REACH_RESOURCE_DIR "/include");
  bool AnyNvcc = false;
  for (size_t I = 0; I < Files.size(); ++I) {
    Commands[I] = DB.getCompileCommands(Files[I]);
    for (CompileCommand &C : Commands[I]) {
      AnyNvcc |= !C.CommandLine.empty() && isNvccDriver(C.CommandLine[0]);
      std::vector<std::string> Extra = Drivers.argsFor(C.CommandLine);
      Extra.insert(Extra.end(), Opts.ExtraArgs.begin(), Opts.ExtraArgs.end());
      C.CommandLine = adjustCommand(std::move(C.CommandLine), C.Filename, Extra);
    }
  }
  for (const std::string &W : Drivers.warnings())
    llvm::errs() << "reach-audit: warning: " << W << "\n";
  RunOptions WithDriverFiles = Opts;
  auto Virtual = std::make_shared<std::map<std::string, std::string>>(Drivers.virtualFiles());
  if (AnyNvcc)
    Virtual->insert(cudaCompatFiles().begin(), cudaCompatFiles().end());
  if (!Virtual->empty()) { // else every TU reads the disk alone, as before
    if (Opts.Overlay)
      Virtual->insert(Opts.Overlay->begin(), Opts.Overlay->end());
    WithDriverFiles.Overlay = std::move(Virtual);
  }

  SummaryIndex *Index = Opts.CompileCheckOnly ? nullptr : Opts.Index;
  ContentHashes Hashes(WithDriverFiles.Overlay);
  std::vector<std::string> Keys;
  if (Index) {
    for (const std::vector<CompileCommand> &C : Commands)
      Keys.push_back(indexKey(Opts.Root, C));
    if (Link)
      if (std::optional<LinkedProgram> P = Index->program(Keys, Hashes))
        return {std::move(P->Rest), std::move(P->G)};
    if (std::optional<std::vector<TUSummary>> Linked = Index->linked(Keys, Hashes))
      return linkAndStore(std::move(*Linked), Link, Index, Keys, Opts);
  }
  std::vector<TUSummary> Results(Files.size());
  SummaryDedup Dedup;
  mapLargeBlocks();
  std::atomic<size_t> Next{0}, Done{0};
  std::atomic<bool> AnyFailed{false};
  std::mutex ProgressMutex;
  // Summaries are absorbed in the database's order, whichever worker ends
  // first: the copy of a shared definition that dedup keeps, and so the
  // linked graph and every report, must not depend on timing (a report is
  // compared byte for byte with a sharded scan's, and with the last run's).
  std::mutex OrderMutex;
  std::vector<bool> Extracted(Files.size());
  size_t NextToAbsorb = 0;
  auto absorbInOrder = [&](size_t I) {
    std::lock_guard<std::mutex> Lock(OrderMutex);
    Extracted[I] = true;
    for (; NextToAbsorb < Files.size() && Extracted[NextToAbsorb]; ++NextToAbsorb)
      Dedup.absorb(Results, NextToAbsorb);
  };
  auto Work = [&] {
    for (size_t I; !(Opts.CompileCheckOnly && AnyFailed) && (I = Next++) < Files.size();) {
      TUSummary &S = Results[I];
      std::optional<TUSummary> Stored = Index ? Index->lookup(Keys[I], Hashes) : std::nullopt;
      if (Stored)
        S = std::move(*Stored);
      else
        extractOne(Files[I], Commands[I], WithDriverFiles, S);
      if (S.Failed)
        AnyFailed = true;
      if (Index && !Stored) {
        Index->noteParsed(Files[I]);
        if (!S.Failed) // a TU that failed is parsed again next time: its errors may be gone
          Index->store(Keys[I], S, Hashes);
      }
      S.Inputs = {};
      absorbInOrder(I);
      size_t N = ++Done;
      if (Opts.Progress) {
        std::lock_guard<std::mutex> Lock(ProgressMutex);
        llvm::StringRef Shown = Files[I];
        if (Shown.starts_with(Opts.Root + "/"))
          Shown = Shown.drop_front(Opts.Root.size() + 1);
        llvm::errs() << "\r\x1b[K[" << N << "/" << Files.size() << "] " << Shown;
        if (N == Files.size())
          llvm::errs() << "\n";
      }
    }
  };
  unsigned Jobs = Opts.Jobs ? Opts.Jobs : std::max(1u, std::thread::hardware_concurrency());
  Jobs = std::min<unsigned>(Jobs, std::max<size_t>(1, Files.size()));
  std::vector<std::thread> Threads;
  for (unsigned T = 1; T < Jobs; ++T)
    Threads.emplace_back(Work);
  Work();
  for (auto &T : Threads)
    T.join();
  Dedup.finish(Results);
  if (Index && Opts.StoreLinked && !Link) // linked, program.bin is the fast path
    Index->storeLinked(Keys, Results);
  return linkAndStore(std::move(Results), Link, Index, Keys, Opts);
}

} // namespace

std::vector<TUSummary> extractAll(const CompilationDatabase &DB, const std::vector<std::string> &Files,
                                  const RunOptions &Opts) {
  return extract(DB, Files, Opts, /*Link=*/false).TUs;
}

Extraction extractAndLink(const CompilationDatabase &DB, const std::vector<std::string> &Files,
                          const RunOptions &Opts) {
  return extract(DB, Files, Opts, /*Link=*/true);
}

} // namespace reach
