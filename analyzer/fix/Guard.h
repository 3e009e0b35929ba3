// Which files fix may touch: under the root, not in the build directory, not
// generated ("generated" / "DO NOT EDIT" in the first lines), and, in a git
// tree, without uncommitted changes unless --force.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

namespace reach {

class TreeGuard {
public:
  /// Root and BuildDir absolute; asks git once for the dirty files.
  TreeGuard(std::string Root, std::string BuildDir, bool Force);
  /// Never editable: outside the root, in the build directory, generated.
  bool editable(const std::string &Rel) const;
  /// Editable but holding uncommitted work (and no --force).
  bool dirty(const std::string &Rel) const { return !Force && Dirty.count(Rel); }
  bool inGit() const { return InGit; }
  /// Stages the removal of files already deleted from disk (`git rm`).
  bool gitRemove(const std::vector<std::string> &Rels, std::string &Error) const;

private:
  std::string Root, BuildDir;
  bool Force;
  bool InGit = false;
  std::set<std::string> Dirty;
  mutable std::map<std::string, bool> Generated;
};

/// Runs Args (Args[0] found on PATH) and captures stdout; the exit status.
int runCapture(const std::vector<std::string> &Args, std::string &Out);

} // namespace reach
