// What a user types for a symbol (why, blast, fix --symbol) to the project
// definitions it names:
//   - a USR;
//   - a qualified name, where names inside anonymous namespaces match
//     without spelling "(anonymous namespace)::";
//   - a qualified name with a parameter list, `ns::f(int, const char *)`,
//     for one overload (spaces do not matter);
//   - `file:line` (root-relative), the innermost definition around the line.
// And, for a miss, the names it was probably meant to be.
#pragma once

#include "graph/Graph.h"

#include <string>
#include <vector>

namespace reach {

/// Name with every "(anonymous namespace)::" dropped: how a user (and a
/// rule's regex) spells a name inside an anonymous namespace.
std::string withoutAnonymousNamespaces(std::string Name);

/// Project definitions Query names (several for overloads or same-named
/// statics in different files); empty for a miss.
std::vector<unsigned> lookupSymbol(const Graph &G, const std::string &Query);

/// Up to Max project definitions whose names are close to Query: the same
/// last component in another scope, names containing it, and names within a
/// few typed letters of it; nearest first.
std::vector<unsigned> nearSymbols(const Graph &G, const std::string &Query, size_t Max);

} // namespace reach
