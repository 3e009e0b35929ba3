#include "fix/Bisect.h"

namespace reach {
namespace {

class Bisector {
public:
  explicit Bisector(const CompileUnits &Compile) : Compile(Compile) {}

  /// Groups (each a file's units) that fail together with what is accepted.
  void files(const std::vector<std::vector<size_t>> &Groups, const std::string &Error) {
    if (Groups.size() == 1)
      return units(Groups[0], Error);
    size_t Half = Groups.size() / 2;
    std::vector<std::vector<size_t>> A(Groups.begin(), Groups.begin() + Half);
    std::vector<std::vector<size_t>> B(Groups.begin() + Half, Groups.end());
    std::string E;
    if (tryAdd(flatten(A), E)) // then B fails, with the error already seen
      return files(B, Error);
    files(A, E);
    if (!tryAdd(flatten(B), E))
      files(B, E);
  }

  /// Units that fail together with what is accepted.
  void units(const std::vector<size_t> &Units, const std::string &Error) {
    if (Units.size() == 1) {
      R.Rejected.push_back({Units[0], Error});
      return;
    }
    size_t Half = Units.size() / 2;
    std::vector<size_t> A(Units.begin(), Units.begin() + Half), B(Units.begin() + Half, Units.end());
    std::string E;
    if (tryAdd(A, E))
      return units(B, Error);
    units(A, E);
    if (!tryAdd(B, E))
      units(B, E);
  }

  BisectResult R;

private:
  static std::vector<size_t> flatten(const std::vector<std::vector<size_t>> &Groups) {
    std::vector<size_t> All;
    for (const std::vector<size_t> &G : Groups)
      All.insert(All.end(), G.begin(), G.end());
    return All;
  }

  bool tryAdd(const std::vector<size_t> &Units, std::string &Error) {
    std::vector<size_t> With = R.Accepted;
    With.insert(With.end(), Units.begin(), Units.end());
    ++R.Checks;
    Error = Compile(With);
    if (!Error.empty())
      return false;
    R.Accepted = std::move(With);
    return true;
  }

  const CompileUnits &Compile;
};

} // namespace

BisectResult bisectUnits(const std::vector<std::vector<size_t>> &ByFile, const std::string &FirstError,
                         const CompileUnits &Compile) {
  Bisector B(Compile);
  if (!ByFile.empty())
    B.files(ByFile, FirstError);
  return std::move(B.R);
}

} // namespace reach
