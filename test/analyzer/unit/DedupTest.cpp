// SummaryDedup (#20, memory): linking the deduplicated summaries gives the
// graph linking the originals gives, USRs defined at several places
// included.
#include "extract/Dedup.h"
#include "graph/Graph.h"

#include <gtest/gtest.h>

#include <set>

using namespace reach;

namespace {

Node defined(std::string Usr, std::string File) {
  Node N;
  N.Usr = N.Name = std::move(Usr);
  N.Signature = "()";
  N.Where.File = std::move(File);
  N.RangeEnd = {N.Where.File, 3, 1, 40};
  return N;
}

Edge call(std::string From, std::string To) { return {std::move(From), std::move(To), EdgeKind::Call, {}}; }

TUSummary tu(std::vector<Node> Nodes, std::vector<Edge> Edges) {
  TUSummary S;
  S.Nodes = std::move(Nodes);
  S.Edges = std::move(Edges);
  return S;
}

/// Every linked node and edge as text: "from -> to".
std::set<std::string> shape(const Graph &G) {
  std::set<std::string> R;
  for (unsigned I = 0; I < G.Nodes.size(); ++I) {
    R.insert("node " + G.Nodes[I].Usr);
    for (const GraphEdge &E : G.Out[I])
      R.insert(G.Nodes[I].Usr + " -> " + G.Nodes[E.To].Usr);
  }
  return R;
}

std::vector<TUSummary> deduplicated(std::vector<TUSummary> TUs) {
  SummaryDedup D;
  for (size_t I = 0; I < TUs.size(); ++I)
    D.absorb(TUs, I);
  D.finish(TUs);
  return TUs;
}

TEST(SummaryDedup, HeaderDefinitionsAndTheirEdgesAreKeptOnce) {
  std::vector<TUSummary> TUs = {
      tu({defined("main", "a.cpp"), defined("inl", "h.h"), defined("leaf", "h.h")},
         {call("main", "inl"), call("inl", "leaf")}),
      tu({defined("other", "b.cpp"), defined("inl", "h.h"), defined("leaf", "h.h")},
         {call("other", "inl"), call("inl", "leaf")}),
  };
  std::vector<TUSummary> D = deduplicated(TUs);
  EXPECT_EQ(D[1].Nodes.size(), 1u); // only `other`: inl and leaf were seen
  EXPECT_EQ(D[1].Edges.size(), 1u); // only other -> inl
  EXPECT_EQ(shape(link(D)), shape(link(TUs)));
}

// `main` is defined in a.cpp and b.cpp (two programs), and a.cpp is compiled
// twice (two targets). The second a.cpp TU drops its `main` as a copy; once b
// shows `main` is defined twice, that TU gets it back, so its edges link to
// a.cpp's main only, not to b.cpp's too.
TEST(SummaryDedup, UsrDefinedAtSeveralPlacesLinksToEachTUsOwn) {
  std::vector<TUSummary> TUs = {
      tu({defined("main", "a.cpp"), defined("fa", "a.cpp")}, {call("main", "fa")}),
      tu({defined("main", "a.cpp"), defined("fa", "a.cpp"), defined("extra_a", "a.cpp")},
         {call("main", "fa"), call("main", "extra_a")}),
      tu({defined("main", "b.cpp"), defined("fb", "b.cpp")}, {call("main", "fb")}),
  };
  std::vector<TUSummary> D = deduplicated(TUs);
  Graph Original = link(TUs), Deduped = link(D);
  EXPECT_EQ(shape(Deduped), shape(Original));
  EXPECT_TRUE(Deduped.Nodes == Original.Nodes) << "a copy handed back is never a node of its own";
  EXPECT_TRUE(shape(Deduped).count("main@a.cpp -> extra_a"));
  EXPECT_FALSE(shape(Deduped).count("main@b.cpp -> extra_a"));
}

TEST(SummaryDedup, FailedTUsAreKeptWhole) {
  std::vector<TUSummary> TUs = {
      tu({defined("inl", "h.h")}, {}),
      tu({defined("inl", "h.h")}, {call("inl", "x")}),
  };
  TUs[1].Failed = true;
  std::vector<TUSummary> D = deduplicated(TUs);
  EXPECT_EQ(D[1].Nodes.size(), 1u);
  EXPECT_EQ(D[1].Edges.size(), 1u);
}

} // namespace
