#include "fix/Edits.h"

#include "clang/Format/Format.h"
#include "clang/Tooling/Core/Replacement.h"
#include "llvm/Support/Path.h"

#include <algorithm>
#include <map>
#include <regex>

namespace reach {
namespace {

bool blank(char C) { return C == ' ' || C == '\t' || C == '\r'; }

unsigned lineStart(const std::string &C, unsigned P) {
  while (P > 0 && C[P - 1] != '\n')
    --P;
  return P;
}
/// Offset just past the '\n' ending the line that holds P (or the end).
unsigned nextLine(const std::string &C, unsigned P) {
  while (P < C.size() && C[P] != '\n')
    ++P;
  return P < C.size() ? P + 1 : P;
}
bool onlyBlanks(const std::string &C, unsigned B, unsigned E) {
  for (unsigned I = B; I < E; ++I)
    if (!blank(C[I]) && C[I] != '\n')
      return false;
  return true;
}
bool blankLine(const std::string &C, unsigned LineBegin) {
  return LineBegin < C.size() && onlyBlanks(C, LineBegin, nextLine(C, LineBegin));
}
std::string trimmed(const std::string &C, unsigned B, unsigned E) {
  while (B < E && (blank(C[B]) || C[B] == '\n')) ++B;
  while (E > B && (blank(C[E - 1]) || C[E - 1] == '\n')) --E;
  return C.substr(B, E - B);
}

/// `int a = 1, b = 2;`: one declarator cannot be cut out as a range.
bool sharesDeclaration(const std::string &C, unsigned B, unsigned E) {
  int Depth = 0;
  for (unsigned I = B; I < E; ++I) {
    char Ch = C[I];
    if (Ch == '(' || Ch == '{' || Ch == '[' || Ch == '<') ++Depth;
    else if (Ch == ')' || Ch == '}' || Ch == ']' || Ch == '>') --Depth;
    else if (Ch == ',' && Depth == 0) return true;
  }
  unsigned J = E;
  while (J < C.size() && (blank(C[J]) || C[J] == '\n')) ++J;
  return J < C.size() && C[J] == ',';
}

/// `A(const A &) = delete;` is never called, by design: deleting it would
/// make the class copyable. `= default` members likewise define what a class
/// can do (traits, aggregate-ness) beyond the calls the graph sees.
bool explicitlyDeletedOrDefaulted(const std::string &C, unsigned B, unsigned E) {
  static const std::regex Tail(R"(=\s*(delete|default)\s*$)");
  return std::regex_search(C.substr(B, E - B), Tail);
}

/// Whole lines, with the trailing ';' and the comment lines right above.
void widen(const std::string &C, unsigned &B, unsigned &E) {
  unsigned J = E;
  while (J < C.size() && blank(C[J])) ++J;
  if (J < C.size() && C[J] == ';')
    E = J + 1;
  unsigned LS = lineStart(C, B);
  if (!onlyBlanks(C, LS, B))
    return; // shares its first line with other code: delete the span only
  unsigned Code = LS;
  while (LS > 0) {
    unsigned Prev = lineStart(C, LS - 1);
    std::string T = trimmed(C, Prev, LS);
    if (T.rfind("//", 0) != 0)
      break;
    LS = Prev;
  }
  // A comment block that opens the file is the file's header, not this
  // definition's.
  if (LS == 0)
    LS = Code;
  unsigned EOL = nextLine(C, E);
  // A trailing `// comment` on the last line belongs to the definition.
  unsigned J2 = E;
  while (J2 < EOL && blank(C[J2])) ++J2;
  if (C.compare(J2, 2, "//") == 0)
    E = EOL;
  if (!onlyBlanks(C, E, EOL))
    return;
  B = LS;
  E = EOL;
  // Between two blank lines (or at the top): take one of them along.
  bool BlankAbove = B == 0 || blankLine(C, lineStart(C, B - 1));
  if (BlankAbove && blankLine(C, E))
    E = nextLine(C, E);
}

struct Span { unsigned B, E; };

/// Line Line (1-based) of C as a span, with its line break; nullopt past the end.
std::optional<Span> lineSpan(const std::string &C, unsigned Line) {
  unsigned B = 0;
  for (unsigned L = 1; L < Line && B < C.size(); ++L)
    B = nextLine(C, B);
  if (B >= C.size())
    return std::nullopt;
  return Span{B, nextLine(C, B)};
}

/// clang-format's cleanup removes an emptied namespace but leaves its line
/// breaks: no more blank lines in a row, at the top or at the end of the file
/// than the original had.
std::string tidyBlankLines(const std::string &Before, std::string After) {
  auto LongestRun = [](const std::string &S) {
    size_t Best = 0, Run = 0;
    for (size_t B = 0; B < S.size();) {
      size_t E = S.find('\n', B);
      bool Blank = S.find_first_not_of(" \t\r", B) >= (E == std::string::npos ? S.size() : E);
      Run = Blank && E != std::string::npos ? Run + 1 : 0;
      Best = std::max(Best, Run);
      if (E == std::string::npos)
        break;
      B = E + 1;
    }
    return Best;
  };
  size_t Allowed = std::max<size_t>(1, LongestRun(Before));
  std::string Out;
  size_t Run = 0;
  bool Top = true, OrigTopBlank = !Before.empty() && Before[0] == '\n';
  for (size_t B = 0; B < After.size();) {
    size_t E = After.find('\n', B);
    size_t End = E == std::string::npos ? After.size() : E + 1;
    std::string Line = After.substr(B, End - B);
    bool Blank = Line.find_first_not_of(" \t\r\n") == std::string::npos && E != std::string::npos;
    Run = Blank ? Run + 1 : 0;
    if (!(Blank && ((Top && !OrigTopBlank) || Run > Allowed)))
      Out += Line;
    if (!Blank)
      Top = false;
    B = End;
  }
  // Trailing blank lines the original did not end with.
  bool OrigEndsBlank = Before.size() >= 2 && Before.compare(Before.size() - 2, 2, "\n\n") == 0;
  while (!OrigEndsBlank && Out.size() >= 2 && Out.compare(Out.size() - 2, 2, "\n\n") == 0)
    Out.pop_back();
  return Out;
}

} // namespace

bool declaresNothing(const std::string &Code) {
  static const std::regex Comments(R"(//[^\n]*|/\*[\s\S]*?\*/)");
  static const std::regex Scaffold(R"((namespace[ \t\n]*[A-Za-z_:0-9]*[ \t\n]*\{)|(extern[ \t\n]*"C[+]*"[ \t\n]*\{))");
  std::string S = std::regex_replace(Code, Comments, " ");
  std::string Kept;
  for (size_t B = 0; B < S.size();) {
    size_t E = S.find('\n', B);
    if (E == std::string::npos) E = S.size();
    std::string Line = S.substr(B, E - B);
    // Directives that declare nothing; a #define with a value is content
    // (includers may use the macro), a bare one is an include guard.
    static const std::regex Directive(R"(^[ \t]*#[ \t]*(include|pragma|ifndef|ifdef|endif|if|else|elif)\b.*$)");
    static const std::regex Guard(R"(^[ \t]*#[ \t]*define[ \t]+[A-Za-z_0-9]+[ \t]*$)");
    if (!std::regex_match(Line, Directive) && !std::regex_match(Line, Guard))
      Kept += Line + "\n";
    B = E + 1;
  }
  Kept = std::regex_replace(Kept, Scaffold, " ");
  return Kept.find_first_not_of(" \t\r\n{};") == std::string::npos;
}

namespace {

/// The phases of buildChanges over one plan, sharing the texts read.
class ChangeBuilder {
public:
  ChangeBuilder(const std::string &Root, const Plan &P, const SourceReader &Read, std::vector<std::string> &Notes)
      : Root(Root), P(P), Read(Read), Notes(Notes) {}

  /// 1. Symbol deletions, as text ranges per file.
  void addSymbolSpans() {
    std::map<std::string, std::vector<const Deletion *>> ByFile;
    for (const Deletion &D : P.Deletions)
      ByFile[D.File].push_back(&D);
    for (auto &[File, Ds] : ByFile)
      if (load(File))
        for (const Deletion *D : Ds)
          addSymbolSpan(File, *D);
  }

  /// 2. Which files go whole: orphans, and dead files with nothing left.
  void chooseRemovedFiles() {
    Removed = P.OrphanFiles;
    for (const std::string &F : P.DeadFiles)
      if (load(F) && declaresNothing(remaining(F)))
        Removed.insert(F);
  }

  /// 3. #include lines that resolved to a removed file (never by name: a
  /// system <getopt.h> stays when the project's compat/getopt.h goes).
  void addIncludeSpans(const std::vector<IncludeSite> &Includes) {
    for (const IncludeSite &I : Includes) {
      if (!Removed.count(I.Target) || Removed.count(I.From) || !load(I.From))
        continue;
      if (std::optional<Span> S = lineSpan(Before[I.From], I.Line);
          S && Before[I.From].find("include", S->B) < S->E) // the analysed text is the text edited
        Spans[I.From].push_back(*S);
    }
  }

  /// 4. Replacements per file, cleaned up in the project's style, and the
  /// removed files; sorted by path.
  std::vector<FileChange> changes() {
    std::vector<FileChange> Changes;
    for (auto &[File, S] : Spans)
      if (!Removed.count(File) && !S.empty())
        if (std::optional<std::string> After = applySpans(File, S); After && *After != Before[File])
          Changes.push_back({File, Before[File], *After, false});
    for (const std::string &F : Removed)
      if (load(F))
        Changes.push_back({F, Before[F], "", true});
    std::sort(Changes.begin(), Changes.end(),
              [](const FileChange &X, const FileChange &Y) { return X.Path < Y.Path; });
    return Changes;
  }

private:
  bool load(const std::string &F) {
    if (Before.count(F))
      return true;
    auto Text = Read(F);
    if (!Text) {
      Notes.push_back(F + ": cannot be read; left as it is");
      return false;
    }
    Before[F] = *Text;
    return true;
  }

  void addSymbolSpan(const std::string &File, const Deletion &D) {
    const std::string &C = Before[File];
    auto Line = [&] { return std::to_string(1 + std::count(C.begin(), C.begin() + D.Begin, '\n')); };
    if (D.End > C.size() || D.Begin >= D.End) {
      Notes.push_back(File + ": kept " + D.What + ": its range is stale");
      return;
    }
    if (D.Variable && sharesDeclaration(C, D.Begin, D.End)) {
      Notes.push_back(File + ":" + Line() + ": kept " + D.What + ": declared together with other variables");
      return;
    }
    if (explicitlyDeletedOrDefaulted(C, D.Begin, D.End)) {
      Notes.push_back(File + ":" + Line() + ": kept " + D.What +
                      ": '= delete' / '= default' shape the class's interface");
      return;
    }
    unsigned B = D.Begin, E = D.End;
    widen(C, B, E);
    Spans[File].push_back({B, E});
  }

  /// F's text with its symbol spans taken out.
  std::string remaining(const std::string &F) {
    const std::string &C = Before[F];
    auto It = Spans.find(F);
    if (It == Spans.end())
      return C;
    std::vector<Span> S = It->second;
    std::sort(S.begin(), S.end(), [](Span X, Span Y) { return X.B > Y.B; });
    std::string R = C;
    unsigned Limit = unsigned(R.size());
    for (Span X : S) { // highest first; overlapping spans clipped
      unsigned E = std::min(X.E, Limit);
      if (X.B < E)
        R.erase(X.B, E - X.B);
      Limit = std::min(Limit, X.B);
    }
    return R;
  }

  static std::vector<Span> merged(std::vector<Span> S) {
    std::sort(S.begin(), S.end(), [](Span X, Span Y) { return X.B < Y.B; });
    std::vector<Span> M;
    for (Span X : S)
      if (!M.empty() && X.B <= M.back().E)
        M.back().E = std::max(M.back().E, X.E);
      else
        M.push_back(X);
    return M;
  }

  /// The file's new text, or nullopt (with a note) when the edits fail.
  std::optional<std::string> applySpans(const std::string &File, const std::vector<Span> &S) {
    const std::string &C = Before[File];
    std::vector<Span> Merged = merged(S);
    // Deleting up to the end of the file: no blank lines left dangling.
    if (Span &Last = Merged.back(); Last.E == C.size())
      while (Last.B > 0 && C[Last.B - 1] == '\n' && blankLine(C, lineStart(C, Last.B - 1)))
        Last.B = lineStart(C, Last.B - 1);
    std::string Abs = Root + "/" + File;
    clang::tooling::Replacements Rs;
    for (Span X : Merged)
      if (auto Err = Rs.add(clang::tooling::Replacement(Abs, X.B, X.E - X.B, "")))
        llvm::consumeError(std::move(Err)); // merged above: cannot conflict
    clang::format::FormatStyle Style = clang::format::getLLVMStyle();
    if (auto St = clang::format::getStyle("file", Abs, "LLVM", C))
      Style = *St;
    else
      llvm::consumeError(St.takeError());
    auto Cleaned = clang::format::cleanupAroundReplacements(C, Rs, Style);
    if (!Cleaned) {
      llvm::consumeError(Cleaned.takeError());
      Cleaned = Rs;
    }
    auto New = clang::tooling::applyAllReplacements(C, *Cleaned);
    if (!New) {
      Notes.push_back(File + ": edits could not be applied: " + llvm::toString(New.takeError()));
      return std::nullopt;
    }
    return tidyBlankLines(C, *New);
  }

  const std::string &Root;
  const Plan &P;
  const SourceReader &Read;
  std::vector<std::string> &Notes;
  std::map<std::string, std::string> Before;       // root-relative path -> text
  std::map<std::string, std::vector<Span>> Spans;  // what to delete, per file
  std::set<std::string> Removed;                   // files that go whole
};

} // namespace

std::vector<FileChange> buildChanges(const std::string &Root, const Plan &P,
                                     const SourceReader &Read,
                                     const std::vector<IncludeSite> &Includes,
                                     std::vector<std::string> &Notes) {
  ChangeBuilder B(Root, P, Read, Notes);
  B.addSymbolSpans();
  B.chooseRemovedFiles();
  B.addIncludeSpans(Includes);
  return B.changes();
}

} // namespace reach
