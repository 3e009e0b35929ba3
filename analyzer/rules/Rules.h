// The rules file (reach.yaml): entry points, test globs, suppressions and
// policies. Parsing reports errors as file:line:col.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace reach {

/// Where a rule is written, for "file:line:col: error: ... matches nothing".
struct RuleSite {
  unsigned Line = 0, Column = 0; // 0: not from a file (the defaults)
};

struct EntryRule {
  /// Header: everything declared in files matching a glob (a library's
  /// public headers are its entry points: `- header: include/**`).
  /// Exported: what a shared library exports, every definition with
  /// external linkage and default visibility (`- exported: true`); Value is
  /// a header glob when the item also has `header:` (only those declared in
  /// matching headers), else empty.
  enum Kind { Function, Match, Annotation, RegisteredBy, Header, Exported } K;
  std::string Value;
  RuleSite Site;
  const char *kindName() const;
};

struct KeepRule {
  std::string Symbol; // qualified name or USR
  std::string Reason;
  RuleSite Site;
};

/// A `tests:` or `exclude:` item.
struct PathRule {
  std::string Glob;
  RuleSite Site;
};

struct PolicyRule {
  enum Kind { Forbid, SingleImplementation } K;
  std::string A, B; // forbid: from/to globs; single-implementation: base/per
  /// single-implementation of an op written as functions: a regex over
  /// qualified names (instead of `base`), and the namespace names that mark
  /// instruction-set variants of one implementation (ns::avx2::f and
  /// ns::avx512::f are one).
  std::string Function;
  std::vector<std::string> Variants;
};

struct Rules {
  std::string File; // the rules file read; empty for the defaults
  std::vector<EntryRule> Entries;
  std::vector<PathRule> TestGlobs;
  /// Sources no build is meant to compile (test inputs, examples, vendored
  /// code): never reported as orphaned, and their definitions (if some
  /// database compiles them) are left out of the report.
  std::vector<PathRule> ExcludeGlobs;
  /// Library code the project vendors: reported apart, collapsed to a
  /// count per library, and left alone by `fix` unless asked. Without a
  /// `vendor:` key, any path with a vendor/, third_party/, third-party/,
  /// 3rdparty/ or external/ folder; `vendor: []` turns this off.
  std::vector<PathRule> VendorGlobs;
  bool VendorGiven = false;
  std::vector<KeepRule> Keep;
  std::vector<PolicyRule> Policies;

  /// The rules used when no reach.yaml exists: `main` is the entry.
  static Rules defaults();
  bool isTestFile(const std::string &RelPath) const;
  bool isExcluded(const std::string &RelPath) const;
  bool isVendored(const std::string &RelPath) const;
  /// "vendor/miniaudio" for "vendor/miniaudio/x.h": the library a vendored
  /// file belongs to (its folder under the vendor folder, or the glob).
  std::string vendoredLibrary(const std::string &RelPath) const;
  /// Full-match of a `match:` regex against a qualified name.
  static bool matches(const std::string &Regex, const std::string &Name);
  static bool globMatches(const std::string &Glob, const std::string &RelPath);
};

/// Parses YAML text; on error returns nullopt and sets Error to
/// "file:line:col: error: message".
std::optional<Rules> parseRules(const std::string &Text, const std::string &FileName,
                                std::string &Error);
std::optional<Rules> loadRules(const std::string &Path, std::string &Error);

} // namespace reach
