#include "fix/UnifiedDiff.h"

#include <algorithm>
#include <vector>

namespace reach {
namespace {

std::vector<std::string> lines(const std::string &S) {
  std::vector<std::string> R;
  size_t B = 0;
  while (B < S.size()) {
    size_t E = S.find('\n', B);
    if (E == std::string::npos) {
      R.push_back(S.substr(B)); // no newline at end of file
      break;
    }
    R.push_back(S.substr(B, E - B + 1));
    B = E + 1;
  }
  return R;
}

enum Op : char { Same = ' ', Del = '-', Add = '+' };

/// Myers' O(ND) shortest edit script; deletions make D small.
std::vector<Op> editScript(const std::vector<std::string> &A, const std::vector<std::string> &B) {
  int N = int(A.size()), M = int(B.size()), Max = N + M, Off = Max + 1;
  std::vector<int> V(2 * Max + 3, 0);
  std::vector<std::vector<int>> Trace;
  int Found = -1;
  for (int D = 0; D <= Max && Found < 0; ++D) {
    // Only diagonals -D..D can matter at step D: keep that slice (memory D^2).
    Trace.emplace_back(V.begin() + Off - D, V.begin() + Off + D + 1);
    for (int K = -D; K <= D; K += 2) {
      int X = (K == -D || (K != D && V[Off + K - 1] < V[Off + K + 1])) ? V[Off + K + 1]
                                                                      : V[Off + K - 1] + 1;
      int Y = X - K;
      while (X < N && Y < M && A[X] == B[Y])
        ++X, ++Y;
      V[Off + K] = X;
      if (X >= N && Y >= M) {
        Found = D;
        break;
      }
    }
  }
  std::vector<Op> Ops;
  int X = N, Y = M;
  for (int D = Found; D > 0; --D) {
    const std::vector<int> &S = Trace[D];
    auto P = [&](int K) { return S[K + D]; };
    int K = X - Y;
    int PrevK = (K == -D || (K != D && P(K - 1) < P(K + 1))) ? K + 1 : K - 1;
    int PX = P(PrevK), PY = PX - PrevK;
    while (X > PX && Y > PY)
      Ops.push_back(Same), --X, --Y;
    Ops.push_back(X == PX ? Add : Del);
    X = PX, Y = PY;
  }
  while (X > 0 && Y > 0)
    Ops.push_back(Same), --X, --Y;
  std::reverse(Ops.begin(), Ops.end());
  return Ops;
}

} // namespace

std::string unifiedDiff(const std::string &Path, const std::string &Before,
                        const std::string &After, bool Removed) {
  std::vector<std::string> A = lines(Before), B = lines(After);
  std::vector<Op> Ops = Removed ? std::vector<Op>(A.size(), Del) : editScript(A, B);
  std::string Out = "--- a/" + Path + "\n+++ " + (Removed ? std::string("/dev/null") : "b/" + Path) + "\n";
  const int Context = 3;
  size_t I = 0;
  // Positions of each op in A and B.
  std::vector<int> PA(Ops.size() + 1), PB(Ops.size() + 1);
  for (size_t J = 0; J < Ops.size(); ++J) {
    PA[J + 1] = PA[J] + (Ops[J] != Add);
    PB[J + 1] = PB[J] + (Ops[J] != Del);
  }
  while (I < Ops.size()) {
    while (I < Ops.size() && Ops[I] == Same)
      ++I;
    if (I == Ops.size())
      break;
    size_t Start = I >= size_t(Context) ? I - Context : 0, End = I;
    // Extend the hunk while changes are within 2*Context lines of each other.
    for (size_t J = I; J < Ops.size(); ++J) {
      if (Ops[J] != Same) {
        End = J + 1;
        continue;
      }
      if (J - End + 1 > size_t(2 * Context))
        break;
    }
    size_t Stop = std::min(Ops.size(), End + Context);
    int LenA = PA[Stop] - PA[Start], LenB = PB[Stop] - PB[Start];
    auto Range = [](int From, int Len) {
      return std::to_string(Len == 0 ? From : From + 1) + "," + std::to_string(Len);
    };
    Out += "@@ -" + Range(PA[Start], LenA) + " +" + Range(PB[Start], LenB) + " @@\n";
    for (size_t J = Start; J < Stop; ++J) {
      const std::string &L = Ops[J] == Add ? B[PB[J]] : A[PA[J]];
      Out += char(Ops[J]);
      Out += L;
      if (L.empty() || L.back() != '\n')
        Out += "\n\\ No newline at end of file\n";
    }
    I = Stop;
  }
  return Out;
}

} // namespace reach
