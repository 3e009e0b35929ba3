#!/usr/bin/env python3
"""What the bench scripts read from `reach-run bench`'s output (stdin), in one
place, so that a test (test/e2e/bench_scripts_read_reach_run.sh) holds it to
what reach-run prints: a changed line fails there, not in the middle of a
measurement. Exits 1 naming the line it did not find.

  reach_bench_rows.py summary PP TG    -> "KV PP_CELL TG_CELL BYTES": the KV
      cache's type (lower case), the rows' "mean±sd" cells of tests PP and
      TG (e.g. pp512, tg128) and the weight bytes one decode step reads
  reach_bench_rows.py roofline TYPE TG -> bench_vs_llama_cpp.sh's last table's
      row for a --roofline run of test TG
  reach_bench_rows.py rate TEST          -> test TEST's mean t/s (e.g. tg64,
      or "tg64 @ d2048" after -d 2048), for depth_vs_llama_cpp.sh and
      prefetch_sweep.sh
  reach_bench_rows.py weight_bytes       -> the weight bytes one decode step
      reads, for prefetch_sweep.sh
  reach_bench_rows.py cpu                -> the CPU's identity as reach-run
      chose its parameters by (vendor, family, model), for prefetch_sweep.sh
"""
import re
import sys


def found(pattern, text, what):
    m = re.search(pattern, text, re.M)
    if not m:
        sys.exit("reach_bench_rows.py: no %s in reach-run bench's output:\n%s" % (what, text))
    return m


def cell(test, text):
    """Test `test`'s row: its mean and standard deviation, as printed."""
    m = found(r"^\|[^|\n]*\|[^|\n]*\|[^|\n]*\|[^|\n]*\| %s \| ([0-9.]+) ± ([0-9.]+) \|$" % re.escape(test), text,
              "row of test " + test)
    return m[1], m[2]


def rate(text, test):
    return cell(test, text)[0]


def weight_bytes(text):
    return found(r"^weight_bytes_per_token: ([0-9]+)$", text, "weight_bytes_per_token line")[1]


def cpu(text):
    return found(r"^cpu: (.+)$", text, "cpu line")[1]


def summary(text, pp, tg):
    kv = found(r"^kv_cache: (\S+)$", text, "kv_cache line")[1].lower()
    return "%s %s±%s %s±%s %s" % (kv, *cell(pp, text), *cell(tg, text), weight_bytes(text))


def roofline(text, type_name, tg):
    r = found(r"^roofline: " + re.escape(tg) + r", .* decode ([0-9.]+) GB/s \(weights and [0-9.]+ KiB of KV cache "
              r"a token\), best read ([0-9.]+) GB/s \(([^)]+)\); decode's share ([0-9.]+)% \(each repetition ([^;]+);",
              text, "roofline line of " + tg)
    return "| %s | %s ± %s | %s | %s (%s) | %s%% (%s) |" % (type_name, *cell(tg, text), r[1], r[2], r[3], r[4], r[5])


if __name__ == "__main__":
    args, text = sys.argv[1:], sys.stdin.read()
    if len(args) == 3 and args[0] == "summary":
        print(summary(text, args[1], args[2]))
    elif len(args) == 3 and args[0] == "roofline":
        print(roofline(text, args[1], args[2]))
    elif len(args) == 2 and args[0] == "rate":
        print(rate(text, args[1]))
    elif args == ["weight_bytes"]:
        print(weight_bytes(text))
    elif args == ["cpu"]:
        print(cpu(text))
    else:
        sys.exit(__doc__)
