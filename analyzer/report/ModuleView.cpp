#include "report/ModuleView.h"

#include <map>
#include <set>

namespace reach {

namespace {

struct Counts {
  size_t Live = 0, TestOnly = 0, Dead = 0, Files = 0, Orphaned = 0;
};

std::string folderOf(const std::string &Path) {
  size_t Slash = Path.rfind('/');
  return Slash == std::string::npos ? "" : Path.substr(0, Slash);
}

/// The box a file is drawn in: itself (Depth 0), or its folder cut to Depth
/// levels ("runtime/kernels" for runtime/kernels/cuda/x.cu at depth 2).
std::string boxOf(const std::string &File, int Depth) {
  if (Depth == 0)
    return File;
  std::string Folder = folderOf(File);
  size_t Pos = 0;
  for (int Level = 0; Level < Depth && Pos != std::string::npos; ++Level)
    Pos = Folder.find('/', Pos ? Pos + 1 : 0);
  return (Pos == std::string::npos ? Folder : Folder.substr(0, Pos)) + "/";
}

/// The deepest folder depth at which every file's box makes at most
/// MaxBoxes boxes (1 if none does).
int uniformDepth(const Analysis &A) {
  int Best = 1;
  for (int D = 1; D <= 8; ++D) {
    std::set<std::string> Boxes;
    for (const FileVerdict &F : A.Files)
      Boxes.insert(boxOf(F.Path, D));
    if (Boxes.size() > MaxBoxes)
      break;
    Best = D;
  }
  return Best;
}

struct FolderBox {
  int Depth = 0;
  std::vector<std::string> Files;
  size_t Defs = 0;

  /// File, with its definitions as the boxes count them (Defs per file).
  void add(const std::string &File, const std::map<std::string, size_t> &DefsPerFile) {
    Files.push_back(File);
    if (auto It = DefsPerFile.find(File); It != DefsPerFile.end())
      Defs += It->second;
  }
};

/// Box (named Name) split by its files' boxes one folder level deeper. A
/// folder's own files stay in its box, and so do subfolders without
/// definitions (on llama.cpp, ggml/src's backends this build does not
/// compile): a box each would show nothing.
std::map<std::string, FolderBox> splitBox(const std::string &Name, const FolderBox &Box,
                                          const std::map<std::string, size_t> &Defs) {
  std::map<std::string, FolderBox> Children;
  for (const std::string &F : Box.Files) {
    FolderBox &C = Children[boxOf(F, Box.Depth + 1)];
    C.Depth = Box.Depth + 1;
    C.add(F, Defs);
  }
  FolderBox Rest;
  Rest.Depth = Box.Depth;
  for (auto It = Children.begin(); It != Children.end();) {
    if (It->first != Name && It->second.Defs > 0) {
      ++It;
      continue;
    }
    Rest.Files.insert(Rest.Files.end(), It->second.Files.begin(), It->second.Files.end());
    Rest.Defs += It->second.Defs;
    It = Children.erase(It);
  }
  if (!Rest.Files.empty())
    Children[Name] = std::move(Rest);
  return Children;
}

/// Automatic boxes: from the uniform depth, the box with the most
/// definitions per box its split adds is split into its subfolders, while
/// the view keeps at most MaxBoxes boxes. A uniform depth is blind to where
/// the code is: on llama.cpp depth 2 has more than 40 folders (tools/ and
/// examples/ have dozens of small ones), so ggml/src, most of the code,
/// was one box of 11.
std::map<std::string, FolderBox> adaptiveBoxes(const Analysis &A) {
  std::map<std::string, size_t> Defs; // per file, as the boxes count them: live, test-only, dead
  for (const SymbolVerdict &V : A.Symbols)
    if (V.S == Status::Live || V.S == Status::TestOnly || V.S == Status::Dead)
      ++Defs[A.G.Nodes[V.Id].Where.File];
  const int Start = uniformDepth(A);
  std::map<std::string, FolderBox> Boxes;
  for (const FileVerdict &F : A.Files) {
    FolderBox &B = Boxes[boxOf(F.Path, Start)];
    B.Depth = Start;
    B.add(F.Path, Defs);
  }
  for (;;) {
    std::string Best;
    std::map<std::string, FolderBox> BestSplit;
    double BestScore = -1;
    for (const auto &[Name, Box] : Boxes) {
      std::map<std::string, FolderBox> Children = splitBox(Name, Box, Defs);
      if (Children.size() == 1 && Children.begin()->first == Name)
        continue; // no subfolder with definitions
      const size_t Added = Children.size() - 1;
      if (Boxes.size() + Added > MaxBoxes)
        continue;
      const double Score = Added ? double(Box.Defs) / double(Added) : 1e300;
      if (Score > BestScore) {
        BestScore = Score;
        Best = Name;
        BestSplit = std::move(Children);
      }
    }
    if (BestScore < 0)
      return Boxes;
    Boxes.erase(Best);
    Boxes.merge(BestSplit);
  }
}

/// A box per file: depth 0, or automatic with at most MaxBoxes files.
bool boxPerFile(const Analysis &A, int Depth) {
  return Depth == 0 || (Depth == AutoDepth && A.Files.size() <= MaxBoxes);
}

/// Each file's box: itself, its folder at a chosen depth, or the automatic
/// folder boxes.
std::map<std::string, std::string> boxesOfFiles(const Analysis &A, int Depth) {
  std::map<std::string, std::string> Out;
  if (Depth == AutoDepth && !boxPerFile(A, Depth)) {
    for (const auto &[Name, Box] : adaptiveBoxes(A))
      for (const std::string &F : Box.Files)
        Out[F] = Name;
    return Out;
  }
  for (const FileVerdict &F : A.Files)
    Out[F.Path] = boxOf(F.Path, boxPerFile(A, Depth) ? 0 : Depth);
  return Out;
}

/// Green with no dead code, red when most is dead, orange between.
std::string boxFill(const Counts &C) {
  size_t All = C.Live + C.TestOnly + C.Dead;
  if (All == 0)
    return C.Orphaned ? statusColor(Status::Orphaned) : statusColor(Status::Live);
  if (C.Dead * 2 > All)
    return statusColor(Status::Dead);
  if (C.Dead || C.Orphaned)
    return "#f5b971";
  return C.TestOnly * 2 > All ? statusColor(Status::TestOnly) : statusColor(Status::Live);
}

/// The box's name inside its top folder's cluster, which names the top.
std::string boxLabel(const std::string &Box, const std::string &Cluster, const Counts &C) {
  size_t All = C.Live + C.TestOnly + C.Dead;
  std::string L = Box == "/" ? "(root)/" : Cluster.empty() ? Box : Box.substr(Cluster.size() + 1);
  L += "\n" + std::to_string(C.Files) + (C.Files == 1 ? " file, " : " files, ") + std::to_string(All) + " defs";
  L += "\n" + std::to_string(C.Live) + " live";
  if (C.TestOnly)
    L += ", " + std::to_string(C.TestOnly) + " test-only";
  if (C.Dead)
    L += ", " + std::to_string(C.Dead) + " dead (" + std::to_string(All ? C.Dead * 100 / All : 0) + "%)";
  if (C.Orphaned)
    L += "\n" + std::to_string(C.Orphaned) + " orphaned";
  return L;
}

void addLegend(DrawGraph &D, bool Folders) {
  auto Key = [&](const char *Id, const std::string &Label, std::string Fill, bool Emphasis = false) {
    D.Legend.push_back({std::string("legend:") + Id, Label, std::move(Fill), "", "", "", Emphasis});
  };
  Key("live", "live", statusColor(Status::Live));
  Key("test-only", "test-only", statusColor(Status::TestOnly));
  Key("dead", Folders ? "mostly dead" : "dead", statusColor(Status::Dead));
  if (Folders)
    Key("mixed", "some dead or orphaned", "#f5b971");
  Key("orphaned", "orphaned", statusColor(Status::Orphaned));
  Key("entry", "holds an entry point", "#ffffff", true);
  Key("edge", "edge label: references", "#ffffff");
}

} // namespace

DrawGraph drawModules(const Analysis &A, int Depth) {
  const Graph &G = A.G;
  const std::map<std::string, std::string> BoxOfFile = boxesOfFiles(A, Depth);
  const bool PerFile = boxPerFile(A, Depth);
  DrawGraph D;
  D.Name = "modules";
  D.LeftToRight = true;
  D.FolderClusters = true;
  std::map<std::string, Counts> PerBox;
  for (const FileVerdict &F : A.Files) {
    const std::string &Box = BoxOfFile.at(F.Path);
    ++PerBox[Box].Files;
    PerBox[Box].Orphaned += F.S == Status::Orphaned;
  }
  for (const SymbolVerdict &V : A.Symbols) {
    auto It = BoxOfFile.find(G.Nodes[V.Id].Where.File);
    if (It == BoxOfFile.end())
      continue;
    Counts &C = PerBox[It->second];
    C.Live += V.S == Status::Live;
    C.TestOnly += V.S == Status::TestOnly;
    C.Dead += V.S == Status::Dead;
  }
  std::set<std::string> EntryBoxes;
  for (const EntryPoint &E : A.Entries)
    if (auto It = BoxOfFile.find(G.Nodes[E.Id].Where.File); It != BoxOfFile.end())
      EntryBoxes.insert(It->second);
  if (PerFile) {
    for (const FileVerdict &F : A.Files) {
      std::string Label = F.Path.substr(F.Path.rfind('/') == std::string::npos ? 0 : F.Path.rfind('/') + 1);
      const Counts &C = PerBox[F.Path];
      if (C.Live + C.TestOnly + C.Dead) {
        Label += "\n" + std::to_string(C.Live) + " live";
        if (C.TestOnly)
          Label += ", " + std::to_string(C.TestOnly) + " test-only";
        if (C.Dead)
          Label += ", " + std::to_string(C.Dead) + " dead";
      }
      bool Entry = EntryBoxes.count(F.Path);
      D.Nodes.push_back({F.Path, Label, statusColor(F.S), folderOf(F.Path),
                         F.Path + ": " + toString(F.S) + (Entry ? " (entry point)" : ""), toString(F.S), Entry});
    }
  } else {
    for (const auto &[Box, C] : PerBox) {
      std::string Top = Box.substr(0, Box.find('/'));
      std::string Cluster = Top + "/" == Box ? "" : Top; // a top folder's own box stands alone
      D.Nodes.push_back({Box, boxLabel(Box, Cluster, C), boxFill(C), Cluster,
                         Box + ": " + std::to_string(C.Files) + " files", "folder", EntryBoxes.count(Box) > 0});
    }
  }
  // One edge per pair of boxes, labelled with how many references it stands for.
  std::map<std::pair<std::string, std::string>, size_t> Refs;
  for (unsigned From = 0; From < G.Nodes.size(); ++From) {
    auto FB = BoxOfFile.find(G.Nodes[From].Where.File);
    if (!G.Nodes[From].Project || FB == BoxOfFile.end())
      continue;
    for (const GraphEdge &E : G.Out[From]) {
      auto TB = BoxOfFile.find(G.Nodes[E.To].Where.File);
      if (E.Kind != EdgeKind::Member && G.Nodes[E.To].Project && TB != BoxOfFile.end() && TB->second != FB->second)
        ++Refs[{FB->second, TB->second}];
    }
  }
  for (const auto &[Key, Count] : Refs)
    D.Edges.push_back({Key.first, Key.second, std::to_string(Count), false});
  addLegend(D, !PerFile);
  return D;
}

} // namespace reach
