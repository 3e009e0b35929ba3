#include "report/Graphviz.h"

#include <graphviz/cgraph.h>
#include <graphviz/gvc.h>

#include <cstdio>
#include <cstdlib>
#include <vector>
#include <map>
#include <unordered_map>

namespace reach {

const char *statusColor(Status S) {
  switch (S) {
  case Status::Live: return "#8fd18f";
  case Status::TestOnly: return "#f2d16b";
  case Status::Dead: return "#ef8a7a";
  case Status::Unknown: return "#d9d9d9";
  case Status::Orphaned: return "#b0b0b0";
  case Status::UnbuiltHere: return "#c8d7e8";
  }
  return "#ffffff";
}

namespace {

// cgraph's API takes char* for names it never modifies.
char *cs(const std::string &S) { return const_cast<char *>(S.c_str()); }
char *cs(const char *S) { return const_cast<char *>(S); }

void set(void *Obj, const char *Name, const std::string &Value) {
  agsafeset(Obj, cs(Name), cs(Value), cs(""));
}

// cgraph's default IDs for named objects are the addresses of their
// interned names, and agwrite orders subgraphs and nodes by ID: the DOT text
// would depend on the heap. This discipline numbers objects in creation
// order instead, so the same drawing always gives the same DOT.
struct SequentialIds {
  Agraph_t *G;
  std::vector<char *> Names; // interned with agstrdup: cgraph reads their header
  std::unordered_map<std::string, IDTYPE> ByName;
  IDTYPE NextAnonymous = 1;  // odd: anonymous; even: named (as cgraph does)
};

void *idOpen(Agraph_t *G, Agdisc_t *) { return new SequentialIds{G, {}, {}, 1}; }
long idMap(void *State, int, char *Str, IDTYPE *Id, int Create) {
  auto *S = static_cast<SequentialIds *>(State);
  if (!Str) {
    *Id = S->NextAnonymous;
    S->NextAnonymous += 2;
    return 1;
  }
  if (auto It = S->ByName.find(Str); It != S->ByName.end()) {
    *Id = It->second;
    return 1;
  }
  if (!Create)
    return 0;
  S->Names.push_back(agstrdup(S->G, Str));
  *Id = IDTYPE(2 * S->Names.size());
  S->ByName.emplace(Str, *Id);
  return 1;
}
long idAlloc(void *, int, IDTYPE) { return 0; } // callers never pick IDs here
void idFree(void *, int, IDTYPE) {}
char *idPrint(void *State, int, IDTYPE Id) {
  auto *S = static_cast<SequentialIds *>(State);
  if (Id % 2 == 1 || Id / 2 == 0 || Id / 2 > S->Names.size())
    return nullptr;
  return S->Names[Id / 2 - 1];
}
void idClose(void *State) {
  auto *S = static_cast<SequentialIds *>(State);
  for (char *N : S->Names)
    agstrfree(S->G, N);
  delete S;
}
void idRegister(void *, int, void *) {}

Agiddisc_t SequentialIdDisc = {idOpen, idMap, idAlloc, idFree, idPrint, idClose, idRegister};

Agraph_t *cluster(Agraph_t *Root, std::map<std::string, Agraph_t *> &Clusters, const std::string &Path,
                  bool Folders) {
  if (Path.empty())
    return Root;
  if (auto It = Clusters.find(Path); It != Clusters.end())
    return It->second;
  size_t Slash = Path.rfind('/');
  Agraph_t *Parent =
      cluster(Root, Clusters, Slash == std::string::npos ? "" : Path.substr(0, Slash), Folders);
  std::string Name = "cluster_" + Path;
  Agraph_t *Sub = agsubg(Parent, cs(Name), 1);
  set(Sub, "label", (Slash == std::string::npos ? Path : Path.substr(Slash + 1)) + (Folders ? "/" : ""));
  set(Sub, "style", "rounded");
  set(Sub, "color", "#999999");
  Clusters[Path] = Sub;
  return Sub;
}

} // namespace

bool renderGraph(const DrawGraph &D, const std::string &Format, std::string &Out, std::string &Error) {
  // Declare every attribute on the root first, so subgraphs, nodes and edges
  // share one set of defaults and the DOT text does not depend on order.
  Agdisc_t Disc = {&AgMemDisc, &SequentialIdDisc, &AgIoDisc};
  Agraph_t *G = agopen(cs(D.Name), Agdirected, &Disc);
  agattr(G, AGRAPH, cs("rankdir"), cs(D.LeftToRight ? "LR" : "TB"));
  agattr(G, AGRAPH, cs("fontname"), cs("Helvetica"));
  // The classic ranker fails ("trouble in init_rank") on large clustered
  // graphs; the newer one does not.
  agattr(G, AGRAPH, cs("newrank"), cs("true"));
  agattr(G, AGNODE, cs("shape"), cs("box"));
  agattr(G, AGNODE, cs("style"), cs("filled"));
  agattr(G, AGNODE, cs("fontname"), cs("Helvetica"));
  agattr(G, AGEDGE, cs("fontname"), cs("Helvetica"));
  agattr(G, AGEDGE, cs("fontsize"), cs("10"));
  std::map<std::string, Agraph_t *> Clusters;
  std::map<std::string, Agnode_t *> Nodes;
  for (const DrawNode &N : D.Nodes) {
    Agnode_t *V = agnode(cluster(G, Clusters, N.Cluster, D.FolderClusters), cs(N.Id), 1);
    Nodes[N.Id] = V;
    set(V, "label", N.Label);
    set(V, "fillcolor", N.Fill);
    if (!N.Tooltip.empty())
      set(V, "tooltip", N.Tooltip);
    if (!N.Status.empty())
      set(V, "class", "status-" + N.Status);
    if (N.Emphasis) {
      set(V, "peripheries", "2");
      set(V, "penwidth", "2");
    }
  }
  if (!D.Legend.empty()) {
    Agraph_t *L = agsubg(G, cs("cluster_legend"), 1);
    set(L, "label", "legend");
    set(L, "style", "rounded");
    set(L, "color", "#999999");
    for (const DrawNode &N : D.Legend) {
      Agnode_t *V = agnode(L, cs(N.Id), 1);
      set(V, "label", N.Label);
      set(V, "fillcolor", N.Fill);
      if (N.Emphasis) {
        set(V, "peripheries", "2");
        set(V, "penwidth", "2");
      }
    }
  }
  for (const DrawEdge &E : D.Edges) {
    auto F = Nodes.find(E.From), T = Nodes.find(E.To);
    if (F == Nodes.end() || T == Nodes.end())
      continue;
    Agedge_t *A = agedge(G, F->second, T->second, nullptr, 1);
    if (!E.Label.empty())
      set(A, "label", E.Label);
    if (E.Dashed)
      set(A, "style", "dashed");
  }

  bool Ok = true;
  if (Format == "dot") {
    char *Buf = nullptr;
    size_t Len = 0;
    FILE *F = open_memstream(&Buf, &Len);
    Ok = F && agwrite(G, F) == 0;
    if (F)
      std::fclose(F);
    if (Ok)
      Out.assign(Buf, Len);
    std::free(Buf);
    if (!Ok)
      Error = "Graphviz could not write the graph";
  } else {
    GVC_t *Ctx = gvContext();
    if (gvLayout(Ctx, G, "dot") != 0) {
      Error = "Graphviz could not lay out the graph (is the 'dot' layout plugin installed? run 'dot -c')";
      Ok = false;
    } else {
      char *Buf = nullptr;
      unsigned Len = 0;
      if (gvRenderData(Ctx, G, Format.c_str(), &Buf, &Len) != 0) {
        Error = "Graphviz could not render " + Format;
        Ok = false;
      } else {
        Out.assign(Buf, Len);
      }
      gvFreeRenderData(Buf);
      gvFreeLayout(Ctx, G);
    }
    gvFreeContext(Ctx);
  }
  agclose(G);
  return Ok;
}

} // namespace reach
