#include "extract/PreprocessorRecorder.h"

#include "clang/Basic/SourceManager.h"
#include "clang/Lex/Lexer.h"
#include "clang/Lex/MacroArgs.h"
#include "clang/Lex/MacroInfo.h"
#include "clang/Lex/PPCallbacks.h"
#include "clang/Lex/Preprocessor.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/Path.h"

#include <optional>

using namespace clang;

namespace reach {
namespace {

class Recorder : public PPCallbacks {
public:
  Recorder(Preprocessor &PP, std::string Root, TUSummary &Out)
      : PP(PP), SM(PP.getSourceManager()), Root(std::move(Root)), Out(Out) {}

  void InclusionDirective(SourceLocation HashLoc, const Token &, StringRef, bool, CharSourceRange,
                          OptionalFileEntryRef File, StringRef, StringRef, const Module *, bool,
                          SrcMgr::CharacteristicKind) override {
    std::optional<std::string> From = projectFile(SM.getFileID(HashLoc));
    if (!From)
      return;
    IncludeSite S{*From, SM.getSpellingLineNumber(HashLoc), ""};
    if (File)
      S.Target = relative(File->getName()).value_or("");
    Out.Includes.push_back(std::move(S));
  }

  /// Range runs from the directive that began skipping (`#ifdef _WIN32`,
  /// `#else`) to the end of the skipped text.
  void SourceRangeSkipped(SourceRange Range, SourceLocation) override {
    FileID FID = SM.getFileID(Range.getBegin());
    std::optional<std::string> File = projectFile(FID);
    if (!File)
      return;
    bool Invalid = false;
    StringRef Buffer = SM.getBufferData(FID, &Invalid);
    unsigned Begin = SM.getFileOffset(Range.getBegin()), End = SM.getFileOffset(Range.getEnd());
    if (Invalid || Begin >= End || End > Buffer.size())
      return;
    StringRef Text = Buffer.slice(Begin, End);
    std::string Why = Text.substr(0, Text.find('\n')).trim().str();
    // The lexer stops at the buffer's terminating NUL only: lex to the end
    // of the file and stop at the range's end.
    Lexer Raw(SM.getLocForStartOfFile(FID), PP.getLangOpts(), Buffer.begin(), Buffer.begin() + Begin,
              Buffer.end());
    Token Tok;
    unsigned SkipLine = SM.getSpellingLineNumber(Range.getBegin()); // the directive's own names
    for (Raw.LexFromRawLexer(Tok); Tok.isNot(tok::eof) && SM.getFileOffset(Tok.getLocation()) < End;
         Raw.LexFromRawLexer(Tok)) {
      unsigned Line = SM.getSpellingLineNumber(Tok.getLocation());
      if (Tok.is(tok::raw_identifier) && Line != SkipLine)
        add(Tok.getRawIdentifier(), *File, Line, Why);
      else if (Tok.is(tok::hash) && Tok.isAtStartOfLine())
        addInactiveInclude(Raw, *File, Line, Why);
    }
  }

  /// A function-like macro whose definition drops a parameter (assert under
  /// NDEBUG) never compiles that argument: its names are inactive uses.
  void MacroExpands(const Token &Name, const MacroDefinition &MD, SourceRange Range,
                    const MacroArgs *Args) override {
    const MacroInfo *MI = MD.getMacroInfo();
    if (!Args || !MI || !MI->isFunctionLike() || !Range.getBegin().isFileID())
      return;
    std::optional<std::string> File = projectFile(SM.getFileID(Range.getBegin()));
    if (!File)
      return;
    std::string Why = "an argument of " + Name.getIdentifierInfo()->getName().str() +
                      ", which this configuration's definition drops";
    for (unsigned I = 0; I < MI->getNumParams() && I < Args->getNumMacroArguments(); ++I) {
      if (usesParam(*MI, MI->params()[I]))
        continue;
      for (const Token *T = Args->getUnexpArgument(I); T->isNot(tok::eof); ++T)
        if (const IdentifierInfo *II = T->getIdentifierInfo(); II && T->getLocation().isFileID())
          add(II->getName(), *File, SM.getSpellingLineNumber(T->getLocation()), Why);
    }
  }

private:
  static bool usesParam(const MacroInfo &MI, const IdentifierInfo *Param) {
    for (const Token &T : MI.tokens())
      if (T.getIdentifierInfo() == Param)
        return true;
    return false;
  }

  /// `#include "win/compat.h"` in skipped text: that file is used by
  /// another configuration (recorded as the spelled name, "#include:...").
  void addInactiveInclude(Lexer &Raw, const std::string &File, unsigned Line, const std::string &Why) {
    Token Tok;
    if (Raw.LexFromRawLexer(Tok) || !Tok.is(tok::raw_identifier) || Tok.getRawIdentifier() != "include")
      return;
    Raw.LexFromRawLexer(Tok);
    StringRef Spelled(Tok.getLiteralData() ? Tok.getLiteralData() : "", Tok.getLength());
    if (Tok.is(tok::string_literal) && Spelled.size() > 2)
      add(("#include:" + Spelled.drop_front().drop_back()).str(), File, Line, Why);
  }

  void add(StringRef Name, const std::string &File, unsigned Line, const std::string &Why) {
    std::string Key = (Name + "\x1f" + File + "\x1f" + std::to_string(Line)).str();
    if (!Seen.insert(Key).second)
      return;
    InactiveUse U;
    U.Name = Name.str();
    U.Where.File = File;
    U.Where.Line = Line;
    U.Why = Why;
    Out.InactiveUses.push_back(std::move(U));
  }

  std::optional<std::string> relative(StringRef Name) const {
    llvm::SmallString<256> Path(Name);
    SM.getFileManager().makeAbsolutePath(Path);
    llvm::sys::path::remove_dots(Path, /*remove_dot_dot=*/true);
    StringRef P = Path;
    if (P.consume_front(Root) && P.consume_front("/"))
      return P.str();
    return std::nullopt;
  }

  std::optional<std::string> projectFile(FileID FID) {
    auto [It, New] = Files.try_emplace(FID);
    if (New)
      if (OptionalFileEntryRef FE = SM.getFileEntryRefForID(FID))
        It->second = relative(FE->getName());
    return It->second;
  }

  Preprocessor &PP;
  SourceManager &SM;
  std::string Root;
  TUSummary &Out;
  llvm::DenseMap<FileID, std::optional<std::string>> Files;
  llvm::StringSet<> Seen;
};

} // namespace

void recordPreprocessor(Preprocessor &PP, std::string Root, TUSummary &Out) {
  PP.addPPCallbacks(std::make_unique<Recorder>(PP, std::move(Root), Out));
}

} // namespace reach
