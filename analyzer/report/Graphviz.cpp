#include "report/Graphviz.h"

#include <graphviz/cgraph.h>
#include <graphviz/gvc.h>

#include <cstdio>
#include <cstdlib>
#include <map>

namespace reach {

const char *statusColor(Status S) {
  switch (S) {
  case Status::Live: return "#8fd18f";
  case Status::TestOnly: return "#f2d16b";
  case Status::Dead: return "#ef8a7a";
  case Status::Unknown: return "#d9d9d9";
  case Status::Orphaned: return "#b0b0b0";
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

Agraph_t *cluster(Agraph_t *Root, std::map<std::string, Agraph_t *> &Clusters, const std::string &Path) {
  if (Path.empty())
    return Root;
  if (auto It = Clusters.find(Path); It != Clusters.end())
    return It->second;
  size_t Slash = Path.rfind('/');
  Agraph_t *Parent = cluster(Root, Clusters, Slash == std::string::npos ? "" : Path.substr(0, Slash));
  std::string Name = "cluster_" + Path;
  Agraph_t *Sub = agsubg(Parent, cs(Name), 1);
  set(Sub, "label", (Slash == std::string::npos ? Path : Path.substr(Slash + 1)) + "/");
  set(Sub, "style", "rounded");
  set(Sub, "color", "#999999");
  Clusters[Path] = Sub;
  return Sub;
}

} // namespace

bool renderGraph(const DrawGraph &D, const std::string &Format, std::string &Out, std::string &Error) {
  // Declare every attribute on the root first, so subgraphs, nodes and edges
  // share one set of defaults and the DOT text does not depend on order.
  Agraph_t *G = agopen(cs(D.Name), Agdirected, nullptr);
  agattr(G, AGRAPH, cs("rankdir"), cs(D.LeftToRight ? "LR" : "TB"));
  agattr(G, AGRAPH, cs("fontname"), cs("Helvetica"));
  agattr(G, AGNODE, cs("shape"), cs("box"));
  agattr(G, AGNODE, cs("style"), cs("filled"));
  agattr(G, AGNODE, cs("fontname"), cs("Helvetica"));
  agattr(G, AGEDGE, cs("fontname"), cs("Helvetica"));
  agattr(G, AGEDGE, cs("fontsize"), cs("10"));
  std::map<std::string, Agraph_t *> Clusters;
  std::map<std::string, Agnode_t *> Nodes;
  for (const DrawNode &N : D.Nodes) {
    Agnode_t *V = agnode(cluster(G, Clusters, N.Cluster), cs(N.Id), 1);
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
