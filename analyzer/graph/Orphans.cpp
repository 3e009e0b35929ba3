#include "graph/Orphans.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/GlobPattern.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"

#include <algorithm>
#include <memory>

namespace reach {

bool isSourceFile(const std::string &Path) {
  llvm::StringRef Ext = llvm::sys::path::extension(Path);
  for (const char *E : {".c", ".cc", ".cpp", ".cxx", ".c++", ".C", ".h", ".hh", ".hpp",
                        ".hxx", ".h++", ".inl", ".ipp", ".tcc", ".cu", ".cuh"})
    if (Ext == E)
      return true;
  return false;
}

namespace {

bool isBuildFile(llvm::StringRef Name) {
  return Name == "CMakeLists.txt" || Name.ends_with(".cmake") || Name == "Makefile" ||
         Name == "GNUmakefile" || Name.starts_with("Makefile.") || Name.ends_with(".mk") ||
         Name == "meson.build" || Name == "BUILD" || Name == "BUILD.bazel" || Name == "configure.ac" ||
         Name == "SConstruct" || Name == "SConscript" || Name.ends_with(".gyp") || Name.ends_with(".gypi");
}

/// Calls Visit(root-relative path) for each file under Root, skipping
/// hidden folders, node_modules, SkipDirs and CMake build trees.
void walkTree(const std::string &Root, const std::vector<std::string> &SkipDirs,
              llvm::function_ref<void(llvm::StringRef)> Visit) {
  std::error_code EC;
  for (llvm::sys::fs::recursive_directory_iterator It(Root, EC), End; It != End && !EC;
       It.increment(EC)) {
    llvm::StringRef Path = It->path();
    llvm::StringRef Name = llvm::sys::path::filename(Path);
    if (It->type() == llvm::sys::fs::file_type::directory_file) {
      bool Skip = Name.starts_with(".") || Name == "node_modules";
      for (const std::string &S : SkipDirs)
        Skip |= llvm::StringRef(Path).rtrim('/') == llvm::StringRef(S).rtrim('/');
      // A CMake build tree anywhere under the root is generated, not source.
      Skip |= llvm::sys::fs::exists(Path + "/CMakeCache.txt");
      if (Skip)
        It.no_push();
      continue;
    }
    llvm::StringRef Rel = Path;
    if (Rel.consume_front(Root) && Rel.consume_front("/"))
      Visit(Rel);
  }
}

/// Asks git which of Paths are ignored; an empty set when Root is not a git
/// work tree or git is missing (then nothing is treated as ignored).
std::set<std::string> gitIgnored(const std::string &Root, const std::vector<std::string> &Paths) {
  std::set<std::string> Ignored;
  auto Git = llvm::sys::findProgramByName("git");
  if (!Git || Paths.empty())
    return Ignored;
  llvm::SmallString<128> In, Out;
  if (llvm::sys::fs::createTemporaryFile("reach-ignore-in", "txt", In) ||
      llvm::sys::fs::createTemporaryFile("reach-ignore-out", "txt", Out))
    return Ignored;
  {
    std::error_code EC;
    llvm::raw_fd_ostream OS(In, EC);
    for (const std::string &P : Paths)
      OS << P << "\n";
  }
  std::optional<llvm::StringRef> Redirects[] = {llvm::StringRef(In), llvm::StringRef(Out),
                                                llvm::StringRef("")};
  llvm::StringRef Args[] = {*Git, "-C", Root, "check-ignore", "--stdin"};
  llvm::sys::ExecuteAndWait(*Git, Args, std::nullopt, Redirects);
  if (auto Buf = llvm::MemoryBuffer::getFile(Out)) {
    llvm::SmallVector<llvm::StringRef> Lines;
    (*Buf)->getBuffer().split(Lines, '\n', -1, false);
    for (llvm::StringRef L : Lines)
      Ignored.insert(L.trim().str());
  }
  llvm::sys::fs::remove(In);
  llvm::sys::fs::remove(Out);
  return Ignored;
}


bool isPathChar(char C) { return llvm::isAlnum(C) || C == '_' || C == '-' || C == '.' || C == '/'; }

/// Where Text names Path as a whole path (`src/win/io.cpp`, or
/// `${CMAKE_CURRENT_SOURCE_DIR}/io.cpp`): the line, or 0.
unsigned lineNaming(llvm::StringRef Text, llvm::StringRef Path) {
  for (size_t At = Text.find(Path); At != llvm::StringRef::npos; At = Text.find(Path, At + 1)) {
    size_t End = At + Path.size();
    bool Before = At == 0 || !isPathChar(Text[At - 1]) || (At >= 2 && Text.substr(At - 2, 2) == "}/");
    bool After = End == Text.size() || !isPathChar(Text[End]);
    if (Before && After)
      return 1 + Text.take_front(At).count('\n');
  }
  return 0;
}

/// The whole paths a build file's text names, each with the line of its
/// first mention: lineNaming's answer for many files, one lookup each (a
/// large project asks it for every unbuilt file in every build file).
class PathWords {
public:
  explicit PathWords(llvm::StringRef Text) : Text(Text) {
    unsigned Line = 1;
    for (size_t I = 0; I < Text.size();) {
      if (!isPathChar(Text[I])) {
        Line += Text[I++] == '\n';
        continue;
      }
      size_t End = I;
      while (End < Text.size() && isPathChar(Text[End]))
        ++End;
      llvm::StringRef Word = Text.slice(I, End);
      First.try_emplace(Word, Line);
      if (I > 0 && Text[I - 1] == '}' && Word.starts_with("/")) // `${DIR}/io.cpp`
        First.try_emplace(Word.drop_front(), Line);
      I = End;
    }
  }
  /// As lineNaming(Text, Path).
  unsigned lineOf(llvm::StringRef Path) const {
    if (Path.empty() || !llvm::all_of(Path, isPathChar)) // not one word: search the text
      return lineNaming(Text, Path);
    auto It = First.find(Path);
    return It == First.end() ? 0 : It->second;
  }

private:
  llvm::StringRef Text;
  llvm::StringMap<unsigned> First;
};

bool isPatternChar(char C) { return isPathChar(C) || C == '*' || C == '?' || C == '[' || C == ']'; }

/// A file pattern of a build file: `file(GLOB ... "*.cu")`, Make's
/// `$(wildcard src/*.c)`, Bazel's `glob(["**/*.cc"])`; a `${VAR}/` prefix
/// is read as the build file's own folder.
struct BuildGlob {
  std::string Text;                           // as written, for the message
  std::unique_ptr<const std::string> Source;  // the pattern's text, which GlobPattern refers to
  llvm::GlobPattern Pattern;                  // compiled once per build file
  unsigned Line;
  unsigned Up;                                // leading `../`s: relative to that ancestor of the build file's folder
};

/// Text with each `${VAR}` / `$(VAR)` made a `*`: `src/${KERNEL}.c`, a path
/// a loop composes, is a pattern too.
std::string variablesAsWildcards(llvm::StringRef Text) {
  std::string Out;
  for (size_t I = 0; I < Text.size(); ++I) {
    char Close = I + 1 < Text.size() && Text[I] == '$' ? (Text[I + 1] == '{' ? '}' : Text[I + 1] == '(' ? ')' : 0) : 0;
    size_t End = Close ? Text.find(Close, I + 2) : llvm::StringRef::npos;
    if (End == llvm::StringRef::npos || Text.slice(I + 2, End).find_first_of(" \t\n") != llvm::StringRef::npos) {
      Out += Text[I];
      continue;
    }
    Out += '*';
    I = End;
  }
  return Out;
}

std::vector<BuildGlob> globsIn(llvm::StringRef Source) {
  std::vector<BuildGlob> Globs;
  std::string Expanded = variablesAsWildcards(Source);
  llvm::StringRef Text = Expanded;
  for (size_t I = 0; I < Text.size();) {
    if (!isPatternChar(Text[I])) {
      ++I;
      continue;
    }
    size_t End = I;
    while (End < Text.size() && isPatternChar(Text[End]))
      ++End;
    llvm::StringRef Word = Text.slice(I, End);
    unsigned Line = 1 + Text.take_front(I).count('\n');
    I = End;
    // A pattern names files: wildcards and something literal (`*.cu`), not
    // an arithmetic `2*3` (no path char after all) or a bare `*`.
    if ((!Word.contains('*') && !Word.contains('?')) || Word.find_first_not_of("*?/.") == llvm::StringRef::npos)
      continue;
    // A leading `${DIR}/` (now `*/`) is read as the build file's folder.
    llvm::StringRef Rel = Word;
    Rel.consume_front("*/");
    Rel = Rel.ltrim('/');
    unsigned Up = 0;
    for (;;) {
      if (Rel.consume_front("./"))
        continue;
      if (!Rel.consume_front("../"))
        break;
      ++Up;
    }
    // `*` crosses folders here (GLOB_RECURSE, `**`): a pattern that might
    // name the file keeps it, which is the safe side for a deleting tool.
    std::string Normal = Rel.str();
    for (size_t At; (At = Normal.find("**")) != std::string::npos;)
      Normal.erase(At, 1);
    if (Normal.find_first_not_of("*?/.") == std::string::npos)
      continue;
    auto Source = std::make_unique<const std::string>(Normal);
    auto Pattern = llvm::GlobPattern::create(*Source);
    if (!Pattern) {
      llvm::consumeError(Pattern.takeError());
      continue;
    }
    Globs.push_back({Word.starts_with("*/") ? Word.drop_front(2).str() : Word.str(), std::move(Source),
                     std::move(*Pattern), Line, Up});
  }
  return Globs;
}

/// File as a build file at Dir may write it: relative to Dir or to one of
/// its ancestor folders (a function in ggml/src/CMakeLists.txt style names
/// `ggml-cpu/arch/x86/quants.c` from ggml/src/ggml-cpu/), nearest first;
/// empty when File is not under Dir.
std::vector<llvm::StringRef> relativeForms(llvm::StringRef Dir, llvm::StringRef File) {
  std::vector<llvm::StringRef> Forms;
  llvm::StringRef Local = File;
  if (!Dir.empty() && !(Local.consume_front(Dir) && Local.consume_front("/")))
    return Forms;
  for (llvm::StringRef A = Dir;; A = llvm::sys::path::parent_path(A)) {
    Forms.push_back(A.empty() ? File : File.drop_front(A.size() + 1));
    if (A.empty())
      break;
  }
  return Forms;
}

/// Where a glob of the build file at Dir matches File: "named by
/// cuda/CMakeLists.txt:3 (pattern *.cu)", or "". A pattern without a folder
/// matches a file of that name anywhere under Dir; one with folders, the
/// path relative to Dir or an ancestor (relativeForms).
std::string globNaming(const std::vector<BuildGlob> &Globs, llvm::StringRef BuildFile, llvm::StringRef Dir,
                       llvm::StringRef File) {
  for (const BuildGlob &G : Globs) {
    llvm::StringRef Base = Dir;
    for (unsigned I = 0; I < G.Up; ++I)
      Base = llvm::sys::path::parent_path(Base);
    std::vector<llvm::StringRef> Forms = relativeForms(Base, File);
    if (G.Up)
      Forms.resize(std::min<size_t>(Forms.size(), 1)); // `../x/*.c` is relative to that ancestor only
    if (Forms.empty())
      continue;
    bool Hit = false;
    bool HasFolder = llvm::StringRef(*G.Source).contains('/');
    if (!HasFolder)
      Hit = G.Pattern.match(llvm::sys::path::filename(File));
    for (llvm::StringRef Form : Forms)
      Hit = Hit || (HasFolder && G.Pattern.match(Form));
    if (Hit)
      return "named by " + BuildFile.str() + ":" + std::to_string(G.Line) + " (pattern " + G.Text + ")";
  }
  return "";
}

} // namespace

SourceTree walkSourceTree(const std::string &Root, const std::vector<std::string> &SkipDirs) {
  SourceTree Tree;
  walkTree(Root, SkipDirs, [&](llvm::StringRef Rel) {
    if (isSourceFile(Rel.str()))
      Tree.Sources.push_back(Rel.str());
    else if (isBuildFile(llvm::sys::path::filename(Rel)))
      Tree.BuildFiles.push_back(Rel.str());
  });
  return Tree;
}

std::map<std::string, std::string> namedByBuildFiles(const std::string &Root, const SourceTree &Tree,
                                                     const std::vector<std::string> &Files) {
  std::map<std::string, std::string> Named;
  if (Files.empty())
    return Named;
  for (llvm::StringRef Rel : Tree.BuildFiles) {
    auto Buf = llvm::MemoryBuffer::getFile(Root + "/" + Rel);
    if (!Buf)
      continue;
    // Comments (`#` to the end of the line in every build language here)
    // name files that are not built: blanked out, lines kept.
    std::string Text = (*Buf)->getBuffer().str();
    for (size_t Hash = Text.find('#'); Hash != std::string::npos; Hash = Text.find('#', Hash))
      for (; Hash < Text.size() && Text[Hash] != '\n'; ++Hash)
        Text[Hash] = ' ';
    llvm::StringRef Dir = llvm::sys::path::parent_path(Rel);
    std::vector<BuildGlob> Globs = globsIn(Text);
    PathWords Words(Text);
    for (const std::string &F : Files) {
      if (Named.count(F))
        continue;
      if (std::string ByGlob = globNaming(Globs, Rel, Dir, F); !ByGlob.empty()) {
        Named[F] = ByGlob;
        continue;
      }
      unsigned Line = Words.lineOf(F);
      for (llvm::StringRef Form : relativeForms(Dir, F))
        if (!Line && Form.contains('/')) // a bare name is too common to count from afar
          Line = Words.lineOf(Form);
      if (!Line && !Dir.empty() && llvm::sys::path::parent_path(F) == Dir)
        Line = Words.lineOf(llvm::sys::path::filename(F)); // a file of the build file's own folder
      std::string Up;
      for (llvm::StringRef A = llvm::sys::path::parent_path(Dir); !Line && !Dir.empty(); A = llvm::sys::path::parent_path(A)) {
        Up += "../"; // `../sibling/x.c`: relative to an ancestor, written as such
        std::vector<llvm::StringRef> Forms = relativeForms(A, F);
        if (!Forms.empty())
          Line = Words.lineOf(Up + Forms.front().str());
        if (A.empty())
          break;
      }
      if (Line)
        Named[F] = "named by " + Rel.str() + ":" + std::to_string(Line);
    }
  }
  return Named;
}

namespace {

/// The names a file #includes, with their lines (the file is not parsed:
/// every branch counts, which is the safe side).
std::vector<std::pair<std::string, unsigned>> includeNames(llvm::StringRef Text) {
  std::vector<std::pair<std::string, unsigned>> Names;
  llvm::SmallVector<llvm::StringRef> Lines;
  Text.split(Lines, '\n');
  for (size_t I = 0; I < Lines.size(); ++I) {
    llvm::StringRef L = Lines[I].ltrim();
    if (!L.consume_front("#"))
      continue;
    L = L.ltrim();
    if (!L.consume_front("include"))
      continue;
    L = L.ltrim();
    char Close = L.starts_with("<") ? '>' : L.starts_with("\"") ? '"' : 0;
    size_t End = Close ? L.find(Close, 1) : llvm::StringRef::npos;
    if (End != llvm::StringRef::npos)
      Names.emplace_back(L.slice(1, End).str(), unsigned(I + 1));
  }
  return Names;
}

} // namespace

void addIncludedByUnbuilt(const std::string &Root, const std::vector<std::string> &Orphans,
                          std::map<std::string, std::string> &Unbuilt) {
  std::vector<std::string> Work;
  for (const auto &[File, Why] : Unbuilt)
    Work.push_back(File);
  while (!Work.empty()) {
    std::string From = std::move(Work.back());
    Work.pop_back();
    auto Buf = llvm::MemoryBuffer::getFile(Root + "/" + From);
    if (!Buf)
      continue;
    for (const auto &[Name, Line] : includeNames((*Buf)->getBuffer()))
      for (const std::string &O : Orphans) {
        llvm::StringRef Path = O;
        bool Names = Path == Name || (Path.ends_with(Name) && Path.drop_back(Name.size()).ends_with("/"));
        if (!Names || Unbuilt.count(O))
          continue;
        Unbuilt[O] = "included by " + From + ":" + std::to_string(Line) + ", which another configuration builds";
        Work.push_back(O);
      }
  }
}

std::vector<std::string> findOrphans(const std::string &Root, const SourceTree &Tree,
                                     const std::set<std::string> &Built) {
  std::vector<std::string> Candidates;
  for (const std::string &F : Tree.Sources)
    if (!Built.count(F))
      Candidates.push_back(F);
  std::set<std::string> Ignored = gitIgnored(Root, Candidates);
  std::vector<std::string> R;
  for (const std::string &C : Candidates)
    if (!Ignored.count(C))
      R.push_back(C);
  std::sort(R.begin(), R.end());
  return R;
}

} // namespace reach
