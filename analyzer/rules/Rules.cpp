#include "rules/Rules.h"

#include <algorithm>

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/GlobPattern.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Regex.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/YAMLParser.h"
#include "llvm/Support/raw_ostream.h"

namespace reach {

const char *EntryRule::kindName() const {
  switch (K) {
  case Function: return "function";
  case Match: return "match";
  case Annotation: return "annotation";
  case RegisteredBy: return "registered-by";
  case Header: return "header";
  case Exported: return "exported";
  }
  return "?";
}

Rules Rules::defaults() {
  Rules R;
  R.Entries.push_back({EntryRule::Function, "main"});
  return R;
}

static bool matchesAny(const std::vector<PathRule> &Globs, const std::string &RelPath) {
  return std::any_of(Globs.begin(), Globs.end(),
                     [&](const PathRule &G) { return Rules::globMatches(G.Glob, RelPath); });
}

bool Rules::globMatches(const std::string &Glob, const std::string &RelPath) {
  auto P = llvm::GlobPattern::create(Glob);
  if (!P) {
    llvm::consumeError(P.takeError());
    return false;
  }
  return P->match(RelPath);
}

bool Rules::isTestFile(const std::string &RelPath) const { return matchesAny(TestGlobs, RelPath); }

bool Rules::isExcluded(const std::string &RelPath) const { return matchesAny(ExcludeGlobs, RelPath); }

static const char *const VendorFolders[] = {"vendor", "third_party", "third-party", "3rdparty",
                                            "external"};

/// The path up to and including the folder after a vendor folder, or "".
static std::string defaultVendoredLibrary(const std::string &RelPath) {
  llvm::SmallVector<llvm::StringRef> Parts;
  llvm::StringRef(RelPath).split(Parts, '/');
  for (size_t I = 0; I + 1 < Parts.size(); ++I)
    for (const char *V : VendorFolders)
      if (Parts[I] == V) {
        size_t Last = std::min(I + 1, Parts.size() - 2); // a folder, not the file
        std::string Lib;
        for (size_t J = 0; J <= Last; ++J)
          Lib += (J ? "/" : "") + Parts[J].str();
        return Lib;
      }
  return "";
}

bool Rules::isVendored(const std::string &RelPath) const {
  if (VendorGiven)
    return matchesAny(VendorGlobs, RelPath);
  return !defaultVendoredLibrary(RelPath).empty();
}

std::string Rules::vendoredLibrary(const std::string &RelPath) const {
  if (!VendorGiven)
    return defaultVendoredLibrary(RelPath);
  for (const PathRule &G : VendorGlobs)
    if (globMatches(G.Glob, RelPath))
      return G.Glob;
  return "";
}

bool Rules::matches(const std::string &Regex, const std::string &Name) {
  llvm::Regex R("^(" + Regex + ")$");
  return R.match(Name);
}

namespace {

std::string format(const llvm::SMDiagnostic &D) {
  return (D.getFilename() + ":" + llvm::Twine(D.getLineNo()) + ":" +
          llvm::Twine(D.getColumnNo() + 1) + ": error: " + D.getMessage()).str();
}

/// A small recursive-descent reader over the YAML node tree. The first error
/// wins; it is printed by the SourceMgr as file:line:col.
class Reader {
public:
  Reader(llvm::SourceMgr &SM, std::string &Error) : SM(SM), Error(Error) {}

  bool fail(llvm::yaml::Node *N, const llvm::Twine &Msg) {
    if (!Error.empty())
      return false;
    llvm::SMDiagnostic D = SM.GetMessage(N->getSourceRange().Start, llvm::SourceMgr::DK_Error, Msg);
    Error = format(D);
    return false;
  }

  RuleSite site(llvm::yaml::Node *N) {
    auto LC = SM.getLineAndColumn(N->getSourceRange().Start);
    return {LC.first, LC.second};
  }

  bool scalar(llvm::yaml::Node *N, std::string &Out) {
    auto *S = llvm::dyn_cast_or_null<llvm::yaml::ScalarNode>(N);
    if (!S)
      return fail(N, "expected a string");
    llvm::SmallString<64> Storage;
    Out = S->getValue(Storage).str();
    if (Out.empty())
      return fail(N, "expected a non-empty string");
    return true;
  }

  bool regex(llvm::yaml::Node *N, const std::string &R) {
    llvm::Regex Re(R);
    std::string Why;
    if (!Re.isValid(Why))
      return fail(N, "invalid regular expression '" + R + "': " + Why);
    return true;
  }

  bool glob(llvm::yaml::Node *N, const std::string &G) {
    if (auto P = llvm::GlobPattern::create(G); !P) {
      std::string Why = llvm::toString(P.takeError());
      return fail(N, "invalid glob '" + G + "': " + Why);
    }
    return true;
  }

  template <typename Fn> bool sequence(llvm::yaml::Node *N, Fn Each) {
    auto *Seq = llvm::dyn_cast<llvm::yaml::SequenceNode>(N);
    if (!Seq)
      return fail(N, "expected a list");
    for (llvm::yaml::Node &Item : *Seq)
      if (!Each(&Item))
        return false;
    return true;
  }

  /// Reads a mapping whose keys must be among Allowed; calls Each(key, value).
  template <typename Fn>
  bool mapping(llvm::yaml::Node *N, std::initializer_list<llvm::StringRef> Allowed, Fn Each) {
    auto *Map = llvm::dyn_cast_or_null<llvm::yaml::MappingNode>(N);
    if (!Map)
      return fail(N, "expected a mapping");
    for (llvm::yaml::KeyValueNode &KV : *Map) {
      std::string Key;
      if (!scalar(KV.getKey(), Key))
        return false;
      if (std::find(Allowed.begin(), Allowed.end(), Key) == Allowed.end()) {
        std::string List;
        for (llvm::StringRef A : Allowed)
          List += (List.empty() ? "" : ", ") + A.str();
        return fail(KV.getKey(), "unknown key '" + Key + "' (expected one of: " + List + ")");
      }
      if (!KV.getValue())
        return fail(KV.getKey(), "missing value for '" + Key + "'");
      if (!Each(Key, KV.getValue(), KV.getKey()))
        return false;
    }
    return true;
  }

  bool entry(llvm::yaml::Node *N, Rules &R) {
    int Count = 0;
    std::optional<EntryRule> Exported; // `exported: true`, maybe narrowed by `header:`
    bool OK = mapping(N, {"function", "match", "annotation", "registered-by", "header", "exported"},
                      [&](const std::string &K, llvm::yaml::Node *V, llvm::yaml::Node *) {
      if (K == "exported") {
        std::string Flag;
        if (!scalar(V, Flag))
          return false;
        if (Flag != "true")
          return fail(V, "exported takes `true` (every definition a shared library exports); "
                         "remove the item to export nothing");
        Exported = EntryRule{EntryRule::Exported, {}, site(V)};
        return true;
      }
      EntryRule E{llvm::StringSwitch<EntryRule::Kind>(K)
                      .Case("function", EntryRule::Function)
                      .Case("match", EntryRule::Match)
                      .Case("annotation", EntryRule::Annotation)
                      .Case("header", EntryRule::Header)
                      .Default(EntryRule::RegisteredBy), {}, site(V)};
      if (!scalar(V, E.Value))
        return false;
      if (E.K == EntryRule::Header && !glob(V, E.Value))
        return false;
      if (E.K == EntryRule::Match && !regex(V, E.Value))
        return false;
      ++Count;
      R.Entries.push_back(std::move(E));
      return true;
    });
    if (OK && Exported) {
      // `header:` beside `exported: true` narrows it to those headers.
      if (Count == 1 && R.Entries.back().K == EntryRule::Header) {
        Exported->Value = R.Entries.back().Value;
        Exported->Site = R.Entries.back().Site; // an error is about the glob
        R.Entries.pop_back();
        Count = 0;
      }
      R.Entries.push_back(*Exported);
      ++Count;
    }
    if (OK && Count != 1)
      return fail(N, "an entry has exactly one of: function, match, annotation, registered-by, "
                     "header, exported (which may have a header: beside it)");
    return OK;
  }

  bool policy(llvm::yaml::Node *N, Rules &R) {
    return mapping(N, {"forbid", "single-implementation"},
                   [&](const std::string &K, llvm::yaml::Node *V, llvm::yaml::Node *) {
      PolicyRule P{K == "forbid" ? PolicyRule::Forbid : PolicyRule::SingleImplementation, {}, {}, {}, {}};
      bool OK = P.K == PolicyRule::Forbid ? forbidPolicy(V, P) : singleImplementationPolicy(V, P);
      if (OK)
        R.Policies.push_back(std::move(P));
      return OK;
    });
  }

  bool forbidPolicy(llvm::yaml::Node *V, PolicyRule &P) {
    bool OK = mapping(V, {"from", "to"}, [&](const std::string &PK, llvm::yaml::Node *PV, llvm::yaml::Node *) {
      std::string &Slot = PK == "from" ? P.A : P.B;
      return scalar(PV, Slot) && glob(PV, Slot);
    });
    if (!OK)
      return false;
    if (P.A.empty() || P.B.empty())
      return fail(V, "forbid needs 'from' and 'to'");
    return true;
  }

  bool singleImplementationPolicy(llvm::yaml::Node *V, PolicyRule &P) {
    bool OK = mapping(V, {"base", "function", "per", "variants"},
                      [&](const std::string &PK, llvm::yaml::Node *PV, llvm::yaml::Node *) {
      if (PK == "variants")
        return sequence(PV, [&](llvm::yaml::Node *I) {
          std::string Name;
          if (!scalar(I, Name))
            return false;
          P.Variants.push_back(Name);
          return true;
        });
      std::string &Slot = PK == "base" ? P.A : PK == "per" ? P.B : P.Function;
      return scalar(PV, Slot) && (PK != "function" || regex(PV, Slot));
    });
    if (!OK)
      return false;
    if (P.A.empty() == P.Function.empty())
      return fail(V, "single-implementation needs exactly one of 'base' (a class) and 'function' (a regex)");
    if (!P.Variants.empty() && P.Function.empty())
      return fail(V, "single-implementation: 'variants' goes with 'function'");
    return true;
  }

  bool document(llvm::yaml::Node *Root, Rules &R) {
    if (!Root || llvm::isa<llvm::yaml::NullNode>(Root))
      return true;
    return mapping(Root, {"entries", "tests", "exclude", "vendor", "keep", "policies"},
                   [&](const std::string &K, llvm::yaml::Node *V, llvm::yaml::Node *) {
      if (K == "entries")
        return sequence(V, [&](llvm::yaml::Node *I) { return entry(I, R); });
      if (K == "tests" || K == "exclude" || K == "vendor") {
        std::vector<PathRule> &Globs =
            K == "tests" ? R.TestGlobs : K == "exclude" ? R.ExcludeGlobs : R.VendorGlobs;
        R.VendorGiven |= K == "vendor";
        return sequence(V, [&](llvm::yaml::Node *I) {
          return mapping(I, {"path"}, [&](const std::string &, llvm::yaml::Node *PV, llvm::yaml::Node *) {
            std::string G;
            if (!scalar(PV, G) || !glob(PV, G))
              return false;
            Globs.push_back({G, site(PV)});
            return true;
          });
        });
      }
      if (K == "keep")
        return sequence(V, [&](llvm::yaml::Node *I) {
          KeepRule Keep;
          if (!mapping(I, {"symbol", "reason"}, [&](const std::string &KK, llvm::yaml::Node *KV, llvm::yaml::Node *) {
                if (KK == "symbol")
                  Keep.Site = site(KV);
                return scalar(KV, KK == "symbol" ? Keep.Symbol : Keep.Reason);
              }))
            return false;
          if (Keep.Symbol.empty())
            return fail(I, "keep entry needs a 'symbol'");
          if (Keep.Reason.empty())
            return fail(I, "keep entry for '" + Keep.Symbol + "' needs a 'reason'");
          R.Keep.push_back(std::move(Keep));
          return true;
        });
      return sequence(V, [&](llvm::yaml::Node *I) { return policy(I, R); });
    });
  }

private:
  llvm::SourceMgr &SM;
  std::string &Error;
};

} // namespace

std::optional<Rules> parseRules(const std::string &Text, const std::string &FileName,
                                std::string &Error) {
  Error.clear();
  llvm::SourceMgr SM;
  std::string ParseError;
  SM.setDiagHandler([](const llvm::SMDiagnostic &D, void *Ctx) {
    auto *Err = static_cast<std::string *>(Ctx);
    if (Err->empty())
      *Err = format(D);
  }, &ParseError);
  llvm::yaml::Stream Stream(llvm::MemoryBufferRef(Text, FileName), SM);
  Rules R;
  R.File = FileName;
  Reader Rd(SM, Error);
  bool First = true;
  for (llvm::yaml::Document &Doc : Stream) {
    llvm::yaml::Node *Root = Doc.getRoot();
    if (!ParseError.empty())
      break;
    if (!First) {
      Rd.fail(Root, "a rules file holds one YAML document");
      break;
    }
    First = false;
    if (!Rd.document(Root, R))
      break;
    Doc.skip();
  }
  if (Error.empty() && !ParseError.empty())
    Error = ParseError;
  if (Error.empty() && Stream.failed())
    Error = FileName + ": error: malformed YAML";
  if (!Error.empty())
    return std::nullopt;
  return R;
}

std::optional<Rules> loadRules(const std::string &Path, std::string &Error) {
  auto Buf = llvm::MemoryBuffer::getFile(Path);
  if (!Buf) {
    Error = Path + ": error: cannot read rules file: " + Buf.getError().message();
    return std::nullopt;
  }
  return parseRules((*Buf)->getBuffer().str(), Path, Error);
}

} // namespace reach
