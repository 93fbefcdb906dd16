#!/usr/bin/env bash
# Time per query of `sourcier eval` (each evaluation query once, in a fresh process), for one
# binary or two compared, on a shared machine.
#
#   bench/eval_time.sh [ROUNDS] BIN [BIN_B]
#
# Runs `eval --json` ROUNDS times per binary (8 by default), alternating the two, on an index
# of the default corpus built once in target/eval-time-index (with the first binary). Prints
# per binary: the median of the runs' own medians and p99s (what one `sourcier eval` prints),
# and, per query, the fastest of its ROUNDS times: the machine's noise only ever adds time, so
# the median and p99 of those bests say what the code costs. With two binaries, B/A of both.
# Needs python3.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=8
if [[ "${1:-}" =~ ^[0-9]+$ ]]; then rounds=$1; shift; fi
[ $# -ge 1 ] || { echo "usage: bench/eval_time.sh [ROUNDS] BIN [BIN_B]" >&2; exit 2; }
bins=("$@")
index=target/eval-time-index
[ -f "$index/CURRENT" ] || "${bins[0]}" ingest --corpus corpus --index "$index" >/dev/null 2>&1
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# Rounds alternate the order, A B then B A, so that neither binary always runs second: a
# drift in the machine's speed then favours neither.
for i in $(seq 1 "$rounds"); do
    order=("${!bins[@]}")
    if (( i % 2 == 0 )); then order=($(printf '%s\n' "${order[@]}" | tac)); fi
    for k in "${order[@]}"; do
        "${bins[$k]}" eval --index "$index" --json >"$out/$k.$i.json" 2>/dev/null
    done
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$out" "$rounds" "${bins[@]}" <<'PY'
import json, statistics, sys
out, rounds, bins = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
figures = []
for k, binary in enumerate(bins):
    runs = [json.load(open(f"{out}/{k}.{i}.json")) for i in range(1, rounds + 1)]
    n = len(runs[0]["outcomes"])
    best = sorted(min(r["outcomes"][j]["took_ms"] for r in runs) for j in range(n))
    at = lambda p: best[round((n - 1) * p)]
    medians = sorted(r["median_ms"] for r in runs)
    p99s = sorted(r["p99_ms"] for r in runs)
    figures.append((statistics.median(medians), at(0.5)))
    print(f"{'AB'[k]} {binary}")
    print(f"  runs ({rounds}): median {statistics.median(medians):.3f} ms "
          f"(from {medians[0]:.3f} to {medians[-1]:.3f}), p99 {statistics.median(p99s):.2f} ms "
          f"(from {p99s[0]:.2f} to {p99s[-1]:.2f})")
    print(f"  per query, best of {rounds}: median {at(0.5):.3f} ms, p90 {at(0.9):.3f} ms, "
          f"p99 {at(0.99):.3f} ms ({n} queries)")
if len(figures) == 2:
    (a_run, a_best), (b_run, b_best) = figures
    print(f"B/A: runs' median {b_run / a_run:.3f}, per-query best median {b_best / a_best:.3f}")
PY
