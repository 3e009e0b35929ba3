// Every file of the index is framed alike: a magic (8 bytes), the xxh3
// checksum of the rest, the head's length and the head (plain, so that
// checking an entry's files unpacks nothing), the body's compression (0
// none, 1 zstd), its unpacked size, and the body. An entry's head is its key
// and each file it read with that file's hash; its body the summary
// (index/SummaryCodec.h). linked.bin's head is each TU's key and the
// checksum of the entry it was made from; its body (not compressed as a
// whole) the deduplicated summaries, each packed (compressed) apart with its
// length before it. program.bin's head is linked.bin's; its body (not
// compressed: a query maps it and decodes it in place) the linked graph and
// what link left of the TUs.
#include "index/SummaryIndex.h"

#include "index/Bytes.h"
#include "index/EveryCore.h"
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
#include <optional>
#include <unistd.h>

namespace reach {
namespace {

constexpr llvm::StringLiteral EntryMagic = "REACHIX2", LinkedMagic = "REACHLK2", ProgramMagic = "REACHPG2";

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

void put64(std::string &Out, uint64_t V) {
  char B[8];
  llvm::support::endian::write64le(B, V);
  Out.append(B, 8);
}

llvm::ArrayRef<uint8_t> bytesOf(llvm::StringRef S) { return {S.bytes_begin(), S.size()}; }

/// Appends Body as stored: its compression (0 none, 1 zstd), its size, its
/// bytes.
void appendPacked(std::string &Out, llvm::StringRef Body, bool Compress) {
  bool Zstd = Compress && llvm::compression::zstd::isAvailable();
  llvm::SmallVector<uint8_t, 0> Packed;
  if (Zstd)
    llvm::compression::zstd::compress(bytesOf(Body), Packed, /*Level=*/1);
  llvm::StringRef Stored = Zstd ? llvm::StringRef(reinterpret_cast<const char *>(Packed.data()), Packed.size()) : Body;
  Out.reserve(Out.size() + 9 + Stored.size());
  Out += char(Zstd ? 1 : 0);
  put64(Out, Body.size());
  Out += Stored;
}

std::string pack(llvm::StringRef Body, bool Compress = true) {
  std::string Out;
  appendPacked(Out, Body, Compress);
  return Out;
}

/// Magic (8 bytes), the checksum of the rest, the head's size, the head, the
/// packed body: built in one buffer, so a large body is copied once
/// (llama.cpp's program.bin is 96 MB; each copy was new memory to fault in).
/// Compress: false when Body is made of packed parts already (linked.bin).
std::string frame(llvm::StringRef Magic, llvm::StringRef Head, llvm::StringRef Body, bool Compress = true) {
  std::string Out = Magic.str();
  put64(Out, 0); // the checksum, once the rest is written
  put64(Out, Head.size());
  Out += Head;
  appendPacked(Out, Body, Compress);
  llvm::support::endian::write64le(Out.data() + 8, llvm::xxh3_64bits(llvm::StringRef(Out).drop_front(16)));
  return Out;
}

struct Framed {
  uint64_t Checksum = 0;
  llvm::StringRef Head, Body; // Body still packed
  uint8_t Compression = 0;
  uint64_t Size = 0;          // unpacked
};

/// The parts of a whole, well-formed file of the given kind.
std::optional<Framed> unframe(llvm::StringRef B, llvm::StringRef Magic) {
  using llvm::support::endian::read64le;
  if (B.size() < 24 || !B.starts_with(Magic))
    return std::nullopt;
  Framed F;
  F.Checksum = read64le(B.data() + 8);
  if (F.Checksum != llvm::xxh3_64bits(B.drop_front(16)))
    return std::nullopt;
  uint64_t HeadSize = read64le(B.data() + 16);
  llvm::StringRef Rest = B.drop_front(24);
  if (HeadSize > Rest.size() || Rest.size() - HeadSize < 9)
    return std::nullopt;
  F.Head = Rest.take_front(HeadSize);
  Rest = Rest.drop_front(HeadSize);
  F.Compression = Rest[0];
  F.Size = read64le(Rest.data() + 1);
  F.Body = Rest.drop_front(9);
  return F;
}

std::optional<std::string> unpack(uint8_t Compression, uint64_t Size, llvm::StringRef Body) {
  if (Compression == 0)
    return Body.size() == Size ? std::optional(Body.str()) : std::nullopt;
  if (Compression != 1 || !llvm::compression::zstd::isAvailable() || Size > (uint64_t(1) << 36))
    return std::nullopt;
  std::string Out(Size, '\0'); // unpacked in place: one copy of a large body in memory, not two
  size_t Unpacked = Size;
  if (llvm::Error E = llvm::compression::zstd::decompress(bytesOf(Body), reinterpret_cast<uint8_t *>(Out.data()),
                                                          Unpacked)) {
    llvm::consumeError(std::move(E));
    return std::nullopt;
  }
  if (Unpacked != Size)
    return std::nullopt;
  return Out;
}

std::optional<std::string> unpack(const Framed &F) { return unpack(F.Compression, F.Size, F.Body); }

/// A part made by pack().
std::optional<std::string> unpack(llvm::StringRef Packed) {
  if (Packed.size() < 9)
    return std::nullopt;
  return unpack(Packed[0], llvm::support::endian::read64le(Packed.data() + 1), Packed.drop_front(9));
}

std::unique_ptr<llvm::MemoryBuffer> readFile(const std::string &Path) {
  auto Buf = llvm::MemoryBuffer::getFile(Path, /*IsText=*/false, /*RequiresNullTerminator=*/false);
  return Buf ? std::move(*Buf) : nullptr;
}

/// Writes Bytes to Path through a temporary file and a rename, so that a
/// reader sees the old file or the new one. False if it could not.
bool writeAtomically(const std::string &Dir, const std::string &Path, llvm::StringRef Bytes) {
  llvm::SmallString<256> Temp;
  int FD = -1;
  if (llvm::sys::fs::createUniqueFile(Dir + "/part-%%%%%%%%", FD, Temp))
    return false;
  {
    llvm::raw_fd_ostream OS(FD, /*shouldClose=*/true);
    OS << Bytes;
    OS.close();
    if (OS.has_error()) {
      OS.clear_error();
      llvm::sys::fs::remove(Temp);
      return false;
    }
  }
  if (!llvm::sys::fs::rename(Temp, Path))
    return true;
  llvm::sys::fs::remove(Temp);
  return false;
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

SummaryIndex::State SummaryIndex::check(const std::string &Key, ContentHashes &Hashes, std::string *Body) {
  {
    std::lock_guard<std::mutex> Lock(Mutex);
    Used.insert(Key + ".tu");
  }
  std::unique_ptr<llvm::MemoryBuffer> Buf = readFile(entryPath(Key));
  if (!Buf)
    return State::Missing;
  std::optional<Framed> F = unframe(Buf->getBuffer(), EntryMagic);
  if (!F)
    return State::Corrupt;
  ByteReader Head(F->Head);
  if (Head.str() != Key)
    return State::Corrupt;
  bool Fresh = true;
  for (size_t I = 0, N = Head.count(); I < N && !Head.Bad; ++I) {
    std::string Path = Head.str(), Hash = Head.str();
    Fresh = Fresh && Hashes.of(Path) == Hash; // once stale, hash no more files
  }
  if (Head.Bad || !Head.atEnd())
    return State::Corrupt;
  if (!Fresh)
    return State::Stale;
  if (Body) {
    std::optional<std::string> Unpacked = unpack(*F);
    if (!Unpacked)
      return State::Corrupt;
    *Body = std::move(*Unpacked);
  }
  std::lock_guard<std::mutex> Lock(Mutex);
  Checksums[Key] = F->Checksum;
  return State::Fresh;
}

std::optional<TUSummary> SummaryIndex::lookup(const std::string &Key, ContentHashes &Hashes) {
  std::string Body;
  State St = check(Key, Hashes, &Body);
  TUSummary S;
  if (St == State::Fresh && !decodeSummary(Body, S))
    St = State::Corrupt;
  std::lock_guard<std::mutex> Lock(Mutex);
  if (St == State::Corrupt) {
    Checksums.erase(Key);
    Stats.Corrupt.push_back(entryPath(Key));
  }
  if (St != State::Fresh)
    return std::nullopt;
  ++Stats.Reused;
  return S;
}

void SummaryIndex::store(const std::string &Key, const TUSummary &S, ContentHashes &Hashes) {
  std::vector<std::string> Inputs = S.Inputs;
  std::sort(Inputs.begin(), Inputs.end());
  Inputs.erase(std::unique(Inputs.begin(), Inputs.end()), Inputs.end());
  ByteWriter Head;
  Head.str(Key);
  Head.u(Inputs.size());
  for (const std::string &P : Inputs) {
    std::string H = Hashes.of(P);
    if (H.empty())
      return; // a file read but gone now: nothing to check the entry against
    Head.str(P);
    Head.str(H);
  }
  std::string Bytes = frame(EntryMagic, Head.take(), encodeSummary(S));
  if (!writeAtomically(Dir, entryPath(Key), Bytes))
    return; // an index that cannot be written is only slower next time
  std::lock_guard<std::mutex> Lock(Mutex);
  Used.insert(Key + ".tu");
  Checksums[Key] = llvm::support::endian::read64le(Bytes.data() + 8);
}

std::optional<std::string> SummaryIndex::headOf(const std::vector<std::string> &Keys) {
  ByteWriter Head;
  Head.u(Keys.size());
  for (const std::string &K : Keys) {
    auto It = Checksums.find(K);
    if (It == Checksums.end())
      return std::nullopt;
    Head.str(K);
    Head.u(It->second);
  }
  return Head.take();
}

std::optional<SummaryIndex::StoredBody> SummaryIndex::readMadeFrom(llvm::StringRef Name, llvm::StringRef Magic,
                                                                   const std::vector<std::string> &Keys,
                                                                   ContentHashes &Hashes) {
  // Every entry checked (read and its checksum verified, its files hashed)
  // on every core.
  if (!decodeOnEveryCore(Keys.size(), [&](size_t I) { return check(Keys[I], Hashes, nullptr) == State::Fresh; }))
    return std::nullopt;
  StoredBody Body;
  Body.File = readFile(Dir + "/" + Name.str());
  std::optional<Framed> F = Body.File ? unframe(Body.File->getBuffer(), Magic) : std::nullopt;
  std::optional<std::string> Head = headOf(Keys);
  if (!F || !Head || F->Head != *Head)
    return std::nullopt;
  if (F->Compression == 0 && F->Body.size() == F->Size) {
    Body.Bytes = F->Body;
    return Body;
  }
  std::optional<std::string> Unpacked = unpack(*F);
  if (!Unpacked)
    return std::nullopt;
  Body.Unpacked = std::move(*Unpacked);
  Body.Bytes = Body.Unpacked;
  return Body;
}

std::optional<std::vector<TUSummary>> SummaryIndex::linked(const std::vector<std::string> &Keys,
                                                           ContentHashes &Hashes) {
  std::optional<StoredBody> Body = readMadeFrom("linked.bin", LinkedMagic, Keys, Hashes);
  if (!Body)
    return std::nullopt;
  // Each summary's bytes, then decoded on every core.
  std::vector<llvm::StringRef> Parts;
  llvm::StringRef Rest = Body->Bytes;
  while (Parts.size() < Keys.size()) {
    if (Rest.size() < 8)
      return std::nullopt;
    uint64_t Size = llvm::support::endian::read64le(Rest.data());
    Rest = Rest.drop_front(8);
    if (Size > Rest.size())
      return std::nullopt;
    Parts.push_back(Rest.take_front(Size));
    Rest = Rest.drop_front(Size);
  }
  if (!Rest.empty())
    return std::nullopt;
  std::vector<TUSummary> Out(Keys.size());
  if (!decodeOnEveryCore(Parts.size(), [&](size_t I) {
        std::optional<std::string> Bytes = unpack(Parts[I]);
        return Bytes && decodeSummary(*Bytes, Out[I]);
      }))
    return std::nullopt;
  Stats.Reused = Keys.size();
  return Out;
}

void SummaryIndex::storeLinked(const std::vector<std::string> &Keys, const std::vector<TUSummary> &Deduplicated) {
  std::optional<std::string> Head = headOf(Keys);
  if (!Head)
    return;
  std::string Body;
  for (const TUSummary &S : Deduplicated) {
    // Each summary packed apart: memory holds one summary's bytes at a
    // time besides the packed whole, and the parts unpack in parallel.
    std::string One = pack(encodeSummary(S));
    put64(Body, One.size());
    Body += One;
  }
  writeAtomically(Dir, Dir + "/linked.bin", frame(LinkedMagic, *Head, Body, /*Compress=*/false));
}

std::optional<LinkedProgram> SummaryIndex::program(const std::vector<std::string> &Keys, ContentHashes &Hashes) {
  std::optional<StoredBody> Body = readMadeFrom("program.bin", ProgramMagic, Keys, Hashes);
  LinkedProgram P;
  if (!Body || !decodeProgram(Body->Bytes, P.G, P.Rest) || P.Rest.size() != Keys.size())
    return std::nullopt;
  Stats.Reused = Keys.size();
  Stats.ProgramReused = true;
  return P;
}

void SummaryIndex::storeProgram(const std::vector<std::string> &Keys, const Graph &G,
                                const std::vector<TUSummary> &Rest) {
  if (std::optional<std::string> Head = headOf(Keys))
    // Not compressed: a query maps it and decodes it in place, where
    // unpacking llama.cpp's 96 MB took 0.09 s of a 0.9 s query (the file is
    // 10 MB with zstd).
    writeAtomically(Dir, Dir + "/program.bin", frame(ProgramMagic, *Head, encodeProgram(G, Rest), /*Compress=*/false));
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

int SummaryIndex::adopt(const std::string &From, std::string &Error) {
  if (!llvm::sys::fs::is_directory(From)) {
    Error = From + " is not a folder";
    return -1;
  }
  std::error_code EC;
  std::vector<std::string> Entries;
  for (llvm::sys::fs::directory_iterator It(From, EC), End; It != End && !EC; It.increment(EC))
    if (llvm::StringRef(It->path()).ends_with(".tu"))
      Entries.push_back(It->path());
  if (EC || Entries.empty()) {
    Error = From + " holds no index entries (*.tu): not an index folder, or a shard that extracted nothing";
    return -1;
  }
  for (const std::string &E : Entries) {
    std::unique_ptr<llvm::MemoryBuffer> Buf = readFile(E);
    std::string To = Dir + "/" + llvm::sys::path::filename(E).str();
    if (!Buf || !writeAtomically(Dir, To, Buf->getBuffer())) {
      Error = "cannot copy " + E + " to " + To;
      return -1;
    }
  }
  return int(Entries.size());
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
