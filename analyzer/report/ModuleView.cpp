#include "report/ModuleView.h"

#include <map>
#include <set>

namespace reach {

DrawGraph drawModules(const Analysis &A) {
  const Graph &G = A.G;
  DrawGraph D;
  D.Name = "modules";
  D.LeftToRight = true;
  D.FolderClusters = true;
  struct Counts { size_t Live = 0, TestOnly = 0, Dead = 0; };
  std::map<std::string, Counts> PerFile;
  for (const SymbolVerdict &V : A.Symbols) {
    Counts &C = PerFile[G.Nodes[V.Id].Where.File];
    C.Live += V.S == Status::Live;
    C.TestOnly += V.S == Status::TestOnly;
    C.Dead += V.S == Status::Dead;
  }
  std::set<std::string> EntryFiles;
  for (const EntryPoint &E : A.Entries)
    EntryFiles.insert(G.Nodes[E.Id].Where.File);
  std::set<std::string> Drawn;
  for (const FileVerdict &F : A.Files) {
    size_t Slash = F.Path.rfind('/');
    std::string Dir = Slash == std::string::npos ? "" : F.Path.substr(0, Slash);
    std::string Base = Slash == std::string::npos ? F.Path : F.Path.substr(Slash + 1);
    std::string Label = Base;
    if (auto It = PerFile.find(F.Path); It != PerFile.end()) {
      const Counts &C = It->second;
      Label += "\n" + std::to_string(C.Live) + " live";
      if (C.TestOnly)
        Label += ", " + std::to_string(C.TestOnly) + " test-only";
      if (C.Dead)
        Label += ", " + std::to_string(C.Dead) + " dead";
    }
    bool Entry = EntryFiles.count(F.Path);
    D.Nodes.push_back({F.Path, Label, statusColor(F.S), Dir,
                       F.Path + ": " + toString(F.S) + (Entry ? " (entry point)" : ""), toString(F.S),
                       Entry});
    Drawn.insert(F.Path);
  }
  // One edge per pair of files, labelled with how many references it stands for.
  std::map<std::pair<std::string, std::string>, size_t> Refs;
  for (unsigned From = 0; From < G.Nodes.size(); ++From) {
    const std::string &FF = G.Nodes[From].Where.File;
    if (!G.Nodes[From].Project || !Drawn.count(FF))
      continue;
    for (const GraphEdge &E : G.Out[From]) {
      const std::string &TF = G.Nodes[E.To].Where.File;
      if (E.Kind != EdgeKind::Member && TF != FF && G.Nodes[E.To].Project && Drawn.count(TF))
        ++Refs[{FF, TF}];
    }
  }
  for (const auto &[Key, Count] : Refs)
    D.Edges.push_back({Key.first, Key.second, std::to_string(Count), false});
  return D;
}

} // namespace reach
