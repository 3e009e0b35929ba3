#include "fix/Bisect.h"

#include <algorithm>
#include <functional>
#include <map>
#include <set>

namespace reach {
namespace {

bool isIdentifierChar(char C) { return std::isalnum(static_cast<unsigned char>(C)) || C == '_'; }

/// The identifiers in what an error quotes: "ns::Log<int> *" gives ns, Log
/// and int.
std::set<std::string> identifiersIn(const std::vector<std::string> &Quoted) {
  std::set<std::string> Out;
  for (const std::string &Q : Quoted)
    for (size_t I = 0; I < Q.size();) {
      size_t J = I;
      while (J < Q.size() && isIdentifierChar(Q[J]))
        ++J;
      if (J > I)
        Out.insert(Q.substr(I, J - I));
      I = J + 1;
    }
  return Out;
}

/// "x.h", "sub/x.h" or "../sub/x.h", as an #include spells it, names the
/// file sub/x.h: what is left of the spelling after its leading ./ and ../
/// is the end of the path.
bool namesFile(const std::vector<std::string> &Quoted, const std::string &File) {
  return std::any_of(Quoted.begin(), Quoted.end(), [&](std::string Q) {
    while (Q.rfind("../", 0) == 0 || Q.rfind("./", 0) == 0)
      Q.erase(0, Q.find('/') + 1);
    return !Q.empty() && File.size() >= Q.size() && File.compare(File.size() - Q.size(), Q.size(), Q) == 0 &&
           (File.size() == Q.size() || File[File.size() - Q.size() - 1] == '/');
  });
}

/// Where Symbol's last component starts ("helper" in "ns::Util<T>::helper"):
/// after the last "::" outside template arguments.
size_t lastComponent(const std::string &Symbol) {
  size_t Start = 0;
  int Depth = 0;
  for (size_t I = 0; I + 1 < Symbol.size(); ++I) {
    Depth += Symbol[I] == '<' ? 1 : Symbol[I] == '>' ? -1 : 0;
    if (Depth == 0 && Symbol[I] == ':' && Symbol[I + 1] == ':')
      Start = I + 2;
  }
  return Start;
}

std::string plainName(const std::string &Symbol) {
  std::string Last = Symbol.substr(lastComponent(Symbol));
  return Last.rfind("operator", 0) == 0 ? Last : Last.substr(0, Last.find('<'));
}

bool names(const CompileError &E, const std::set<std::string> &Identifiers, const UnitNames &U) {
  if (!U.File.empty() && namesFile(E.Names, U.File))
    return true;
  return std::any_of(U.Identifiers.begin(), U.Identifiers.end(),
                     [&](const std::string &Id) { return Identifiers.count(Id) > 0; });
}

/// Units tried together first: a unit with the units of the round that use
/// it, users first. Deleting a unit while its (dead) user stays breaks the
/// build, so halving must not split them; if the atom fails whole, its
/// units are tried one by one in this order, each after its users.
using Atom = std::vector<size_t>;

class Bisector {
public:
  Bisector(const std::vector<UnitNames> &Names, const CompileUnits &Compile, BisectResult &R)
      : Names(Names), Compile(Compile), R(R) {}

  /// Groups (each a file's atoms) that fail, with Errors, together with
  /// what is accepted.
  void files(std::vector<std::vector<Atom>> Groups, std::vector<CompileError> Errors) {
    if (!rejectNamed(Groups, Errors))
      return;
    if (Groups.size() == 1)
      return atoms(std::move(Groups[0]), std::move(Errors));
    size_t Half = Groups.size() / 2;
    std::vector<std::vector<Atom>> A(Groups.begin(), Groups.begin() + Half);
    std::vector<std::vector<Atom>> B(Groups.begin() + Half, Groups.end());
    std::vector<CompileError> E = tryAdd(flatten(flatten(A)));
    if (E.empty()) // then B fails, with the errors already seen
      return files(std::move(B), std::move(Errors));
    files(std::move(A), std::move(E));
    if (!(E = tryAdd(flatten(flatten(B)))).empty())
      files(std::move(B), std::move(E));
  }

  /// Atoms that fail, with Errors, together with what is accepted.
  void atoms(std::vector<Atom> Atoms, std::vector<CompileError> Errors) {
    std::vector<std::vector<Atom>> One{std::move(Atoms)};
    if (!rejectNamed(One, Errors))
      return;
    Atoms = std::move(One[0]);
    if (Atoms.size() == 1 && Atoms[0].size() == 1) {
      R.Rejected.push_back({Atoms[0][0], Errors.empty() ? "" : Errors.front().Message});
      return;
    }
    if (Atoms.size() == 1) { // a unit and its users fail together: one by one
      std::vector<Atom> Each;
      for (size_t U : Atoms[0])
        Each.push_back({U});
      return atoms(std::move(Each), std::move(Errors));
    }
    size_t Half = Atoms.size() / 2;
    std::vector<Atom> A(Atoms.begin(), Atoms.begin() + Half), B(Atoms.begin() + Half, Atoms.end());
    std::vector<CompileError> E = tryAdd(flatten(A));
    if (E.empty())
      return atoms(std::move(B), std::move(Errors));
    atoms(std::move(A), std::move(E));
    if (!(E = tryAdd(flatten(B))).empty())
      atoms(std::move(B), std::move(E));
  }

private:
  template <class T> static std::vector<T> flatten(const std::vector<std::vector<T>> &Groups) {
    std::vector<T> All;
    for (const std::vector<T> &G : Groups)
      All.insert(All.end(), G.begin(), G.end());
    return All;
  }

  /// Rejects the units of Groups that Errors name, then tries the rest,
  /// until the errors name none of them: true when the rest still fails
  /// (with Errors) and must be bisected, false when it compiled (accepted)
  /// or nothing is left. A failing trial's errors often name its culprit,
  /// which one compilation confirms where halving would take several.
  bool rejectNamed(std::vector<std::vector<Atom>> &Groups, std::vector<CompileError> &Errors) {
    for (;;) {
      std::vector<std::pair<size_t, std::string>> Blamed = blameByName(flatten(flatten(Groups)), Names, Errors);
      if (Blamed.empty())
        return true;
      std::set<size_t> Gone;
      for (const auto &B : Blamed) {
        R.Rejected.push_back(B);
        Gone.insert(B.first);
      }
      R.Blamed += Blamed.size();
      for (std::vector<Atom> &G : Groups) {
        for (Atom &A : G)
          std::erase_if(A, [&](size_t U) { return Gone.count(U) > 0; });
        std::erase_if(G, [](const Atom &A) { return A.empty(); });
      }
      std::erase_if(Groups, [](const std::vector<Atom> &G) { return G.empty(); });
      if (Groups.empty() || (Errors = tryAdd(flatten(flatten(Groups)))).empty())
        return false;
    }
  }

  /// Accepts Units when they compile with what is accepted; the errors.
  std::vector<CompileError> tryAdd(const std::vector<size_t> &Units) {
    std::vector<size_t> With = R.Accepted;
    With.insert(With.end(), Units.begin(), Units.end());
    ++R.Checks;
    std::vector<CompileError> Errors = Compile(With);
    if (Errors.empty())
      R.Accepted = std::move(With);
    return Errors;
  }

  const std::vector<UnitNames> &Names;
  const CompileUnits &Compile;
  BisectResult &R;
};

/// The atoms of Units: the parts connected by Uses (either way), each
/// ordered users first (a depth-first post-order over "used by", reversed
/// by construction: a unit is placed after every unit that uses it).
std::vector<Atom> atomsOf(const std::vector<size_t> &Units, const UnitUses &Uses) {
  std::set<size_t> In(Units.begin(), Units.end());
  std::map<size_t, std::vector<size_t>> Links, UsedBy;
  for (size_t U : Units)
    for (size_t V : Uses[U])
      if (In.count(V) && V != U) {
        Links[U].push_back(V);
        Links[V].push_back(U);
        UsedBy[V].push_back(U);
      }
  std::set<size_t> Seen, Placed;
  std::vector<Atom> Atoms;
  for (size_t Start : Units) {
    if (!Seen.insert(Start).second)
      continue;
    std::vector<size_t> Part{Start}; // the connected part, breadth first
    for (size_t I = 0; I < Part.size(); ++I)
      for (size_t N : Links[Part[I]])
        if (Seen.insert(N).second)
          Part.push_back(N);
    Atom Ordered;
    std::function<void(size_t)> Place = [&](size_t U) { // users of U first, then U
      if (!Placed.insert(U).second)
        return;
      for (size_t User : UsedBy[U])
        Place(User);
      Ordered.push_back(U);
    };
    for (size_t U : Part)
      Place(U);
    Atoms.push_back(std::move(Ordered));
  }
  return Atoms;
}

} // namespace

void addNamesOf(const std::string &Symbol, UnitNames &Names) {
  const std::string Name = plainName(Symbol);
  Names.Identifiers.push_back(Name);
  const size_t Start = lastComponent(Symbol);
  if (Name.rfind("operator", 0) == 0 && Start >= 2)
    Names.Identifiers.push_back(plainName(Symbol.substr(0, Start - 2)));
}

std::vector<std::pair<size_t, std::string>> blameByName(const std::vector<size_t> &Candidates,
                                                        const std::vector<UnitNames> &Names,
                                                        const std::vector<CompileError> &Errors) {
  std::vector<std::pair<size_t, std::string>> Blamed;
  for (const CompileError &E : Errors) {
    std::set<std::string> Identifiers = identifiersIn(E.Names);
    for (size_t U : Candidates)
      if (names(E, Identifiers, Names[U]) &&
          std::none_of(Blamed.begin(), Blamed.end(), [&](const auto &B) { return B.first == U; }))
        Blamed.push_back({U, E.Message});
  }
  return Blamed;
}

BisectResult keepWhatCompiles(const std::vector<std::vector<size_t>> &ByFile, const std::vector<UnitNames> &Names,
                              const UnitUses &Uses, const std::vector<CompileError> &Failure,
                              const CompileUnits &Compile) {
  BisectResult R;
  std::vector<size_t> All;
  std::vector<size_t> FileOf(Names.size());
  for (size_t F = 0; F < ByFile.size(); ++F)
    for (size_t U : ByFile[F]) {
      All.push_back(U);
      FileOf[U] = F;
    }
  std::map<size_t, std::vector<Atom>> AtomsByFile; // by the file of an atom's first unit
  for (Atom &A : atomsOf(All, Uses))
    AtomsByFile[FileOf[A.front()]].push_back(std::move(A));
  std::vector<std::vector<Atom>> Groups;
  for (auto &[File, Atoms] : AtomsByFile)
    Groups.push_back(std::move(Atoms));
  Bisector(Names, Compile, R).files(std::move(Groups), Failure);
  return R;
}

} // namespace reach
