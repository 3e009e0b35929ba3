// Drawing through the Graphviz libraries: a plain description of a graph
// (nodes, nested clusters, edges) turned into a cgraph graph and written as
// DOT (unlaid-out, stable for golden files) or laid out with `dot` and
// rendered to SVG by gvc.
#pragma once

#include "graph/Analysis.h"

#include <string>
#include <vector>

namespace reach {

struct DrawNode {
  std::string Id;       // unique; USR or path
  std::string Label;
  std::string Fill;     // colour, "#rrggbb"
  std::string Cluster;  // '/'-separated nesting of clusters, "" for none
  std::string Tooltip;
  std::string Status;   // class="status-..." in SVG, so tests and CSS can find it
  bool Emphasis = false;// entry point or member of the set: drawn with a double border
};

struct DrawEdge {
  std::string From, To, Label;
  bool Dashed = false;
};

struct DrawGraph {
  std::string Name;
  std::vector<DrawNode> Nodes;
  std::vector<DrawEdge> Edges;
  bool LeftToRight = false;
  bool FolderClusters = false; // clusters are folders: label them "name/"
  std::vector<DrawNode> Legend; // drawn apart in a cluster labelled "legend"
};

/// Fill colour per verdict (shared by every drawing and the HTML legend).
const char *statusColor(Status S);

/// Format "dot" or "svg". Returns false and sets Error when Graphviz fails.
bool renderGraph(const DrawGraph &D, const std::string &Format, std::string &Out, std::string &Error);

} // namespace reach
