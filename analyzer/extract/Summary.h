// Plain data describing one translation unit: what it defines, what each
// definition references, and which classes it instantiates. Summaries are
// produced per TU (no AST outlives its TU) and linked by USR in graph/.
#pragma once

#include "extract/FileName.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

namespace reach {

enum class NodeKind : uint8_t {
  Function, Method, Constructor, Destructor, Operator, Conversion, Lambda,
  Variable, Class,
};
const char *toString(NodeKind K);

enum class EdgeKind : uint8_t {
  Call,          // direct call of a known function
  AddressTaken,  // &f, a function decaying to a pointer, a member pointer
  Construction,  // T{}, new T, temporaries: instantiates T
  Implicit,      // overloaded operators, conversions, implicit special members
  Delete,        // delete p: the destructor
  VirtualCall,   // dispatched call; resolved by RTA in graph/
  InitializerUse,// use of a global variable (reaches what its initializer references)
  RegisteredBy,  // address passed to a registered-by function (rules)
  Member,        // structural: class -> destructor, base class, library overrides
  TypeUse,       // names a class as a type (pointer, typedef, template argument,
                 // nested name, field or base type): the class must exist, but
                 // no object is made, so RTA does not dispatch into it
  Instance,      // a template instantiation reaches its pattern, the code it was made from
};
const char *toString(EdgeKind K);

/// A position in a file; File is relative to the root for project files.
struct Loc {
  FileName File;
  unsigned Line = 0, Column = 0;
  unsigned Offset = 0;  // byte offset, for the later `fix` command
  friend bool operator==(const Loc &, const Loc &) = default;
};

/// A definition. Nodes outside the project (library template
/// instantiations) are kept so that paths through them are not lost, but are
/// never reported.
struct Node {
  std::string Usr;
  std::string Name;     // qualified name as Clang prints it
  /// Functions: the parameter types, "(int, const char *)" (and " const"
  /// for a const method), by which a user picks one overload.
  std::string Signature;
  NodeKind Kind = NodeKind::Function;
  Loc Where;            // the name's location
  Loc RangeBegin, RangeEnd; // whole definition including attached comment
  bool RangeInMacro = false; // begins or ends inside a macro expansion: `fix` must not edit it as text
  std::string Macro;         // then: the outermost macro expanded, whose invocation is the range
  bool Project = true;  // defined in a file under the root
  bool Implicit = false;// compiler-generated (implicit special members)
  bool DynamicInit = false; // global variable with dynamic init/destruction
  bool VirtualMethod = false;
  /// External linkage and default visibility (after -fvisibility and
  /// visibility attributes): what a shared library would export.
  bool Exported = false;
  /// Kept by the toolchain whatever calls it: `__attribute__((used))`,
  /// `[[gnu::used]]`, `retain`, `constructor`/`destructor` (run at load and
  /// exit), an `asm("label")` (named from assembly). Empty otherwise.
  std::string ToolchainRoot;
  /// A `// reach: keep(reason)` comment on the definition's first line or
  /// the line above: an entry point, like a `keep:` rule. A keep without a
  /// reason is an input error (the reason is what the report lists).
  bool InlineKeep = false;
  std::string InlineKeepReason;
  std::string Parent;   // USR of the enclosing class for methods, if any
  std::vector<std::string> Annotations;
  friend bool operator==(const Node &, const Node &) = default;
};

/// One definition seen by several TUs (inline, header): the facts each TU
/// may know apart are merged into the copy kept.
inline void mergeDefinitionFacts(Node &Kept, const Node &Other) {
  Kept.DynamicInit |= Other.DynamicInit;
  Kept.Exported |= Other.Exported;
  Kept.InlineKeep |= Other.InlineKeep;
  if (Kept.InlineKeepReason.empty())
    Kept.InlineKeepReason = Other.InlineKeepReason;
  if (Kept.ToolchainRoot.empty())
    Kept.ToolchainRoot = Other.ToolchainRoot;
  for (const std::string &A : Other.Annotations)
    if (std::find(Kept.Annotations.begin(), Kept.Annotations.end(), A) == Kept.Annotations.end())
      Kept.Annotations.push_back(A);
}

struct Edge {
  std::string From, To; // USRs
  EdgeKind Kind = EdgeKind::Call;
  Loc Site;             // call site
  friend bool operator==(const Edge &, const Edge &) = default;
};

/// An address passed as an argument to a call: `registered-by` rules match
/// on the callee's qualified name.
struct Registration {
  std::string Callee;   // qualified name of the called function
  std::string Target;   // USR of the function whose address is passed
  Loc Site;
  friend bool operator==(const Registration &, const Registration &) = default;
};

struct ClassInfo {
  std::string Usr;
  std::vector<std::string> Bases; // USRs of direct bases
  friend bool operator==(const ClassInfo &, const ClassInfo &) = default;
};

struct OverrideInfo {
  std::string Method;     // USR of the overriding method
  std::string Overridden; // USR of the overridden method
  bool OverriddenOutsideRoot = false; // declared in a library class
  friend bool operator==(const OverrideInfo &, const OverrideInfo &) = default;
};

/// A non-defining declaration in a project file (`int f();` in a header, an
/// in-class declaration of an out-of-line method, `extern int x;`). Nodes
/// hold definitions only; `fix` deletes these together with a dead symbol.
struct Redeclaration {
  std::string Usr;
  Loc RangeBegin, RangeEnd; // including attached comment, like Node's
  bool RangeInMacro = false;
  friend bool operator==(const Redeclaration &, const Redeclaration &) = default;
};

/// An `#include` in a project file and the file it resolved to: fix drops
/// the line only when that file goes.
struct IncludeSite {
  std::string From;   // root-relative
  unsigned Line = 0;
  std::string Target; // root-relative; "" outside the root (a system header)
  friend bool operator==(const IncludeSite &, const IncludeSite &) = default;
};

/// A name the preprocessor skipped in a project file: in an `#if` branch
/// not taken, or in a macro argument this configuration's definition drops
/// (assert under NDEBUG). Another configuration may use what it names; a
/// skipped `#include "x.h"` is recorded as the name "#include:x.h".
struct InactiveUse {
  std::string Name;
  Loc Where;       // file and line
  std::string Why; // "#ifdef _WIN32", "an argument of assert, which ..."
  friend bool operator==(const InactiveUse &, const InactiveUse &) = default;
};

/// An error in a project file, with the names its message quotes (an
/// undeclared identifier, a missing member, a header not found): what fix
/// blames a deletion by before it bisects.
struct CompileError {
  std::string Message;            // "file:line:col: error: message"
  std::vector<std::string> Names; // the diagnostic's name and string arguments
  friend bool operator==(const CompileError &, const CompileError &) = default;
};

struct TUSummary {
  std::string MainFile;              // as in the compile command (absolute)
  std::vector<Node> Nodes;
  std::vector<Edge> Edges;
  std::vector<Registration> Registrations;
  std::vector<ClassInfo> Classes;
  std::vector<OverrideInfo> Overrides;
  std::vector<Redeclaration> Redeclarations;
  std::vector<std::string> FilesSeen; // project files (relative) read by this TU
  /// Every file the compiler read, absolute, system headers too: what the
  /// index checks before it trusts a stored summary (index/SummaryIndex.h).
  std::vector<std::string> Inputs;
  std::vector<IncludeSite> Includes;
  std::vector<InactiveUse> InactiveUses;
  bool Failed = false;
  std::string FirstError;            // "file:line:col: error: message"
  std::vector<CompileError> Errors;  // the first few in project files
  /// Errors only inside headers outside the root: the TU is still read
  /// (see Runner.cpp), and the first of them is shown as a warning.
  unsigned HeaderErrors = 0;
  std::string FirstHeaderError;
  friend bool operator==(const TUSummary &, const TUSummary &) = default;
};

} // namespace reach
