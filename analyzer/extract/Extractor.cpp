#include "extract/Extractor.h"
#include "extract/PreprocessorRecorder.h"

#include "clang/AST/ASTConsumer.h"
#include "clang/AST/ASTContext.h"
#include "clang/AST/Attr.h"
#include "clang/AST/DeclTemplate.h"
#include "clang/AST/RecursiveASTVisitor.h"
#include "clang/Frontend/CompilerInstance.h"
#include "clang/Index/USRGeneration.h"
#include "clang/Lex/Lexer.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Regex.h"

using namespace clang;

namespace reach {
namespace {

/// The USRs of one TU, each text stored once under a small id: the
/// definition being walked and an edge's ends are ids, so that deduplicating
/// an edge is an integer lookup (keys built from the texts were most of the
/// visitor's allocations and hashing).
class UsrTable {
public:
  using Id = unsigned;
  static constexpr Id None = 0; // the empty USR (no USR could be made)

  Id intern(llvm::StringRef Text) {
    if (Text.empty())
      return None;
    auto [It, New] = Ids.try_emplace(Text, Id(Texts.size()));
    if (New)
      Texts.push_back(It->first());
    return It->second;
  }
  llvm::StringRef text(Id I) const { return Texts[I]; }

private:
  llvm::StringMap<Id, llvm::BumpPtrAllocator> Ids;
  std::vector<llvm::StringRef> Texts{""}; // Texts[None] is ""
};
using UsrId = UsrTable::Id;

class Visitor : public RecursiveASTVisitor<Visitor> {
  using Base = RecursiveASTVisitor<Visitor>;

public:
  Visitor(ASTContext &Ctx, std::string Root, TUSummary &Out)
      : Ctx(Ctx), SM(Ctx.getSourceManager()), Root(std::move(Root)), Out(Out) {}

  // Instantiations are walked so that calls resolved only after substitution
  // are seen; their edges are attributed to the pattern (folding).
  bool shouldVisitTemplateInstantiations() const { return true; }
  // Implicit code carries implicit special members, default arguments and
  // default member initializers (CXXDefaultArgExpr / CXXDefaultInitExpr).
  bool shouldVisitImplicitCode() const { return true; }
  bool shouldWalkTypesOfTypeLocs() const { return false; }

  bool TraverseDecl(Decl *D);
  bool TraverseLambdaExpr(LambdaExpr *E);

  bool VisitCallExpr(CallExpr *E);
  bool VisitCXXConstructExpr(CXXConstructExpr *E);
  bool VisitCXXNewExpr(CXXNewExpr *E);
  bool VisitCXXDeleteExpr(CXXDeleteExpr *E);
  bool VisitInitListExpr(InitListExpr *E);
  bool VisitDeclRefExpr(DeclRefExpr *E);
  bool VisitMemberExpr(MemberExpr *E);
  bool VisitUnresolvedLookupExpr(UnresolvedLookupExpr *E);
  bool VisitUnresolvedMemberExpr(UnresolvedMemberExpr *E);
  bool VisitTypeLoc(TypeLoc TL);
  bool VisitUsingDecl(UsingDecl *D);
  bool VisitVarDecl(VarDecl *D);

  void finish();

private:
  // --- classification -----------------------------------------------------
  /// What the walk needs of one file of the TU, worked out on its first
  /// location: its root-relative path if it is a project file, and the
  /// interned name a Loc in it carries (that path, or the name the TU read
  /// it by).
  struct FileFacts {
    std::optional<std::string> Project;
    FileName Name;
  };
  const FileFacts &fileFacts(SourceLocation ExpansionLoc);
  /// Relative path for project files, nullopt otherwise.
  const std::optional<std::string> &projectFile(SourceLocation L);
  bool isProject(const Decl *D) {
    return D && projectFile(D->getLocation()).has_value();
  }
  const Decl *fold(const Decl *D);
  bool isInstance(const FunctionDecl *FD);
  bool isNodeCandidate(const Decl *D);
  UsrId usrId(const Decl *D);
  llvm::StringRef usr(const Decl *D) { return Usrs.text(usrId(D)); }
  Loc loc(SourceLocation L, bool WithOffset = false);

  // --- recording -----------------------------------------------------------
  void recordFunction(FunctionDecl *FD);
  void recordInstance(FunctionDecl *FD);
  void recordVariable(VarDecl *VD);
  void recordClass(CXXRecordDecl *RD);
  bool recordOverrides(const CXXMethodDecl *M);
  void fillRange(Node &N, const Decl *D);
  void rangeOf(const Decl *D, Loc &Begin, Loc &End, bool &InMacro);
  void readInlineKeep(Node &N, const Decl *D);
  std::string outermostMacro(SourceLocation L);
  SourceLocation beforeAttributes(const Decl *D, SourceLocation B);
  void recordRedeclaration(const Decl *D);
  void addEdge(const Decl *Target, EdgeKind K, SourceLocation Site);
  void addEdgeUsr(UsrId To, EdgeKind K, SourceLocation Site);
  void addRegistrations(const FunctionDecl *Callee, const CallExpr *E);
  void addTypeUse(const CXXRecordDecl *RD, SourceLocation Site);
  void addTypeUses(QualType T, SourceLocation Site);
  bool traverseNonProject(Decl *D);
  bool traverseWithContext(Decl *D, const Decl *Owner);
  bool traverseAtNamespaceScope(Decl *D);
  bool traverseInContext(Decl *D, UsrId Owner);
  bool traverseFunction(FunctionDecl *FD);
  bool traverseVariable(VarDecl *VD);
  bool traverseClass(CXXRecordDecl *RD);
  UsrId namespaceScope(SourceLocation L);
  void addExplicitInstantiation(const Decl *D, TemplateSpecializationKind K, SourceLocation Where);

  ASTContext &Ctx;
  SourceManager &SM;
  std::string Root;
  TUSummary &Out;

  llvm::DenseMap<FileID, FileFacts> Files;
  UsrTable Usrs;
  llvm::DenseMap<const Decl *, UsrId> UsrCache;
  llvm::DenseSet<const Decl *> Recorded, Walked;
  llvm::DenseSet<const Expr *> Consumed; // callee expressions of calls
  llvm::DenseSet<std::tuple<UsrId, UsrId, uint8_t>> EdgeKeys; // from, to, kind
  llvm::DenseSet<UsrId> ScopesRecorded; // namespace-scope nodes recorded
  std::vector<UsrId> Context;           // the definition being walked
};

const Visitor::FileFacts &Visitor::fileFacts(SourceLocation ExpansionLoc) {
  FileID FID = SM.getFileID(ExpansionLoc);
  auto [It, New] = Files.try_emplace(FID);
  if (!New)
    return It->second;
  FileFacts &F = It->second;
  auto FE = SM.getFileEntryRefForID(FID);
  if (FE && !SM.isInSystemHeader(ExpansionLoc)) {
    llvm::SmallString<256> Path(FE->getName());
    SM.getFileManager().makeAbsolutePath(Path);
    llvm::sys::path::remove_dots(Path, /*remove_dot_dot=*/true);
    llvm::StringRef P = Path;
    if (P.consume_front(Root) && P.consume_front("/"))
      F.Project = P.str();
  }
  if (F.Project)
    F.Name = *F.Project;
  else if (FE)
    F.Name = FE->getName();
  return F;
}

const std::optional<std::string> &Visitor::projectFile(SourceLocation L) {
  static const std::optional<std::string> None;
  return L.isInvalid() ? None : fileFacts(SM.getExpansionLoc(L)).Project;
}

Loc Visitor::loc(SourceLocation L, bool WithOffset) {
  Loc R;
  if (L.isInvalid())
    return R;
  L = SM.getExpansionLoc(L);
  R.File = fileFacts(L).Name;
  R.Line = SM.getExpansionLineNumber(L);
  R.Column = SM.getExpansionColumnNumber(L);
  if (WithOffset)
    R.Offset = SM.getFileOffset(L);
  return R;
}

/// Template instantiations of project templates fold into their pattern, so
/// that `f<int>` and `f<long>` are one node. Library instantiations are kept
/// apart: they are not reported, and keeping them distinct keeps paths exact.
const Decl *Visitor::fold(const Decl *D) {
  if (auto *FD = dyn_cast<FunctionDecl>(D)) {
    if (FunctionDecl *P = FD->getTemplateInstantiationPattern(); P && isProject(P))
      return P;
  } else if (auto *RD = dyn_cast<CXXRecordDecl>(D)) {
    if (const CXXRecordDecl *P = RD->getTemplateInstantiationPattern(); P && isProject(P))
      return P;
  } else if (auto *VD = dyn_cast<VarDecl>(D)) {
    if (VarDecl *P = VD->getTemplateInstantiationPattern(); P && isProject(P))
      return P;
  }
  return D;
}

/// An instantiation of a project function template, or of a non-virtual
/// member of a project class template, is a node of its own: the callees
/// that depend on its template arguments are its edges, so an instantiation
/// only a test makes does not make its callees live. It reaches its pattern,
/// the definition reported and deleted (recordInstance). Virtual members and
/// destructors stay folded into the pattern, which dispatch and destruction
/// reach; so do lambdas.
bool Visitor::isInstance(const FunctionDecl *FD) {
  const FunctionDecl *P = FD->getTemplateInstantiationPattern();
  if (!P || P == FD || !isProject(P))
    return false;
  if (auto *MD = dyn_cast<CXXMethodDecl>(FD))
    return !MD->isVirtual() && !isa<CXXDestructorDecl>(MD) && !MD->getParent()->isLambda();
  return true;
}

/// Only edges to possible nodes are worth keeping: project declarations and
/// library template instantiations (through which library code calls back).
bool Visitor::isNodeCandidate(const Decl *D) {
  if (isProject(D))
    return true;
  if (auto *FD = dyn_cast<FunctionDecl>(D))
    return FD->getTemplateInstantiationPattern() != nullptr ||
           (isa<CXXMethodDecl>(FD) && cast<CXXMethodDecl>(FD)->getParent()->isLambda());
  // A library class template specialization is a node too: constructing
  // `unique_ptr<FILE, Closer>` reaches its destructor (which calls the
  // deleter), and `new _State_impl<F>` its overrides of library virtuals
  // (std::thread runs F through one).
  if (auto *RD = dyn_cast<CXXRecordDecl>(D))
    return !RD->isLambda() && RD->getTemplateInstantiationPattern() != nullptr;
  // Static data members of specializations and variable template
  // specializations: their initializers can name the project's functions
  // (std::visit's table of `__visit_invoke` pointers).
  if (auto *VD = dyn_cast<VarDecl>(D))
    return VD->hasGlobalStorage() && VD->getTemplateInstantiationPattern() != nullptr;
  return false;
}

UsrId Visitor::usrId(const Decl *D) {
  auto [It, New] = UsrCache.try_emplace(D, UsrTable::None);
  if (New) {
    llvm::SmallString<128> Buf;
    if (!index::generateUSRForDecl(D, Buf))
      It->second = Usrs.intern(Buf);
  }
  return It->second;
}

void Visitor::addEdgeUsr(UsrId To, EdgeKind K, SourceLocation Site) {
  if (Context.empty() || To == UsrTable::None)
    return;
  const UsrId From = Context.back();
  if (From == To && K != EdgeKind::VirtualCall)
    return;
  if (!EdgeKeys.insert({From, To, uint8_t(K)}).second)
    return;
  Out.Edges.push_back(Edge{Usrs.text(From).str(), Usrs.text(To).str(), K, loc(Site)});
}

void Visitor::addEdge(const Decl *Target, EdgeKind K, SourceLocation Site) {
  if (!Target || Context.empty())
    return;
  auto *Function = dyn_cast<FunctionDecl>(Target);
  if (Function && isInstance(Function)) {
    addEdgeUsr(usrId(Target), K, Site);
    if (Function->isDefined()) // its node is recorded here; else the pattern is elsewhere
      return;
  }
  const Decl *Folded = fold(Target);
  // `j.get<float>()` where only the primary template is declared folds into
  // the pattern; another TU may define `template <> float J::get<float>()`
  // explicitly, a node under this specialization's own USR. Reach it too
  // (the edge links to nothing if no TU defines one).
  if (Folded != Target)
    if (auto *FD = dyn_cast<FunctionDecl>(Target);
        FD && FD->getTemplateSpecializationKind() == TSK_ImplicitInstantiation)
      addEdgeUsr(usrId(Target), K, Site);
  if (!isNodeCandidate(Folded))
    return;
  addEdgeUsr(usrId(Folded), K, Site);
}

/// External linkage and default visibility, as -fvisibility, visibility
/// attributes (on D or its class) and -fvisibility-inlines-hidden leave it:
/// the symbol a shared library built from this TU exports.
static bool exported(const NamedDecl *D) {
  LinkageInfo LV = D->getLinkageAndVisibility();
  return LV.getLinkage() == Linkage::External && LV.getVisibility() == DefaultVisibility;
}

/// The attribute that makes the toolchain keep or run D, if any.
static std::string toolchainRoot(const Decl *D) {
  if (D->hasAttr<ConstructorAttr>()) return "attribute constructor";
  if (D->hasAttr<DestructorAttr>()) return "attribute destructor";
  if (D->hasAttr<UsedAttr>()) return "attribute used";
  if (D->hasAttr<RetainAttr>()) return "attribute retain";
  if (D->hasAttr<AsmLabelAttr>()) return "asm label";
  return "";
}

/// "(int, const char *)", " const" after a const method's: what a user
/// writes after the name to pick one overload (`why 'f(int)'`).
static std::string signatureOf(const FunctionDecl *FD) {
  PrintingPolicy Policy(FD->getASTContext().getLangOpts());
  Policy.SuppressTagKeyword = true;
  std::string S = "(";
  for (unsigned I = 0; I < FD->getNumParams(); ++I)
    S += (I ? ", " : "") + FD->getParamDecl(I)->getType().getAsString(Policy);
  if (FD->isVariadic())
    S += FD->getNumParams() ? ", ..." : "...";
  S += ")";
  if (auto *MD = dyn_cast<CXXMethodDecl>(FD); MD && MD->isConst())
    S += " const";
  return S;
}

static NodeKind kindOf(const FunctionDecl *FD) {
  if (isa<CXXConstructorDecl>(FD)) return NodeKind::Constructor;
  if (isa<CXXDestructorDecl>(FD)) return NodeKind::Destructor;
  if (isa<CXXConversionDecl>(FD)) return NodeKind::Conversion;
  if (auto *MD = dyn_cast<CXXMethodDecl>(FD)) {
    if (MD->getParent()->isLambda()) return NodeKind::Lambda;
    if (MD->isOverloadedOperator()) return NodeKind::Operator;
    return NodeKind::Method;
  }
  if (FD->isOverloadedOperator()) return NodeKind::Operator;
  return NodeKind::Function;
}

static const Decl *outerDeclaration(const Decl *D);

/// The name of the outermost macro whose expansion holds L (the one
/// invoked in the file), or "".
std::string Visitor::outermostMacro(SourceLocation L) {
  if (!L.isMacroID())
    return "";
  while (true) {
    SourceLocation Up = SM.getImmediateMacroCallerLoc(L);
    if (!Up.isMacroID())
      break;
    L = Up;
  }
  return Lexer::getImmediateMacroName(L, SM, Ctx.getLangOpts()).str();
}

void Visitor::fillRange(Node &N, const Decl *D) {
  rangeOf(D, N.RangeBegin, N.RangeEnd, N.RangeInMacro);
  if (N.RangeInMacro) {
    const Decl *Outer = outerDeclaration(D);
    N.Macro = outermostMacro(Outer->getBeginLoc().isMacroID() ? Outer->getBeginLoc() : Outer->getEndLoc());
  }
  if (N.Project)
    readInlineKeep(N, D);
}

/// `// reach: keep(reason)` on the declaration's first line or the line
/// above it.
void Visitor::readInlineKeep(Node &N, const Decl *D) {
  SourceLocation B = SM.getExpansionLoc(outerDeclaration(D)->getBeginLoc());
  if (B.isInvalid())
    B = SM.getExpansionLoc(D->getLocation());
  llvm::StringRef Text = SM.getBufferData(SM.getFileID(B));
  size_t Off = SM.getFileOffset(B);
  size_t ThisLine = Text.take_front(Off).rfind('\n');
  ThisLine = ThisLine == llvm::StringRef::npos ? 0 : ThisLine + 1;
  size_t Above = ThisLine == 0 ? 0 : Text.take_front(ThisLine - 1).rfind('\n');
  Above = Above == llvm::StringRef::npos || ThisLine == 0 ? 0 : Above + 1;
  size_t End = std::min(Text.find('\n', Off), Text.size());
  static const llvm::Regex Keep("//[[:space:]]*reach:[[:space:]]*keep\\(([^)]*)\\)");
  llvm::SmallVector<llvm::StringRef, 2> M;
  if (Keep.match(Text.slice(Above, End), &M)) {
    N.InlineKeep = true;
    N.InlineKeepReason = M[1].trim().str();
  }
}

/// The declaration that holds D as written: its `template <...>` header, or
/// a linkage specification that holds only D (`extern "C" int f();`, or an
/// `extern "C" { ... }` block around D alone), or the friend declaration.
static const Decl *outerDeclaration(const Decl *D) {
  const Decl *Outer = D;
  if (auto *FD = dyn_cast<FunctionDecl>(D))
    if (auto *T = FD->getDescribedFunctionTemplate())
      Outer = T;
  if (auto *RD = dyn_cast<CXXRecordDecl>(D))
    if (auto *T = RD->getDescribedClassTemplate())
      Outer = T;
  if (auto *LS = dyn_cast<LinkageSpecDecl>(Outer->getLexicalDeclContext())) {
    auto Decls = LS->decls();
    if (!Decls.empty() && std::next(Decls.begin()) == Decls.end())
      Outer = LS;
  }
  return Outer;
}

/// The first attribute written in front of D (`[[nodiscard]]`,
/// `[[gnu::cold]]`, `alignas(64)`): C++11 attributes are not part of a
/// declaration's source range, and a bare `[[nodiscard]]` left behind would
/// attach to the next declaration. Returns B moved back over them and the
/// `[[` that opens each, or B unchanged.
SourceLocation Visitor::beforeAttributes(const Decl *D, SourceLocation B) {
  FileID File = SM.getFileID(B);
  for (const Attr *A : D->attrs()) {
    if (A->isImplicit() || A->isInherited())
      continue;
    SourceLocation L = SM.getExpansionLoc(A->getRange().getBegin());
    if (L.isValid() && SM.getFileID(L) == File && SM.isBeforeInTranslationUnit(L, B))
      B = L;
  }
  // Step back over whitespace and `[[` (one per attribute list).
  llvm::StringRef Text = SM.getBufferData(File);
  unsigned Off = SM.getFileOffset(B), At = Off;
  while (true) {
    unsigned P = At;
    while (P > 0 && isspace(static_cast<unsigned char>(Text[P - 1])))
      --P;
    if (P >= 2 && Text.substr(P - 2, 2) == "[[")
      At = P - 2;
    else
      break;
  }
  return B.getLocWithOffset(int(At) - int(Off));
}

/// The whole declaration: `template <...>`, attributes, a linkage
/// specification that holds only it, and the attached comment included.
/// InMacro: written (partly) by a macro, so its text is not the definition's
/// (a macro token that only starts it, as `bool` in C, does not count).
void Visitor::rangeOf(const Decl *D, Loc &Begin, Loc &End, bool &InMacro) {
  const Decl *Outer = outerDeclaration(D);
  // An abbreviated function template (`f(auto x)`) or a generic lambda has
  // an implicit template parameter list, with no location: the declaration
  // begins where the function does.
  SourceLocation OuterBegin = Outer->getBeginLoc();
  if (OuterBegin.isInvalid())
    OuterBegin = D->getBeginLoc();
  // A lambda is its whole expression, from the closure type's `[`.
  if (auto *MD = dyn_cast<CXXMethodDecl>(D); MD && MD->getParent()->isLambda())
    OuterBegin = MD->getParent()->getBeginLoc();
  // A leading object-like macro (C's `bool`, `GGML_API`) is one token of
  // the file before the declaration's own text: the range starts at it.
  // Anything else a macro wrote (the name, the end, a function-like
  // macro's arguments) makes the text not the definition's.
  const CharSourceRange Lead = SM.getExpansionRange(OuterBegin);
  const bool LeadingObjectMacro = OuterBegin.isMacroID() && Lead.isTokenRange() && Lead.getBegin() == Lead.getEnd();
  InMacro = (OuterBegin.isMacroID() && !LeadingObjectMacro) || D->getLocation().isMacroID() ||
            Outer->getEndLoc().isMacroID();
  SourceLocation B = SM.getExpansionLoc(OuterBegin);
  if (!InMacro)
    B = beforeAttributes(D, B);
  if (const RawComment *C = Ctx.getRawCommentForDeclNoCache(D)) {
    SourceLocation CB = SM.getExpansionLoc(C->getBeginLoc());
    if (SM.isBeforeInTranslationUnit(CB, B))
      B = CB;
  }
  // Written by a macro: the whole expansion, `DEFINE_OLD(name)` to its `)`.
  SourceLocation E = SM.getExpansionRange(Outer->getEndLoc()).getEnd();
  E = Lexer::getLocForEndOfToken(E, 0, SM, Ctx.getLangOpts());
  Begin = loc(B, true);
  End = loc(E, true);
}

/// `friend int f(const W &);` for the function f: a declaration of f that
/// goes with it (the FriendDecl's range holds the `friend`). Null for other
/// friends: class friends, hidden friends (definitions), templates.
static const FriendDecl *friendDeclarationOf(const Decl *D) {
  auto *FD = dyn_cast<FunctionDecl>(D);
  if (!FD || FD->getFriendObjectKind() == Decl::FOK_None || FD->doesThisDeclarationHaveABody())
    return nullptr;
  auto *RD = dyn_cast<CXXRecordDecl>(FD->getLexicalDeclContext());
  if (!RD || isa<ClassTemplateSpecializationDecl>(RD))
    return nullptr;
  for (const FriendDecl *F : RD->friends())
    if (F->getFriendDecl() == FD)
      return F;
  return nullptr;
}

/// Non-defining declarations in project files, for `fix`: members of
/// instantiations and friends of classes are not declarations one can
/// delete alone; a friend declaration of a function goes with it.
void Visitor::recordRedeclaration(const Decl *D) {
  if (const FriendDecl *F = friendDeclarationOf(D)) {
    Redeclaration R;
    R.Usr = usr(D);
    rangeOf(F, R.RangeBegin, R.RangeEnd, R.RangeInMacro);
    if (!R.Usr.empty())
      Out.Redeclarations.push_back(std::move(R));
    return;
  }
  if (D->isImplicit() || D->getFriendObjectKind() != Decl::FOK_None)
    return;
  if (auto *FD = dyn_cast<FunctionDecl>(D))
    if (FD->isTemplateInstantiation() || FD->getInstantiatedFromMemberFunction() ||
        FD->isLocalExternDecl())
      return;
  if (!isa<NamespaceDecl, TranslationUnitDecl, LinkageSpecDecl, CXXRecordDecl>(D->getDeclContext()))
    return;
  if (auto *RD = dyn_cast<CXXRecordDecl>(D->getDeclContext()))
    if (isa<ClassTemplateSpecializationDecl>(RD) || RD->isLambda())
      return;
  Redeclaration R;
  R.Usr = usr(D);
  if (R.Usr.empty())
    return;
  rangeOf(D, R.RangeBegin, R.RangeEnd, R.RangeInMacro);
  Out.Redeclarations.push_back(std::move(R));
}

void Visitor::recordFunction(FunctionDecl *FD) {
  if (!Recorded.insert(FD).second)
    return;
  Node N;
  N.Usr = usr(FD);
  N.Kind = kindOf(FD);
  N.Project = isProject(FD);
  // Defaulted on its first declaration (`T(T&&) = default;`): the compiler
  // writes the body, like an implicit member's, so the node exists for its
  // edges (member constructors, default member initializers) but is not
  // reported on its own: it goes with its class. Removing just the line
  // would change which special members the class has. Defaulted out of line
  // (`T::T() = default;` in a .cpp) is user-provided: reported as written.
  N.Implicit = FD->isImplicit() || (FD->isExplicitlyDefaulted() && !FD->isUserProvided());
  if (auto *MD = dyn_cast<CXXMethodDecl>(FD)) {
    N.VirtualMethod = MD->isVirtual();
    N.Parent = usr(fold(MD->getParent()));
    if (MD->getParent()->isLambda()) {
      // Closure types print as "(lambda at ...)": name the lambda by its
      // enclosing function and position instead.
      std::string Enclosing;
      if (auto *DC = dyn_cast_or_null<NamedDecl>(
              Decl::castFromDeclContext(MD->getParent()->getDeclContext())))
        Enclosing = DC->getQualifiedNameAsString() + "::";
      Loc L = loc(MD->getParent()->getLocation());
      N.Name = Enclosing + "(lambda at " + L.File + ":" + std::to_string(L.Line) + ")";
      N.Parent.clear();
    }
  }
  if (N.Name.empty())
    N.Name = FD->getQualifiedNameAsString();
  N.Signature = signatureOf(FD);
  N.Where = loc(FD->getLocation());
  fillRange(N, FD);
  N.Exported = exported(FD);
  N.ToolchainRoot = toolchainRoot(FD);
  for (const auto *A : FD->specific_attrs<AnnotateAttr>())
    N.Annotations.push_back(A->getAnnotation().str());
  Out.Nodes.push_back(std::move(N));
}

/// Every method M overrides, directly or down a chain. Recorded from the
/// class for each declared method, defined here or not: a middle class that
/// only re-declares the virtual (`f() override = 0`, or a declaration defined
/// in another TU) has no definition to record, and the chain must not break
/// there. The transitive pairs make each TU's record complete on its own.
/// True when one of them is a library's virtual.
bool Visitor::recordOverrides(const CXXMethodDecl *M) {
  llvm::SmallVector<const CXXMethodDecl *, 4> Work(M->overridden_methods());
  llvm::SmallPtrSet<const CXXMethodDecl *, 8> Seen;
  const llvm::StringRef Method = usr(fold(M));
  bool Library = false;
  while (!Work.empty()) {
    const CXXMethodDecl *O = Work.pop_back_val();
    if (!Seen.insert(O).second)
      continue;
    Out.Overrides.push_back({Method.str(), usr(fold(O)).str(), !isProject(O)});
    Library |= !isProject(O);
    Work.append(O->overridden_methods().begin(), O->overridden_methods().end());
  }
  return Library;
}

/// An instantiation's node: not reported (its pattern is), and reaching it
/// reaches the pattern.
void Visitor::recordInstance(FunctionDecl *FD) {
  size_t Before = Out.Nodes.size();
  recordFunction(FD);
  if (Out.Nodes.size() == Before)
    return;
  Out.Nodes.back().Implicit = true;
  Context.push_back(usrId(FD));
  addEdgeUsr(usrId(FD->getTemplateInstantiationPattern()), EdgeKind::Instance, FD->getLocation());
  Context.pop_back();
}

void Visitor::recordVariable(VarDecl *VD) {
  if (!Recorded.insert(VD).second)
    return;
  Node N;
  N.Usr = usr(VD);
  N.Name = VD->getQualifiedNameAsString();
  N.Kind = NodeKind::Variable;
  N.Project = isProject(VD);
  N.Where = loc(VD->getLocation());
  fillRange(N, VD);
  N.Exported = exported(VD);
  // Dynamic initialization (or destruction) is start-up code: a root.
  bool Dynamic = VD->getInit() && !VD->getType()->isDependentType() &&
                 !VD->getInit()->isValueDependent() && !VD->hasConstantInitialization();
  N.DynamicInit = Dynamic || VD->needsDestruction(Ctx) != QualType::DK_none;
  N.ToolchainRoot = toolchainRoot(VD);
  for (const auto *A : VD->specific_attrs<AnnotateAttr>())
    N.Annotations.push_back(A->getAnnotation().str());
  Out.Nodes.push_back(std::move(N));
}

void Visitor::recordClass(CXXRecordDecl *RD) {
  const Decl *F = fold(RD);
  if (!Recorded.insert(RD).second)
    return;
  const UsrId U = usrId(F);
  if (F == RD) {
    Node N;
    N.Usr = Usrs.text(U);
    N.Name = RD->getQualifiedNameAsString();
    N.Kind = NodeKind::Class;
    N.Project = isProject(RD);
    N.Where = loc(RD->getLocation());
    fillRange(N, RD);
    for (const auto *A : RD->specific_attrs<AnnotateAttr>())
      N.Annotations.push_back(A->getAnnotation().str());
    Out.Nodes.push_back(std::move(N));
  }
  ClassInfo CI{Usrs.text(U).str(), {}};
  std::vector<UsrId> Saved = std::move(Context);
  Context = {U};
  for (const CXXBaseSpecifier &B : RD->bases()) {
    if (const CXXRecordDecl *BD = B.getType()->getAsCXXRecordDecl()) {
      BD = BD->getDefinition();
      if (!BD) continue;
      CI.Bases.push_back(usr(fold(BD)).str());
      addEdge(BD, EdgeKind::Member, B.getBeginLoc()); // a base subobject is instantiated too
    }
  }
  // Structural edges: an instantiated class runs its destructor, and library
  // code may call its overrides of library virtuals.
  if (!RD->isDependentContext()) {
    if (const CXXDestructorDecl *Dtor = RD->getDestructor())
      addEdge(Dtor, EdgeKind::Member, RD->getLocation());
  }
  for (const CXXMethodDecl *M : RD->methods())
    if (recordOverrides(M)) // library code may call it, through any number of project bases
      addEdge(M, EdgeKind::Member, M->getLocation());
  Context = std::move(Saved);
  Out.Classes.push_back(std::move(CI));
}

/// Library code: only template instantiations can call back into the
/// project (through a template argument), so only those bodies are walked.
bool Visitor::traverseNonProject(Decl *D) {
  if (isa<TranslationUnitDecl, NamespaceDecl, LinkageSpecDecl, ExportDecl>(D))
    return Base::TraverseDecl(D);
  // Declarations inside a body being walked (`auto c = _M_hash_code(k);`,
  // `if (node_ptr n = _M_find_node(...))`, a local class) are part of that
  // body: their initializers are walked in its context. Skipping them lost
  // every call made in a local variable's initializer, e.g. libstdc++'s
  // hashtable calling the project's hash functor.
  if (!Context.empty() && D->getParentFunctionOrMethod())
    return Base::TraverseDecl(D);
  if (!Walked.insert(D).second)
    return true;
  if (auto *FTD = dyn_cast<FunctionTemplateDecl>(D)) {
    for (FunctionDecl *S : FTD->specializations())
      if (S->isTemplateInstantiation())
        TraverseDecl(S);
    return true;
  }
  if (auto *VTD = dyn_cast<VarTemplateDecl>(D)) {
    for (VarTemplateSpecializationDecl *S : VTD->specializations())
      if (clang::isTemplateInstantiation(S->getSpecializationKind()))
        TraverseDecl(S);
    return true;
  }
  // A hidden friend defined in a class template is instantiated with it.
  if (auto *Friend = dyn_cast<FriendDecl>(D)) {
    if (NamedDecl *ND = Friend->getFriendDecl())
      return TraverseDecl(ND);
    return true;
  }
  if (auto *VD = dyn_cast<VarDecl>(D)) {
    if (isNodeCandidate(VD) && VD->getInit() && !VD->getDeclContext()->isDependentContext() &&
        !VD->getType()->isDependentType()) {
      recordVariable(VD);
      return traverseWithContext(VD, VD);
    }
    return true;
  }
  if (auto *CTD = dyn_cast<ClassTemplateDecl>(D)) {
    for (ClassTemplateSpecializationDecl *S : CTD->specializations())
      if (S->getSpecializationKind() != TSK_ExplicitSpecialization && S->getSpecializationKind() != TSK_Undeclared)
        TraverseDecl(S);
    return true;
  }
  if (auto *RD = dyn_cast<CXXRecordDecl>(D)) {
    if (!RD->isCompleteDefinition() || RD->isDependentContext())
      return true;
    if (isNodeCandidate(RD))
      recordClass(RD);
    for (Decl *M : RD->decls())
      TraverseDecl(M);
    return true;
  }
  if (auto *FD = dyn_cast<FunctionDecl>(D)) {
    bool Callback = FD->getTemplateInstantiationPattern() ||
                    (isa<CXXMethodDecl>(FD) && cast<CXXMethodDecl>(FD)->getParent()->isLambda());
    if (Callback && FD->doesThisDeclarationHaveABody() && !FD->isDependentContext()) {
      recordFunction(FD);
      return traverseWithContext(FD, FD);
    }
  }
  return true;
}

bool Visitor::traverseWithContext(Decl *D, const Decl *Owner) { return traverseInContext(D, usrId(Owner)); }

/// Declarations at namespace scope that are not definitions of their own
/// but still name code that must exist for the file to compile: a
/// `static_assert(checked())`, `using Ptr = Handle *;`, a concept's
/// requirements, `using ns::f;`, an enumerator's initializer. What they name
/// is reached from the file's "namespace scope", a root whenever the file
/// is compiled (like a dynamic initializer; in a test file, a test root).
/// Conservative: an alias nobody uses still keeps its target.
bool Visitor::traverseAtNamespaceScope(Decl *D) { return traverseInContext(D, namespaceScope(D->getLocation())); }

/// The USR of the namespace-scope node of L's file, recorded on first use.
UsrId Visitor::namespaceScope(SourceLocation L) {
  const std::optional<std::string> &File = projectFile(L);
  const UsrId Scope = Usrs.intern("reach:namespace-scope:" + File.value_or(""));
  if (File && ScopesRecorded.insert(Scope).second) {
    Node N;
    N.Usr = Usrs.text(Scope);
    N.Name = "(namespace scope of " + *File + ")";
    N.Kind = NodeKind::Variable;
    N.Implicit = true; // not a definition: never reported, never deleted
    N.ToolchainRoot = "namespace scope";
    Out.Nodes.push_back(std::move(N));
  }
  return Scope;
}

/// `template int f<long>(long);` and `template struct Box<short>;` emit code
/// for other TUs to link against, whatever this program calls: roots of
/// their file's namespace scope. A class's explicit instantiation compiles
/// every member. `extern template` only names the template.
void Visitor::addExplicitInstantiation(const Decl *D, TemplateSpecializationKind K,
                                       SourceLocation Where) {
  if (K != TSK_ExplicitInstantiationDefinition && K != TSK_ExplicitInstantiationDeclaration)
    return;
  if (!projectFile(Where))
    return;
  Context.push_back(namespaceScope(Where));
  if (auto *RD = dyn_cast<CXXRecordDecl>(D)) {
    addTypeUse(RD, Where);
    if (K == TSK_ExplicitInstantiationDefinition) {
      addEdge(RD, EdgeKind::Construction, Where);
      for (const CXXMethodDecl *M : RD->methods())
        if (M->isDefined())
          addEdge(M, EdgeKind::Call, Where);
    }
  } else {
    addEdge(D, EdgeKind::AddressTaken, Where);
  }
  Context.pop_back();
}

bool Visitor::TraverseDecl(Decl *D) {
  if (!D)
    return true;
  if (isa<TranslationUnitDecl>(D))
    return Base::TraverseDecl(D);
  if (!isProject(D))
    return traverseNonProject(D);
  if (auto *FT = dyn_cast<FunctionTemplateDecl>(D); FT && isa<CXXDeductionGuideDecl>(FT->getTemplatedDecl()))
    return Context.empty() ? traverseAtNamespaceScope(D) : Base::TraverseDecl(D);
  if (Context.empty() && isa<StaticAssertDecl, TypedefNameDecl, TypeAliasTemplateDecl, ConceptDecl,
                             UsingDecl, EnumDecl, CXXDeductionGuideDecl>(D))
    return traverseAtNamespaceScope(D);
  // A template's parameter list (default arguments, SFINAE conditions, a
  // requires-clause) belongs to what it templates: it is compiled wherever
  // the template is used, though no instantiation contains it.
  if (auto *TD = dyn_cast<TemplateDecl>(D);
      TD && isa_and_nonnull<FunctionDecl, CXXRecordDecl, VarDecl>(TD->getTemplatedDecl()))
    return traverseInContext(D, usrId(fold(TD->getTemplatedDecl())));
  if (auto *FD = dyn_cast<FunctionDecl>(D))
    return traverseFunction(FD);
  if (auto *VD = dyn_cast<VarDecl>(D))
    return traverseVariable(VD);
  if (auto *RD = dyn_cast<CXXRecordDecl>(D))
    return traverseClass(RD);
  return Base::TraverseDecl(D);
}

/// Walks D with Owner (a USR) as the definition its references come from.
bool Visitor::traverseInContext(Decl *D, UsrId Owner) {
  Context.push_back(Owner);
  bool R = Base::TraverseDecl(D);
  Context.pop_back();
  return R;
}

bool Visitor::traverseFunction(FunctionDecl *FD) {
  // A deduction guide is no definition; it names the types it deduces.
  if (isa<CXXDeductionGuideDecl>(FD))
    return Base::TraverseDecl(FD);
  // `= delete`: no code to reach or to delete (nothing can call it), so
  // neither a node nor a declaration `fix` may remove.
  if (FD->isDeleted())
    return true;
  addExplicitInstantiation(FD, FD->getTemplateSpecializationKind(), FD->getPointOfInstantiation());
  if (FD->isThisDeclarationADefinition()) {
    if (isInstance(FD)) {
      recordInstance(FD);
      return traverseWithContext(FD, FD);
    }
    const Decl *Owner = fold(FD);
    if (Owner == FD)
      recordFunction(FD);
    return traverseWithContext(FD, Owner);
  }
  // A declaration: its default arguments are walked from call sites. A
  // member declared in a class names its signature's types (a pure virtual
  // has no definition to name them from).
  recordRedeclaration(FD);
  if (!Context.empty())
    addTypeUses(FD->getType(), FD->getLocation());
  return true;
}

bool Visitor::traverseVariable(VarDecl *VD) {
  bool Global = VD->hasGlobalStorage() && !VD->isStaticLocal() && !isa<ParmVarDecl>(VD);
  if (Global && VD->isThisDeclarationADefinition() == VarDecl::Definition) {
    const Decl *Owner = fold(VD);
    if (Owner == VD)
      recordVariable(VD);
    return traverseWithContext(VD, Owner);
  }
  if (Global && VD->isThisDeclarationADefinition() == VarDecl::DeclarationOnly)
    recordRedeclaration(VD);
  return Base::TraverseDecl(VD);
}

bool Visitor::traverseClass(CXXRecordDecl *RD) {
  if (auto *S = dyn_cast<ClassTemplateSpecializationDecl>(RD))
    addExplicitInstantiation(S, S->getSpecializationKind(), S->getTemplateKeywordLoc());
  if (RD->isCompleteDefinition() && !RD->isLambda() && !RD->isImplicit() && !RD->isInjectedClassName())
    recordClass(RD);
  // `class Old;`: a forward declaration fix removes with a dead class.
  if (!RD->isThisDeclarationADefinition() && RD->isFreeStanding() && !RD->isImplicit() &&
      !RD->isInjectedClassName() && !isa<ClassTemplateSpecializationDecl>(RD))
    recordRedeclaration(RD);
  // In-class member initializers belong to the class: an instantiated class
  // reaches them (constructors also reach them via CXXDefaultInitExpr).
  if (!RD->isLambda() && RD->isCompleteDefinition())
    return traverseInContext(RD, usrId(fold(RD)));
  return Base::TraverseDecl(RD);
}

bool Visitor::TraverseLambdaExpr(LambdaExpr *E) {
  if (CXXMethodDecl *Op = E->getCallOperator())
    addEdge(Op, EdgeKind::Construction, E->getBeginLoc());
  return Base::TraverseLambdaExpr(E);
}

static const Expr *calleeExpr(const CallExpr *E) {
  return E->getCallee()->IgnoreParenImpCasts();
}

bool Visitor::VisitCallExpr(CallExpr *E) {
  const Expr *Callee = calleeExpr(E);
  Consumed.insert(Callee);
  FunctionDecl *FD = E->getDirectCallee();
  if (!FD)
    return true;
  EdgeKind K = isa<CXXOperatorCallExpr>(E) ? EdgeKind::Implicit : EdgeKind::Call;
  if (auto *MD = dyn_cast<CXXMethodDecl>(FD)) {
    if (isa<CXXConversionDecl>(MD))
      K = EdgeKind::Implicit;
    bool Qualified = false;
    if (auto *ME = dyn_cast<MemberExpr>(Callee))
      Qualified = ME->hasQualifier();
    if (MD->isVirtual() && !Qualified && !MD->hasAttr<FinalAttr>() &&
        !MD->getParent()->hasAttr<FinalAttr>())
      K = EdgeKind::VirtualCall;
  }
  addEdge(FD, K, E->getBeginLoc());
  addRegistrations(FD, E);
  return true;
}

/// Functions whose address (or a lambda) is passed as an argument, so that
/// `registered-by` rules can make them roots.
void Visitor::addRegistrations(const FunctionDecl *Callee, const CallExpr *E) {
  if (!isProject(Callee) && !isProject(fold(Callee)))
    return; // only project registration functions can be named by rules
  std::string Name = cast<FunctionDecl>(fold(Callee))->getQualifiedNameAsString();
  std::function<void(const Stmt *, int)> Find = [&](const Stmt *S, int Depth) {
    if (!S || Depth > 6)
      return;
    if (auto *DRE = dyn_cast<DeclRefExpr>(S)) {
      if (auto *F = dyn_cast<FunctionDecl>(DRE->getDecl()))
        Out.Registrations.push_back({Name, usr(fold(F)).str(), loc(E->getBeginLoc())});
      return;
    }
    if (auto *L = dyn_cast<LambdaExpr>(S)) {
      Out.Registrations.push_back({Name, usr(fold(L->getCallOperator())).str(), loc(E->getBeginLoc())});
      return;
    }
    for (const Stmt *C : S->children())
      Find(C, Depth + 1);
  };
  for (const Expr *A : E->arguments())
    Find(A, 0);
}

bool Visitor::VisitCXXConstructExpr(CXXConstructExpr *E) {
  CXXConstructorDecl *Ctor = E->getConstructor();
  addEdge(Ctor, EdgeKind::Construction, E->getBeginLoc());
  if (Ctor)
    addEdge(Ctor->getParent(), EdgeKind::Construction, E->getBeginLoc());
  return true;
}

bool Visitor::VisitCXXNewExpr(CXXNewExpr *E) {
  if (const CXXRecordDecl *RD = E->getAllocatedType()->getAsCXXRecordDecl())
    addEdge(RD, EdgeKind::Construction, E->getBeginLoc());
  addEdge(E->getOperatorNew(), EdgeKind::Implicit, E->getBeginLoc());
  return true;
}

bool Visitor::VisitCXXDeleteExpr(CXXDeleteExpr *E) {
  QualType T = E->getDestroyedType();
  if (const CXXRecordDecl *RD = T.isNull() ? nullptr : T->getAsCXXRecordDecl())
    if (RD->hasDefinition())
      if (const CXXDestructorDecl *D = RD->getDestructor())
        addEdge(D, D->isVirtual() ? EdgeKind::VirtualCall : EdgeKind::Delete, E->getBeginLoc());
  addEdge(E->getOperatorDelete(), EdgeKind::Implicit, E->getBeginLoc());
  return true;
}

bool Visitor::VisitInitListExpr(InitListExpr *E) {
  // Aggregate initialization constructs without a constructor call.
  if (const CXXRecordDecl *RD = E->getType()->getAsCXXRecordDecl())
    addEdge(RD, EdgeKind::Construction, E->getBeginLoc());
  return true;
}

bool Visitor::VisitDeclRefExpr(DeclRefExpr *E) {
  if (Consumed.contains(E))
    return true;
  ValueDecl *D = E->getDecl();
  if (auto *FD = dyn_cast<FunctionDecl>(D)) {
    // The address escapes (table, callback, library): the function is
    // reachable wherever this reference is. A member pointer to a virtual
    // is a dispatched call.
    auto *MD = dyn_cast<CXXMethodDecl>(FD);
    addEdge(FD, MD && MD->isVirtual() ? EdgeKind::VirtualCall : EdgeKind::AddressTaken,
            E->getBeginLoc());
  } else if (auto *VD = dyn_cast<VarDecl>(D)) {
    if (VD->hasGlobalStorage() && !VD->isStaticLocal())
      addEdge(VD->getDefinition() ? VD->getDefinition() : VD, EdgeKind::InitializerUse,
              E->getBeginLoc());
  }
  return true;
}

bool Visitor::VisitMemberExpr(MemberExpr *E) {
  if (Consumed.contains(E))
    return true;
  if (auto *MD = dyn_cast<CXXMethodDecl>(E->getMemberDecl()))
    addEdge(MD, MD->isVirtual() ? EdgeKind::VirtualCall : EdgeKind::AddressTaken, E->getBeginLoc());
  else if (auto *VD = dyn_cast<VarDecl>(E->getMemberDecl()))
    addEdge(VD->getDefinition() ? VD->getDefinition() : VD, EdgeKind::InitializerUse,
            E->getBeginLoc());
  else if (auto *FD = dyn_cast<FieldDecl>(E->getMemberDecl())) {
    // Reading a field means an object of its class exists, even one never
    // constructed in code: a block struct read through reinterpret_cast of
    // mapped bytes (`reinterpret_cast<const BlockQ4_0*>(p)->d`).
    if (auto *RD = dyn_cast<CXXRecordDecl>(FD->getParent()); RD && isProject(fold(RD)))
      addEdge(RD, EdgeKind::Member, E->getMemberLoc());
  }
  return true;
}

// In a template pattern a call to a dependent name is unresolved: every
// candidate is a possible callee.
bool Visitor::VisitUnresolvedLookupExpr(UnresolvedLookupExpr *E) {
  for (const NamedDecl *D : E->decls()) {
    D = D->getUnderlyingDecl();
    if (auto *T = dyn_cast<FunctionTemplateDecl>(D))
      D = T->getTemplatedDecl();
    if (isa<FunctionDecl>(D))
      addEdge(D, EdgeKind::Call, E->getBeginLoc());
    // `is_always_false_v<T>` in a template: a use of the variable template
    // even where no instantiation ever happens (a discarded `if constexpr`
    // branch's static_assert still needs the name).
    if (auto *VT = dyn_cast<VarTemplateDecl>(D))
      addEdge(VT->getTemplatedDecl(), EdgeKind::InitializerUse, E->getBeginLoc());
  }
  return true;
}

bool Visitor::VisitUnresolvedMemberExpr(UnresolvedMemberExpr *E) {
  for (const NamedDecl *D : E->decls()) {
    D = D->getUnderlyingDecl();
    if (auto *T = dyn_cast<FunctionTemplateDecl>(D))
      D = T->getTemplatedDecl();
    if (auto *MD = dyn_cast<CXXMethodDecl>(D))
      addEdge(MD, MD->isVirtual() ? EdgeKind::VirtualCall : EdgeKind::Call, E->getBeginLoc());
  }
  return true;
}

// A class named as a type must still exist for the code naming it to
// compile, even when no object of it is ever made: an opaque handle behind a
// pointer, a typedef's target, a template argument (default ones included),
// the `Traits` of `Traits::value_type`, a field's or a base's type. Such a
// name is a type-use edge: it keeps the class, and does not instantiate it.
bool Visitor::VisitTypeLoc(TypeLoc TL) {
  if (Context.empty())
    return true;
  // `Traits::value_type` written without its qualifier (inside a derived
  // class) still names Traits, the typedef's owner.
  if (auto TD = TL.getAs<TypedefTypeLoc>())
    if (auto *RD = dyn_cast<CXXRecordDecl>(TD.getTypedefNameDecl()->getDeclContext()))
      addTypeUse(RD, TL.getBeginLoc());
  addTypeUses(TL.getType(), TL.getBeginLoc());
  // `Box b(1);` names the class its deduction guide picks.
  if (const DeducedType *DT = TL.getType()->getContainedDeducedType())
    addTypeUses(DT->getDeducedType(), TL.getBeginLoc());
  return true;
}

/// Every class the canonical type is made of: through pointers, references,
/// arrays, function types, member pointers and template arguments.
void Visitor::addTypeUses(QualType T, SourceLocation Site) {
  if (T.isNull())
    return;
  llvm::SmallVector<const Type *, 8> Work{T.getCanonicalType().getTypePtr()};
  auto Push = [&](QualType Q) {
    if (!Q.isNull())
      Work.push_back(Q.getCanonicalType().getTypePtr());
  };
  auto PushArgs = [&](llvm::ArrayRef<TemplateArgument> Args) {
    for (const TemplateArgument &A : Args) {
      if (A.getKind() == TemplateArgument::Type)
        Push(A.getAsType());
      else if (A.getKind() == TemplateArgument::Pack)
        for (const TemplateArgument &P : A.pack_elements())
          if (P.getKind() == TemplateArgument::Type)
            Push(P.getAsType());
    }
  };
  for (unsigned Steps = 0; !Work.empty() && Steps < 256; ++Steps) {
    const Type *Cur = Work.pop_back_val();
    if (!Cur)
      continue;
    if (auto *P = dyn_cast<PointerType>(Cur))
      Push(P->getPointeeType());
    else if (auto *R = dyn_cast<ReferenceType>(Cur))
      Push(R->getPointeeType());
    else if (auto *M = dyn_cast<MemberPointerType>(Cur)) {
      Push(M->getPointeeType());
      Push(QualType(M->getClass(), 0));
    } else if (auto *A = dyn_cast<ArrayType>(Cur))
      Push(A->getElementType());
    else if (auto *F = dyn_cast<FunctionProtoType>(Cur)) {
      Push(F->getReturnType());
      for (QualType P : F->param_types())
        Push(P);
    } else if (auto *RT = dyn_cast<RecordType>(Cur)) {
      auto *RD = dyn_cast<CXXRecordDecl>(RT->getDecl());
      if (!RD || RD->isLambda())
        continue;
      addTypeUse(RD, Site);
      if (auto *S = dyn_cast<ClassTemplateSpecializationDecl>(RD))
        PushArgs(S->getTemplateArgs().asArray());
    } else if (auto *I = dyn_cast<InjectedClassNameType>(Cur))
      addTypeUse(I->getDecl(), Site);
    else if (auto *TS = dyn_cast<TemplateSpecializationType>(Cur)) {
      // Dependent `Box<T>` in a template pattern.
      if (auto *CT = dyn_cast_or_null<ClassTemplateDecl>(TS->getTemplateName().getAsTemplateDecl()))
        addTypeUse(CT->getTemplatedDecl(), Site);
      PushArgs(TS->template_arguments());
    }
  }
}

/// `__attribute__((cleanup(release))) T x;` calls release when x goes out
/// of scope.
bool Visitor::VisitVarDecl(VarDecl *D) {
  if (const auto *A = D->getAttr<CleanupAttr>())
    addEdge(A->getFunctionDecl(), EdgeKind::Call, A->getLocation());
  return true;
}

/// `using ns::f;` names every f it brings in, and `using Base::Base;` the
/// base's constructors: deleting one breaks the using-declaration.
bool Visitor::VisitUsingDecl(UsingDecl *D) {
  for (const UsingShadowDecl *S : D->shadows()) {
    const NamedDecl *T = S->getTargetDecl();
    if (auto *FT = dyn_cast<FunctionTemplateDecl>(T))
      T = FT->getTemplatedDecl();
    if (isa<FunctionDecl>(T))
      addEdge(T, EdgeKind::AddressTaken, D->getLocation());
    else if (auto *RD = dyn_cast<CXXRecordDecl>(T))
      addTypeUse(RD, D->getLocation());
  }
  return true;
}

void Visitor::addTypeUse(const CXXRecordDecl *RD, SourceLocation Site) {
  if (const CXXRecordDecl *Def = RD->getDefinition())
    RD = Def;
  if (isProject(fold(RD)))
    addEdge(RD, EdgeKind::TypeUse, Site);
}

void Visitor::finish() {
  for (auto It = SM.fileinfo_begin(), End = SM.fileinfo_end(); It != End; ++It) {
    llvm::SmallString<256> Path(It->first.getName());
    SM.getFileManager().makeAbsolutePath(Path);
    // The index hashes the file opened: its real path, as `..` after a
    // symbolic link (GCC's include folders) leads elsewhere than the text.
    llvm::StringRef Real = It->first.getFileEntry().tryGetRealPathName();
    Out.Inputs.push_back(Real.empty() ? Path.str().str() : Real.str());
    llvm::sys::path::remove_dots(Path, true);
    llvm::StringRef P = Path;
    if (P.consume_front(Root) && P.consume_front("/"))
      Out.FilesSeen.push_back(P.str());
  }
}

class Consumer : public ASTConsumer {
public:
  Consumer(std::string Root, TUSummary &Out) : Root(std::move(Root)), Out(Out) {}
  void HandleTranslationUnit(ASTContext &Ctx) override {
    Visitor V(Ctx, Root, Out);
    V.TraverseDecl(Ctx.getTranslationUnitDecl());
    V.finish();
  }

private:
  std::string Root;
  TUSummary &Out;
};

} // namespace

std::unique_ptr<ASTConsumer> makeExtractor(CompilerInstance &CI, std::string Root,
                                           TUSummary &Out) {
  recordPreprocessor(CI.getPreprocessor(), Root, Out);
  return std::make_unique<Consumer>(std::move(Root), Out);
}

const char *toString(NodeKind K) {
  switch (K) {
  case NodeKind::Function: return "function";
  case NodeKind::Method: return "method";
  case NodeKind::Constructor: return "constructor";
  case NodeKind::Destructor: return "destructor";
  case NodeKind::Operator: return "operator";
  case NodeKind::Conversion: return "conversion";
  case NodeKind::Lambda: return "lambda";
  case NodeKind::Variable: return "variable";
  case NodeKind::Class: return "class";
  }
  return "?";
}

const char *toString(EdgeKind K) {
  switch (K) {
  case EdgeKind::Call: return "call";
  case EdgeKind::AddressTaken: return "address-taken";
  case EdgeKind::Construction: return "construction";
  case EdgeKind::Implicit: return "implicit";
  case EdgeKind::Delete: return "delete";
  case EdgeKind::VirtualCall: return "virtual-call";
  case EdgeKind::InitializerUse: return "initializer-use";
  case EdgeKind::RegisteredBy: return "registered-by";
  case EdgeKind::Member: return "member";
  case EdgeKind::TypeUse: return "type-use";
  case EdgeKind::Instance: return "instance-of";
  }
  return "?";
}

} // namespace reach
