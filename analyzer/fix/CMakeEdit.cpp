#include "fix/CMakeEdit.h"

#include "graph/Orphans.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <cctype>
#include <cstring>

namespace reach {
namespace {

bool names(const std::string &Dir, llvm::StringRef Arg, const std::set<std::string> &Removed) {
  Arg = Arg.trim('"');
  Arg.consume_front("${CMAKE_CURRENT_SOURCE_DIR}/");
  if (Arg.contains("${") || Arg.contains("$<") || Arg.empty())
    return false;
  llvm::SmallString<256> P(Dir);
  llvm::sys::path::append(P, Arg);
  llvm::sys::path::remove_dots(P, true);
  return Removed.count(std::string(P.str())) > 0;
}

} // namespace

std::string removeSources(const std::string &Text, const std::string &Dir,
                          const std::set<std::string> &Removed) {
  std::string Out;
  size_t I = 0;
  while (I < Text.size()) {
    // Find the next add_library( / add_executable( at a word start.
    size_t Best = std::string::npos;
    for (const char *Cmd : {"add_library", "add_executable"}) {
      for (size_t P = I; (P = Text.find(Cmd, P)) != std::string::npos; ++P) {
        bool WordStart = P == 0 || !(std::isalnum((unsigned char)Text[P - 1]) || Text[P - 1] == '_');
        size_t Q = P + std::strlen(Cmd);
        while (Q < Text.size() && (Text[Q] == ' ' || Text[Q] == '\t')) ++Q;
        if (WordStart && Q < Text.size() && Text[Q] == '(') {
          Best = std::min(Best, P);
          break;
        }
      }
    }
    if (Best == std::string::npos) {
      Out += Text.substr(I);
      break;
    }
    size_t Open = Text.find('(', Best), Close = Text.find(')', Open);
    if (Close == std::string::npos) {
      Out += Text.substr(I);
      break;
    }
    Out += Text.substr(I, Open + 1 - I);
    // Arguments: whitespace-separated words; the first is the target name.
    std::string Args = Text.substr(Open + 1, Close - Open - 1), Kept;
    size_t A = 0;
    bool First = true;
    while (A < Args.size()) {
      size_t WS = A;
      while (A < Args.size() && std::isspace((unsigned char)Args[A])) ++A;
      size_t WB = A;
      while (A < Args.size() && !std::isspace((unsigned char)Args[A])) ++A;
      std::string Space = Args.substr(WS, WB - WS), Word = Args.substr(WB, A - WB);
      if (!First && !Word.empty() && names(Dir, Word, Removed)) {
        // A word alone on its line takes its line along.
        if (Space.find('\n') != std::string::npos)
          Kept += Space.substr(0, Space.rfind('\n'));
        continue;
      }
      if (!Word.empty())
        First = false;
      Kept += Space + Word;
    }
    Out += Kept + ")";
    I = Close + 1;
  }
  return Out;
}

std::vector<FileChange> editCMakeLists(const std::string &Root, const std::string &SkipDir,
                                       const std::set<std::string> &Removed) {
  std::vector<FileChange> Changes;
  for (const std::string &Rel : walkSourceTree(Root, {SkipDir}).BuildFiles) {
    if (llvm::sys::path::filename(Rel) != "CMakeLists.txt")
      continue;
    auto Buf = llvm::MemoryBuffer::getFile(Root + "/" + Rel);
    if (!Buf)
      continue;
    std::string Dir = llvm::sys::path::parent_path(Rel).str();
    std::string Before = (*Buf)->getBuffer().str();
    std::string After = removeSources(Before, Dir, Removed);
    if (After != Before)
      Changes.push_back({Rel, Before, After, false});
  }
  return Changes;
}

} // namespace reach
