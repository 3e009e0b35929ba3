// The persistent index: one file per translation unit in a folder (by
// default .reach/ in the build folder), holding the TU's summary as
// extraction left it, the key of the commands it came from and the
// contents hash of every file the compiler read. A later run takes the
// stored summary instead of parsing again when the key is the same and
// every file still hashes the same; anything else (a changed command, a
// changed header, a new build of reach-audit, a corrupt entry) parses the
// TU again and replaces the entry. Nothing stored is trusted unchecked.
//
// Next to the entries, a run that read every TU leaves the fast path of
// the next: program.bin, the graph linked from them (one configuration),
// or linked.bin, the summaries after deduplication (extract/Dedup.h), which
// several configurations link together. When every entry of a run is fresh
// and is one the file was made from, it replaces decoding and
// deduplicating every summary (13 s of a query on this repository) and,
// for program.bin, linking them (4 s more).
#pragma once

#include "extract/Summary.h"
#include "graph/Graph.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/MemoryBuffer.h"

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace reach {

/// Contents hashes of files as the compiler reads them: the overlay's text
/// (fix's edits not yet written, the driver's virtual headers) over the
/// disk. Each file is hashed once per run; safe from several threads.
class ContentHashes {
public:
  using Overlay = std::map<std::string, std::string>;
  explicit ContentHashes(std::shared_ptr<const Overlay> O) : Over(std::move(O)) {}
  /// "" when the file cannot be read (gone since).
  std::string of(const std::string &Path);

private:
  std::shared_ptr<const Overlay> Over;
  std::mutex Mutex;
  std::map<std::string, std::string> Known;
};

/// What one run did with the index, for --index-stats and the tests.
struct IndexStats {
  unsigned Reused = 0;
  std::vector<std::string> Parsed; // main files parsed again (sorted at the end)
  std::vector<std::string> Corrupt; // entries refused as malformed
  bool ProgramReused = false;       // the linked graph came from program.bin
};

/// One configuration linked: the graph, and what link() left of the TUs
/// (the nodes and edges of those that compiled are in G).
struct LinkedProgram {
  Graph G;
  std::vector<TUSummary> Rest;
};

class SummaryIndex {
public:
  /// Opens Dir, creating it, and locks it against other runs until the
  /// index is destroyed (a second scan of the same index waits). Null, with
  /// Error set, when the folder cannot be made or locked.
  static std::unique_ptr<SummaryIndex> open(const std::string &Dir, std::string &Error);
  ~SummaryIndex();

  /// The key of one TU: this build of reach-audit, and Parts (the root and
  /// the TU's adjusted compile commands), each part as given.
  static std::string keyFor(llvm::ArrayRef<std::string> Parts);

  /// The stored summary of Key, if its entry is whole and every file it
  /// read hashes as it did.
  std::optional<TUSummary> lookup(const std::string &Key, ContentHashes &Hashes);
  /// Stores S (with its Inputs) under Key, atomically: a reader sees the
  /// old entry or the new one.
  void store(const std::string &Key, const TUSummary &S, ContentHashes &Hashes);
  /// The deduplicated summaries of exactly these TUs, in this order, if
  /// every entry is fresh and linked.bin was written from these entries.
  std::optional<std::vector<TUSummary>> linked(const std::vector<std::string> &Keys, ContentHashes &Hashes);
  /// Writes linked.bin from the deduplicated summaries of Keys' TUs, when
  /// each of them has an entry (a TU that failed has none).
  void storeLinked(const std::vector<std::string> &Keys, const std::vector<TUSummary> &Deduplicated);
  /// The linked program of exactly these TUs, if every entry is fresh and
  /// program.bin was linked from these entries.
  std::optional<LinkedProgram> program(const std::vector<std::string> &Keys, ContentHashes &Hashes);
  /// Writes program.bin, when each of Keys' TUs has an entry.
  void storeProgram(const std::vector<std::string> &Keys, const Graph &G, const std::vector<TUSummary> &Rest);
  /// Removes the entries no lookup or store of this run named: TUs that
  /// left the database, commands that changed.
  void pruneUnused();

  /// Copies the entries of another index folder (a shard's) into this one;
  /// the number copied, or -1 with Error set when From is no index folder.
  /// Entries are checked when looked up, as every entry is.
  int adopt(const std::string &From, std::string &Error);

  /// A TU whose summary did not come from the index.
  void noteParsed(const std::string &MainFile);
  IndexStats stats();
  const std::string &dir() const { return Dir; }

private:
  SummaryIndex(std::string Dir, int LockFD) : Dir(std::move(Dir)), LockFD(LockFD) {}
  std::string entryPath(const std::string &Key) const;
  enum class State { Missing, Corrupt, Stale, Fresh };
  /// Reads Key's entry and checks its files; the summary's bytes (still
  /// packed) in Body when fresh.
  State check(const std::string &Key, ContentHashes &Hashes, std::string *Body);
  /// linked.bin's and program.bin's head: each TU's key and the checksum
  /// of its entry as read or written in this run; none if one has no entry.
  std::optional<std::string> headOf(const std::vector<std::string> &Keys);
  /// A body read from the index: a view of the mapped file when it is
  /// stored unpacked, else its unpacked copy.
  struct StoredBody {
    std::unique_ptr<llvm::MemoryBuffer> File;
    std::string Unpacked;
    llvm::StringRef Bytes;
  };
  /// The body of the index file Name if every entry of Keys is fresh and
  /// Name was made from exactly those entries.
  std::optional<StoredBody> readMadeFrom(llvm::StringRef Name, llvm::StringRef Magic,
                                         const std::vector<std::string> &Keys, ContentHashes &Hashes);

  std::string Dir;
  int LockFD = -1;
  std::mutex Mutex;
  std::set<std::string> Used; // entry file names
  std::map<std::string, uint64_t> Checksums; // key -> checksum of its entry, read or written in this run
  IndexStats Stats;
};

} // namespace reach
