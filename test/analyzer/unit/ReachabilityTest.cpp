// RTA on hand-built summaries, without parsing C++.
#include "graph/Graph.h"
#include "graph/Reachability.h"

#include <gtest/gtest.h>

using namespace reach;

namespace {
Node node(std::string Usr, NodeKind K = NodeKind::Function, std::string Parent = "") {
  Node N;
  N.Usr = N.Name = std::move(Usr);
  N.Kind = K;
  N.Parent = std::move(Parent);
  return N;
}
} // namespace

TEST(Reachability, VirtualCallNeedsInstantiatedClass) {
  TUSummary S;
  S.Nodes = {node("main"), node("B", NodeKind::Class), node("C", NodeKind::Class),
             node("D", NodeKind::Class), node("C::f", NodeKind::Method, "C"),
             node("D::f", NodeKind::Method, "D"), node("make")};
  S.Overrides = {{"C::f", "B::f", false}, {"D::f", "B::f", false}};
  S.Edges = {{"main", "B::f", EdgeKind::VirtualCall, {}},
             {"main", "make", EdgeKind::Call, {}},
             {"make", "C", EdgeKind::Construction, {}}};
  std::vector<TUSummary> TUs{S};
  Graph G = link(TUs);
  Reach R = computeReach(G, {*G.find("main")});
  EXPECT_TRUE(R.reached(*G.find("C::f")));
  EXPECT_FALSE(R.reached(*G.find("D::f")));
  std::vector<unsigned> P = R.path(*G.find("C::f"));
  ASSERT_EQ(P.size(), 2u);
  EXPECT_EQ(G.Nodes[P[0]].Name, "main");
}

TEST(Reachability, InlineFunctionsLinkAcrossTUs) {
  TUSummary A, B;
  A.Nodes = {node("main"), node("inl")};
  A.Edges = {{"main", "inl", EdgeKind::Call, {}}};
  B.Nodes = {node("inl"), node("g")};
  B.Edges = {{"inl", "g", EdgeKind::Call, {}}};
  std::vector<TUSummary> TUs{A, B};
  Graph G = link(TUs);
  EXPECT_EQ(G.Nodes.size(), 3u);
  Reach R = computeReach(G, {*G.find("main")});
  EXPECT_TRUE(R.reached(*G.find("g")));
}

// blast's question: what is reached once some nodes are deleted. A removed
// node is not reached, nothing is reached through it, and a dispatched call
// does not go into a removed override, though its class is still made.
TEST(Reachability, RemovedNodesAreOutOfTheGraph) {
  TUSummary S;
  S.Nodes = {node("main"), node("B", NodeKind::Class), node("C", NodeKind::Class),
             node("C::f", NodeKind::Method, "C"), node("mid"), node("leaf"), node("other")};
  S.Overrides = {{"C::f", "B::f", false}};
  S.Edges = {{"main", "B::f", EdgeKind::VirtualCall, {}},
             {"main", "C", EdgeKind::Construction, {}},
             {"main", "mid", EdgeKind::Call, {}},
             {"main", "other", EdgeKind::Call, {}},
             {"mid", "leaf", EdgeKind::Call, {}},
             {"other", "leaf", EdgeKind::Call, {}}};
  std::vector<TUSummary> TUs{S};
  Graph G = link(TUs);
  std::vector<char> Removed(G.Nodes.size(), 0);
  Removed[*G.find("mid")] = Removed[*G.find("C::f")] = 1;
  Reach R = computeReach(G, {*G.find("main")}, Removed);
  EXPECT_FALSE(R.reached(*G.find("mid")));
  EXPECT_FALSE(R.reached(*G.find("C::f")));
  EXPECT_TRUE(R.instantiated(*G.find("C")));
  ASSERT_TRUE(R.reached(*G.find("leaf"))); // still through other
  EXPECT_EQ(G.Nodes[unsigned(R.Pred[*G.find("leaf")])].Name, "other");
  Removed[*G.find("other")] = 1;
  EXPECT_FALSE(computeReach(G, {*G.find("main")}, Removed).reached(*G.find("leaf")));
  Removed[*G.find("main")] = 1; // a removed root is no root
  EXPECT_FALSE(computeReach(G, {*G.find("main")}, Removed).reached(*G.find("main")));
  // Without removals, everything is reached.
  Reach All = computeReach(G, {*G.find("main")});
  EXPECT_TRUE(All.reached(*G.find("mid")) && All.reached(*G.find("C::f")));
}
