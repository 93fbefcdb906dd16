#!/usr/bin/env bash
# Instructions per search of `sourcier eval`, counted by valgrind's callgrind: unlike time,
# the count does not move with the machine's load, so it tells a 3 % change from noise on a
# shared machine. For one binary or two compared.
#
#   bench/eval_instructions.sh BIN [BIN_B] [QUERIES]
#
# Counts the instructions spent in `Engine::search` over the evaluation queries (QUERIES,
# tests/eval/queries.jsonl by default), one-time initialisations (the thesaurus) left out, on
# an index of the default corpus built once in target/eval-time-index (with the first
# binary). Prints the total and the mean per query; with two binaries, B/A. Needs valgrind
# (Debian: valgrind).
# Instructions are not time (a cache miss costs more than an addition): confirm a change
# with bench/eval_time.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 1 ] || { echo "usage: bench/eval_instructions.sh BIN [BIN_B] [QUERIES]" >&2; exit 2; }
bins=("$1")
if [ $# -ge 2 ] && [ -x "$2" ]; then bins+=("$2"); shift; fi
queries=${2:-tests/eval/queries.jsonl}
index=target/eval-time-index
[ -f "$index/CURRENT" ] || "${bins[0]}" ingest --corpus corpus --index "$index" >/dev/null 2>&1
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
n=$(grep -c . "$queries")
totals=()
for k in "${!bins[@]}"; do
    valgrind --tool=callgrind --callgrind-out-file="$out/$k.out" \
        --toggle-collect='sourcier::search::Engine::search' \
        --toggle-collect='std::sync::once_lock::OnceLock<T>::initialize' \
        --collect-atstart=no \
        "${bins[$k]}" eval --index "$index" --queries "$queries" \
        --answers /dev/null --figures /dev/null >/dev/null 2>"$out/$k.err"
    total=$(callgrind_annotate "$out/$k.out" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}')
    totals+=("$total")
    echo "${bins[$k]}: $total instructions, $((total / n)) per query ($n queries)"
done
if [ ${#totals[@]} -eq 2 ]; then
    python3 -c "print(f'B/A: {${totals[1]} / ${totals[0]}:.3f}')"
fi
