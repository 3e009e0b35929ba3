// An entry file: "REACHIX1", the xxh3 checksum of the rest, the
// compression (0 none, 1 zstd), the uncompressed size, then the payload:
// the length of the head, the head (key; each input file and its hash),
// and the summary (index/SummaryCodec.h).
#include "index/SummaryIndex.h"

#include "index/Bytes.h"
#include "index/SummaryCodec.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Config/llvm-config.h"
#include "llvm/Support/Compression.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Support/xxhash.h"

#include <algorithm>
#include <chrono>
#include <unistd.h>

namespace reach {
namespace {

constexpr llvm::StringLiteral Magic = "REACHIX1";
constexpr size_t HeaderSize = 8 + 8 + 1 + 8;

std::string hex128(llvm::StringRef Bytes) {
  llvm::XXH128_hash_t H = llvm::xxh3_128bits(llvm::ArrayRef(Bytes.bytes_begin(), Bytes.size()));
  std::string S;
  llvm::raw_string_ostream OS(S);
  OS << llvm::format_hex_no_prefix(H.high64, 16) << llvm::format_hex_no_prefix(H.low64, 16);
  return S;
}

/// This build of reach-audit: the executable's bytes (the extractor is
/// linked into it) and the LLVM it parses with. A rebuilt analyzer may
/// extract differently, so its index entries are not the old ones.
const std::string &toolIdentity() {
  static const std::string Id = [] {
    std::string Exe = llvm::sys::fs::getMainExecutable(nullptr, nullptr);
    auto Buf = llvm::MemoryBuffer::getFile(Exe, /*IsText=*/false, /*RequiresNullTerminator=*/false);
    return hex128(Buf ? (*Buf)->getBuffer() : llvm::StringRef(Exe)) + " LLVM " LLVM_VERSION_STRING;
  }();
  return Id;
}

std::string payloadOf(const std::string &Key, const TUSummary &S, ContentHashes &Hashes, bool &Ok) {
  std::vector<std::string> Inputs = S.Inputs;
  std::sort(Inputs.begin(), Inputs.end());
  Inputs.erase(std::unique(Inputs.begin(), Inputs.end()), Inputs.end());
  ByteWriter Head;
  Head.str(Key);
  Head.u(Inputs.size());
  for (const std::string &P : Inputs) {
    std::string H = Hashes.of(P);
    Ok &= !H.empty(); // a file read but gone now: nothing to check against
    Head.str(P);
    Head.str(H);
  }
  std::string HeadBytes = Head.take();
  std::string Payload(8, '\0');
  llvm::support::endian::write64le(Payload.data(), HeadBytes.size());
  Payload += HeadBytes;
  Payload += encodeSummary(S);
  return Payload;
}

std::string entryBytes(const std::string &Payload) {
  bool Zstd = llvm::compression::zstd::isAvailable();
  llvm::SmallVector<uint8_t, 0> Packed;
  if (Zstd)
    llvm::compression::zstd::compress(llvm::ArrayRef(reinterpret_cast<const uint8_t *>(Payload.data()), Payload.size()),
                                      Packed, /*Level=*/1);
  std::string Body(1 + 8, '\0');
  Body[0] = Zstd ? 1 : 0;
  llvm::support::endian::write64le(Body.data() + 1, Payload.size());
  if (Zstd)
    Body.append(reinterpret_cast<const char *>(Packed.data()), Packed.size());
  else
    Body += Payload;
  std::string Out(Magic.str());
  Out.resize(16);
  llvm::support::endian::write64le(Out.data() + 8, llvm::xxh3_64bits(Body));
  return Out + Body;
}

enum class Read { Ok, Missing, Corrupt };

/// The payload of an entry file, checked whole.
Read readPayload(const std::string &Path, std::string &Payload) {
  auto Buf = llvm::MemoryBuffer::getFile(Path, /*IsText=*/false, /*RequiresNullTerminator=*/false);
  if (!Buf)
    return Read::Missing;
  llvm::StringRef B = (*Buf)->getBuffer();
  if (B.size() < HeaderSize || !B.starts_with(Magic) ||
      llvm::support::endian::read64le(B.data() + 8) != llvm::xxh3_64bits(B.drop_front(16)))
    return Read::Corrupt;
  uint8_t Compression = B[16];
  uint64_t Size = llvm::support::endian::read64le(B.data() + 17);
  llvm::StringRef Body = B.drop_front(HeaderSize);
  if (Compression == 0) {
    Payload = Body.str();
    return Payload.size() == Size ? Read::Ok : Read::Corrupt;
  }
  if (Compression != 1 || !llvm::compression::zstd::isAvailable() || Size > (uint64_t(1) << 36))
    return Read::Corrupt;
  llvm::SmallVector<uint8_t, 0> Out;
  if (llvm::Error E = llvm::compression::zstd::decompress(
          llvm::ArrayRef(reinterpret_cast<const uint8_t *>(Body.data()), Body.size()), Out, Size)) {
    llvm::consumeError(std::move(E));
    return Read::Corrupt;
  }
  Payload.assign(reinterpret_cast<const char *>(Out.data()), Out.size());
  return Read::Ok;
}

} // namespace

std::string ContentHashes::of(const std::string &Path) {
  {
    std::lock_guard<std::mutex> Lock(Mutex);
    if (auto It = Known.find(Path); It != Known.end())
      return It->second;
  }
  std::string H;
  if (auto It = Over ? Over->find(Path) : Overlay::const_iterator(); Over && It != Over->end())
    H = hex128(It->second);
  else if (auto Buf = llvm::MemoryBuffer::getFile(Path, /*IsText=*/false, /*RequiresNullTerminator=*/false))
    H = hex128((*Buf)->getBuffer());
  std::lock_guard<std::mutex> Lock(Mutex);
  Known[Path] = H;
  return H;
}

std::unique_ptr<SummaryIndex> SummaryIndex::open(const std::string &Dir, std::string &Error) {
  if (std::error_code EC = llvm::sys::fs::create_directories(Dir)) {
    Error = "cannot create the index folder " + Dir + ": " + EC.message();
    return nullptr;
  }
  // Ignored by git as a whole, as pytest's and ruff's caches are: an
  // in-source build folder must not make the tree dirty (fix refuses to
  // edit a dirty tree).
  std::string Ignore = Dir + "/.gitignore";
  if (!llvm::sys::fs::exists(Ignore)) {
    std::error_code EC;
    llvm::raw_fd_ostream OS(Ignore, EC);
    OS << "# reach-audit's index: generated, never committed\n*\n";
  }
  int FD = -1;
  std::string LockPath = Dir + "/lock";
  if (std::error_code EC = llvm::sys::fs::openFileForReadWrite(LockPath, FD, llvm::sys::fs::CD_OpenAlways,
                                                               llvm::sys::fs::OF_None)) {
    Error = "cannot open " + LockPath + ": " + EC.message();
    return nullptr;
  }
  if (llvm::sys::fs::tryLockFile(FD, std::chrono::milliseconds(0))) {
    llvm::errs() << "reach-audit: waiting for " << LockPath << ": another run is using this index\n";
    if (std::error_code EC = llvm::sys::fs::lockFile(FD)) {
      ::close(FD);
      Error = "cannot lock " + LockPath + ": " + EC.message();
      return nullptr;
    }
  }
  return std::unique_ptr<SummaryIndex>(new SummaryIndex(Dir, FD));
}

SummaryIndex::~SummaryIndex() {
  llvm::sys::fs::unlockFile(LockFD);
  ::close(LockFD);
}

std::string SummaryIndex::keyFor(llvm::ArrayRef<std::string> Parts) {
  std::string All = toolIdentity();
  for (const std::string &P : Parts) {
    All += '\0';
    All += P;
  }
  return hex128(All);
}

std::string SummaryIndex::entryPath(const std::string &Key) const { return Dir + "/" + Key + ".tu"; }

std::optional<TUSummary> SummaryIndex::lookup(const std::string &Key, ContentHashes &Hashes) {
  {
    std::lock_guard<std::mutex> Lock(Mutex);
    Used.insert(Key + ".tu");
  }
  std::string Payload;
  Read R = readPayload(entryPath(Key), Payload);
  if (R == Read::Missing)
    return std::nullopt;
  ByteReader Head(llvm::StringRef(Payload).drop_front(8));
  uint64_t HeadSize = Payload.size() >= 8 ? llvm::support::endian::read64le(Payload.data()) : ~uint64_t(0);
  bool Valid = R == Read::Ok && HeadSize <= Payload.size() - 8;
  if (Valid) {
    Head = ByteReader(llvm::StringRef(Payload).substr(8, HeadSize));
    Valid = Head.str() == Key;
  }
  bool Fresh = true;
  for (size_t I = 0, N = Valid ? Head.count() : 0; I < N && !Head.Bad; ++I) {
    std::string Path = Head.str(), Hash = Head.str();
    Fresh = Fresh && Hashes.of(Path) == Hash;
  }
  TUSummary S;
  Valid = Valid && !Head.Bad && Head.atEnd() &&
          decodeSummary(llvm::StringRef(Payload).drop_front(8 + HeadSize), S);
  std::lock_guard<std::mutex> Lock(Mutex);
  if (!Valid) {
    Stats.Corrupt.push_back(entryPath(Key));
    return std::nullopt;
  }
  if (!Fresh)
    return std::nullopt;
  ++Stats.Reused;
  return S;
}

void SummaryIndex::store(const std::string &Key, const TUSummary &S, ContentHashes &Hashes) {
  bool Ok = true;
  std::string Bytes = entryBytes(payloadOf(Key, S, Hashes, Ok));
  if (!Ok)
    return;
  llvm::SmallString<256> Temp;
  int FD = -1;
  if (llvm::sys::fs::createUniqueFile(Dir + "/part-%%%%%%%%", FD, Temp))
    return; // an index that cannot be written is only slower next time
  {
    llvm::raw_fd_ostream OS(FD, /*shouldClose=*/true);
    OS << Bytes;
    OS.close();
    if (OS.has_error()) {
      OS.clear_error();
      llvm::sys::fs::remove(Temp);
      return;
    }
  }
  if (llvm::sys::fs::rename(Temp, entryPath(Key)))
    llvm::sys::fs::remove(Temp);
  std::lock_guard<std::mutex> Lock(Mutex);
  Used.insert(Key + ".tu");
}

void SummaryIndex::pruneUnused() {
  std::error_code EC;
  std::vector<std::string> Gone;
  for (llvm::sys::fs::directory_iterator It(Dir, EC), End; It != End && !EC; It.increment(EC)) {
    llvm::StringRef Name = llvm::sys::path::filename(It->path());
    if ((Name.ends_with(".tu") && !Used.count(Name.str())) || Name.starts_with("part-"))
      Gone.push_back(It->path());
  }
  for (const std::string &P : Gone)
    llvm::sys::fs::remove(P);
}

void SummaryIndex::noteParsed(const std::string &MainFile) {
  std::lock_guard<std::mutex> Lock(Mutex);
  Stats.Parsed.push_back(MainFile);
}

IndexStats SummaryIndex::stats() {
  std::lock_guard<std::mutex> Lock(Mutex);
  IndexStats S = Stats;
  std::sort(S.Parsed.begin(), S.Parsed.end());
  return S;
}

} // namespace reach
