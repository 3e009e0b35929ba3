#include "extract/ErrorSorter.h"

#include "clang/AST/Decl.h"
#include "clang/AST/DeclarationName.h"
#include "clang/AST/Type.h"
#include "clang/Basic/SourceManager.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

using namespace clang;

namespace reach {
namespace {

/// "file:line:col: error: message", as clang prints it without carets.
std::string formatError(DiagnosticsEngine::Level Level, const Diagnostic &Info) {
  llvm::SmallString<256> Msg;
  Info.FormatDiagnostic(Msg);
  std::string Out;
  llvm::raw_string_ostream OS(Out);
  if (Info.hasSourceManager() && Info.getLocation().isValid()) {
    PresumedLoc P = Info.getSourceManager().getPresumedLoc(Info.getLocation());
    if (P.isValid())
      OS << P.getFilename() << ":" << P.getLine() << ":" << P.getColumn() << ": ";
  }
  OS << (Level == DiagnosticsEngine::Fatal ? "fatal error: " : "error: ") << Msg;
  return Out;
}

/// The names and strings a diagnostic quotes: 'helper' in "use of
/// undeclared identifier 'helper'", 'm' and 'S' in "no member named 'm' in
/// 'S'", "x.h" in "'x.h' file not found", 'Alias' and 'S' in "('Alias'
/// (aka 'S') and ...)". Fix blames deletions by them.
std::vector<std::string> quotedNames(const Diagnostic &Info) {
  std::vector<std::string> Names;
  for (unsigned I = 0; I < Info.getNumArgs(); ++I) {
    switch (Info.getArgKind(I)) {
    case DiagnosticsEngine::ak_identifierinfo:
      if (const IdentifierInfo *II = Info.getArgIdentifier(I))
        Names.push_back(II->getName().str());
      break;
    case DiagnosticsEngine::ak_std_string:
      Names.push_back(Info.getArgStdStr(I));
      break;
    case DiagnosticsEngine::ak_c_string:
      if (const char *S = Info.getArgCStr(I))
        Names.push_back(S);
      break;
    case DiagnosticsEngine::ak_declarationname:
      Names.push_back(DeclarationName::getFromOpaqueInteger(Info.getRawArg(I)).getAsString());
      break;
    case DiagnosticsEngine::ak_nameddecl:
      if (const auto *D = reinterpret_cast<const NamedDecl *>(Info.getRawArg(I)))
        Names.push_back(D->getQualifiedNameAsString());
      break;
    case DiagnosticsEngine::ak_qualtype: {
      // As written ('element_type') and, as the message's "aka" says it,
      // what it is ('jinja::value_t'): a deleted member is its class's.
      const QualType T = QualType::getFromOpaquePtr(reinterpret_cast<void *>(Info.getRawArg(I)));
      Names.push_back(T.getAsString());
      if (std::string Canonical = T.getCanonicalType().getAsString(); Canonical != Names.back())
        Names.push_back(Canonical);
      break;
    }
    default: // numbers, source ranges, fix-its: nothing a deletion is called
      break;
    }
  }
  return Names;
}

} // namespace

void ErrorSorter::HandleDiagnostic(DiagnosticsEngine::Level Level, const Diagnostic &Info) {
  DiagnosticConsumer::HandleDiagnostic(Level, Info);
  if (Level < DiagnosticsEngine::Error)
    return;
  bool Foreign = Level != DiagnosticsEngine::Fatal && outsideRoot(Info);
  (Foreign ? ForeignErrors : ProjectErrors)++;
  if (Foreign) {
    if (FirstForeign.empty())
      FirstForeign = formatError(Level, Info);
    return;
  }
  if (Project.size() >= MaxKept)
    return;
  Project.push_back({formatError(Level, Info), quotedNames(Info)});
  if (FirstProject.empty())
    FirstProject = Project.back().Message;
}

bool ErrorSorter::outsideRoot(const Diagnostic &Info) const {
  if (!Info.hasSourceManager() || Info.getLocation().isInvalid())
    return false;
  const SourceManager &SM = Info.getSourceManager();
  SourceLocation L = SM.getExpansionLoc(Info.getLocation());
  OptionalFileEntryRef FE = SM.getFileEntryRefForID(SM.getFileID(L));
  if (!FE)
    return false;
  llvm::SmallString<256> Path(FE->getName());
  llvm::sys::fs::make_absolute(Path);
  llvm::sys::path::remove_dots(Path, /*remove_dot_dot=*/true);
  return !llvm::StringRef(Path).starts_with(Root + "/");
}

} // namespace reach
