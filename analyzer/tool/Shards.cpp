#include "tool/Shards.h"

#include "extract/Runner.h"
#include "index/SummaryIndex.h"
#include "tool/LoadProject.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"

namespace reach {

namespace {

/// "I/N" with 1 <= I <= N.
bool parseShard(llvm::StringRef Spec, unsigned &I, unsigned &N) {
  auto [A, B] = Spec.split('/');
  return !A.getAsInteger(10, I) && !B.getAsInteger(10, N) && I >= 1 && I <= N;
}

} // namespace

int scanShard(const CommonOptions &Opts, const std::string &Spec, bool KeepGoing) {
  unsigned I = 0, N = 0;
  if (!parseShard(Spec, I, N)) {
    llvm::errs() << "reach-audit: error: --shard " << Spec << ": expected I/N with 1 <= I <= N (e.g. 2/4)\n";
    return ExitUsage;
  }
  if (Opts.NoIndex) {
    llvm::errs() << "reach-audit: error: --shard writes an index, and --no-index forbids one\n";
    return ExitUsage;
  }
  std::optional<ProjectSources> P = openProject(Opts);
  if (!P)
    return ExitUsage;
  std::vector<std::string> Mine;
  for (size_t K = 0; K < P->Files.size(); ++K)
    if (K % N == I - 1)
      Mine.push_back(P->Files[K]);
  std::unique_ptr<SummaryIndex> Index = openIndex(Opts);
  if (!Index)
    return ExitUsage; // a shard's whole output is its index
  RunOptions Run = runOptionsFor(Opts, P->Root);
  Run.Index = Index.get();
  Run.StoreLinked = false; // a part of the TUs: merge reads the entries
  unsigned Failed = 0;
  for (const TUSummary &TU : extractAll(*P->DB, Mine, Run))
    if (TU.Failed) {
      ++Failed;
      llvm::errs() << "reach-audit: error: " << TU.MainFile << " does not compile: " << TU.FirstError << "\n";
    }
  IndexStats S = Index->stats();
  llvm::outs() << "reach-audit: shard " << I << "/" << N << ": " << Mine.size() << " of " << P->Files.size()
               << " translation units in " << Index->dir() << " (" << S.Reused << " reused, " << S.Parsed.size()
               << " parsed)\n";
  if (Failed && !KeepGoing) {
    llvm::errs() << "reach-audit: error: " << Failed
                 << " translation unit(s) did not compile; fix them or pass --keep-going (merge parses them again)\n";
    return ExitUsage;
  }
  return ExitOk;
}

bool adoptShards(const CommonOptions &Opts, const std::vector<std::string> &Dirs) {
  if (Opts.NoIndex) {
    llvm::errs() << "reach-audit: error: merge reads indexes, and --no-index forbids one\n";
    return false;
  }
  std::string Error;
  std::unique_ptr<SummaryIndex> Index = SummaryIndex::open(indexDir(Opts), Error);
  if (!Index) {
    llvm::errs() << "reach-audit: error: " << Error << "\n";
    return false;
  }
  for (const std::string &D : Dirs)
    if (D != Index->dir() && Index->adopt(D, Error) < 0) {
      llvm::errs() << "reach-audit: error: merge: " << Error << "\n";
      return false;
    }
  return true;
}

} // namespace reach
