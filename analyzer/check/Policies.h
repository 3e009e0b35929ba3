// Policies from reach.yaml, evaluated over the linked graph:
//  - forbid {from: GLOB, to: GLOB}: any reference from a definition in a
//    `from` file to a definition in a `to` file is a violation.
//  - single-implementation {base: CLASS, per: backend}: more than one live
//    concrete implementation of CLASS in the same group is a violation.
//    A live implementation is a class derived (directly or not) from CLASS
//    that live code constructs. Groups (`per`):
//      backend  the folder right under the nearest `kernels/` folder of the
//               class's file (runtime/kernels/cpu/x.cpp -> "cpu"); files
//               with no `kernels/` folder are grouped by their own folder
//      folder   the class's folder
//      (empty)  the whole program
#pragma once

#include "check/Findings.h"

namespace reach {

/// Appends violations to Out; false (and Error) for a policy that names
/// something that does not exist.
bool evaluatePolicies(const Analysis &A, const Rules &R, std::vector<Finding> &Out, std::string &Error);

/// The group a file belongs to under `per` (see above).
std::string implementationGroup(const std::string &Per, const std::string &File);

} // namespace reach
