#!/usr/bin/env bash
# Scale benchmark: builds a corpus of about N passages (bench/scale_corpus.py: Debian's French
# and English man pages recombined, plus the default corpus), ingests it, serves it, and
# measures ingest, open, search, HTTP load, memory and CLI times. Ends with one Markdown table
# row, so runs at several N can be pasted into one table.
#
#   bench/scale.sh [--fresh] N
#
# Everything lives in target/scale/N/ (or $SCALE_DIR/N/): corpus/ is reused when it was
# generated for the same N (--fresh regenerates it), index/ is rebuilt from scratch each run,
# report.md keeps the last report, serve.log the server's stderr.
# Environment:
#   SOURCIER_BIN          binary to measure (default: `cargo build --release --locked` first)
#   SCALE_DIR             where the N/ folders go (default: target/scale)
#   SCALE_ROUNDS          passes over the query mix for took_ms (default: 5)
#   SCALE_WRK_SECONDS     wrk duration (default: 20); SCALE_WRK_CONNECTIONS (64), SCALE_WRK_THREADS (2)
#   SCALE_READY_TIMEOUT   seconds the server may take to answer /healthz (default: 7200)
#   SCALE_SPLIT_OPEN      0: skip the second start without the thesaurus (default: 1)
#   SCALE_REUSE_INDEX     1: keep the index of the last run for this N and measure serving only
# Needs python3, curl, wrk, man-db and the packages manpages-fr and manpages (installed with
# apt-get when missing and running as root).
set -euo pipefail
cd "$(dirname "$0")/.."

fresh=
n=
for arg in "$@"; do
    case $arg in
        --fresh) fresh=--fresh ;;
        -h|--help) sed -n '2,22s/^# \{0,1\}//p' "$0"; exit 0 ;;
        *[!0-9]*|'') echo "usage: bench/scale.sh [--fresh] N" >&2; exit 2 ;;
        *) n=$arg ;;
    esac
done
[ -n "$n" ] || { echo "usage: bench/scale.sh [--fresh] N" >&2; exit 2; }

say() { echo "== $*" >&2; }
now() { date +%s%N; }                                   # nanoseconds
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b - a) / 1e9 }'; }

# --- prerequisites --------------------------------------------------------------------------
apt_install() {
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        say "installing $*"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >&2 ||
            { apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >&2; }
    else
        echo "missing: $* (sudo apt-get install -y $*)" >&2
        exit 1
    fi
}
for tool in python3 curl wrk man; do
    command -v "$tool" >/dev/null || apt_install "$([ "$tool" = man ] && echo man-db || echo "$tool")"
done
for package in manpages-fr manpages; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'ok installed' ||
        apt_install manpages-fr manpages
done

if [ -n "${SOURCIER_BIN:-}" ]; then
    bin=$SOURCIER_BIN
else
    say "cargo build --release --locked"
    cargo build --release --locked -q
    bin=${CARGO_TARGET_DIR:-target}/release/sourcier
fi
[ -x "$bin" ] || { echo "no sourcier binary at $bin" >&2; exit 1; }
bin=$(realpath "$bin")

dir=${SCALE_DIR:-target/scale}/$n
corpus=$dir/corpus
index=$dir/index
mkdir -p "$dir"
dir=$(realpath "$dir")
corpus=$dir/corpus
index=$dir/index

# --- corpus ---------------------------------------------------------------------------------
# about 0.8 KB of corpus and 1.9 KB of index per passage (a third of it the figures index)
need_mb=$(( n * 27 / 10000 + 50 ))
free_mb=$(df -Pm "$dir" | awk 'NR == 2 { print $4 }')
[ "$free_mb" -ge "$need_mb" ] ||
    echo "warning: ~$need_mb MB may be needed under $dir, $free_mb MB are free" >&2
say "corpus for N=$n in $corpus"
python3 bench/scale_corpus.py --passages "$n" --out "$corpus" --bin "$bin" $fresh >"$dir/corpus.json"
corpus_bytes=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["bytes"])' "$dir/corpus.json")
corpus_files=$(find "$corpus" -type f ! -name '.*' | wc -l)
corpus_mb=$(awk -v b="$corpus_bytes" 'BEGIN { printf "%.1f", b / 1e6 }')

# --- ingest ---------------------------------------------------------------------------------
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
ingest_extra=
if [ "${SCALE_REUSE_INDEX:-0}" = 1 ] && [ -s "$dir/ingest.json" ] && [ -f "$index/CURRENT" ]; then
    # measure serving only: the index and the ingest figures of the last run
    say "reusing the index in $index and the ingest figures of $dir/ingest.json"
    ingest_extra="; ingest figures from the earlier run (SCALE_REUSE_INDEX=1)"
else
    say "ingest (from scratch) into $index"
    rm -rf "$index"
    if [ -x /usr/bin/time ]; then  # GNU time: peak RSS and CPU seconds too
        /usr/bin/time -f '%M %U %S' -o "$dir/ingest.time" "$bin" ingest --corpus "$corpus" --index "$index" --json \
            >"$dir/ingest.json" 2>"$dir/ingest.log"
        ingest_extra=$(awk '{ printf "; peak RSS %.0f MB, CPU %.1f s", $1 / 1024, $2 + $3 }' "$dir/ingest.time")
    else
        "$bin" ingest --corpus "$corpus" --index "$index" --json >"$dir/ingest.json" 2>"$dir/ingest.log"
    fi
fi
read -r passages ingest_s files_indexed skipped < <(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
print(r["passages"], "%.2f" % r["elapsed_s"], r["files_indexed"], len(r["skipped"]))' "$dir/ingest.json")
mbps=$(awk -v b="$corpus_bytes" -v s="$ingest_s" 'BEGIN { printf "%.2f", b / 1e6 / s }')
index_mb=$(du -sm "$index" | cut -f1)
generation=$index/$(cat "$index/CURRENT")
figures_mb=$(du -sm "$generation/figures" 2>/dev/null | cut -f1 || echo '?')

# --- serve: time to ready -------------------------------------------------------------------
pid=
cleanup() {
    if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start_server [VAR=VALUE...]: starts `serve` (with those variables) and waits until /healthz
# answers 200, polling every 10 ms; sets pid, url, listening_s and ready_s (from the start).
start_server() {
    local out=$dir/serve.out deadline t0
    url=
    listening_s=
    deadline=$(( $(date +%s) + ${SCALE_READY_TIMEOUT:-7200} ))
    t0=$(now)
    env "$@" "$bin" serve --addr 127.0.0.1:0 --corpus "$corpus" --index "$index" >"$out" 2>"$dir/serve.log" &
    pid=$!
    while :; do
        kill -0 "$pid" 2>/dev/null || { echo "the server exited:" >&2; cat "$dir/serve.log" >&2; exit 1; }
        [ "$(date +%s)" -lt "$deadline" ] || { echo "the server was not ready in time" >&2; exit 1; }
        if [ -z "$url" ]; then
            url=$(sed -n 's/^listening on //p' "$out")
            [ -n "$url" ] && listening_s=$(secs "$t0" "$(now)")
        fi
        if [ -n "$url" ] &&
            [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url/healthz")" = 200 ]; then
            break
        fi
        sleep 0.01
    done
    ready_s=$(secs "$t0" "$(now)")
    ready_cpu=$(awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$pid/stat")
    if grep -q "ingesting" "$dir/serve.log"; then
        echo "warning: the server re-ingested before serving; ready time includes an ingest" >&2
    fi
}

say "serve: waiting for /healthz"
start_server

# --- query mix: took_ms ---------------------------------------------------------------------
say "query mix x${SCALE_ROUNDS:-5}"
read -r took_p50 took_p99 query_details < <(python3 - "$url" bench/scale_queries.txt "${SCALE_ROUNDS:-5}" <<'EOF'
import json, math, sys, time, urllib.parse, urllib.request
url, path, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
queries = [l.strip() for l in open(path, encoding="utf-8") if l.strip() and not l.startswith("#")]
took, wall, per_query, empty = [], [], {}, set()
for r in range(rounds):
    for q in queries:
        t = time.perf_counter()
        with urllib.request.urlopen(f"{url}/api/search?q={urllib.parse.quote(q)}&limit=10") as resp:
            body = json.load(resp)
        wall.append((time.perf_counter() - t) * 1000)
        took.append(body["took_ms"])
        per_query.setdefault(q, []).append(body["took_ms"])
        if not body["hits"]:
            empty.add(q)
def pct(xs, p):
    xs = sorted(xs)
    return xs[max(math.ceil(p / 100 * len(xs)) - 1, 0)]
slowest = sorted(per_query, key=lambda q: -max(per_query[q]))[:3]
details = (f"{len(queries)} queries x {rounds} = {len(took)} requests; client wall p50 "
           f"{pct(wall, 50):.1f} ms p99 {pct(wall, 99):.1f} ms; first pass max took_ms "
           f"{max(took[:len(queries)]):.1f}"
           + (f", later passes p99 {pct(took[len(queries):], 99):.1f}" if rounds > 1 else "")
           + "; slowest: "
           + ", ".join(f"{q} ({max(per_query[q]):.1f} ms)" for q in slowest)
           + f"; no hits: {', '.join(sorted(empty)) or 'none'}")
print(f"{pct(took, 50):.1f} {pct(took, 99):.1f} {details}")
EOF
)
rss_mb() { awk '/^VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/$pid/status"; }
rss_queries=$(rss_mb)
documents_kb=$(curl -s "$url/api/documents?limit=20" | wc -c | awk '{ printf "%.0f", $1 / 1024 }')

# --- HTTP load ------------------------------------------------------------------------------
wrk_s=${SCALE_WRK_SECONDS:-20}
wrk_c=${SCALE_WRK_CONNECTIONS:-64}
wrk_t=${SCALE_WRK_THREADS:-2}
say "wrk -t$wrk_t -c$wrk_c -d${wrk_s}s"
wrk -t"$wrk_t" -c"$wrk_c" -d"${wrk_s}s" --latency -s bench/scale.lua "$url" >"$dir/wrk.txt" 2>&1 || true
read -r rps http_p50 http_p99 errors e_connect e_read e_write e_timeout e_status < <(
    sed -n 's/^scale-wrk: //p' "$dir/wrk.txt") || true
[ -n "${rps:-}" ] || { echo "wrk failed:" >&2; cat "$dir/wrk.txt" >&2; exit 1; }
rss_load=$(rss_mb)
hwm_load=$(awk '/^VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$pid/status")
cleanup
pid=

# The same start without the French thesaurus (mythes-fr, loaded at start when installed), to
# tell opening the index from loading the thesaurus.
thesaurus=/usr/share/mythes/th_fr_FR_v2.dat
if [ "${SCALE_SPLIT_OPEN:-1}" = 0 ]; then
    thesaurus_note="second start without the thesaurus skipped (SCALE_SPLIT_OPEN=0)"
elif [ -e "$thesaurus" ] && [ -z "${SOURCIER_THESAURUS:-}" ]; then
    say "serve again with SOURCIER_THESAURUS=off"
    ready_with=$ready_s listening_with=$listening_s cpu_with=$ready_cpu
    start_server SOURCIER_THESAURUS=off
    ready_off=$ready_s cpu_off=$ready_cpu
    ready_s=$ready_with listening_s=$listening_with ready_cpu=$cpu_with
    cleanup
    pid=
    thesaurus_note="thesaurus $thesaurus loaded at start; without it (SOURCIER_THESAURUS=off) /healthz 200 after $ready_off s (CPU $cpu_off s)"
else
    thesaurus_note="no thesaurus loaded (${SOURCIER_THESAURUS:+SOURCIER_THESAURUS=$SOURCIER_THESAURUS}${SOURCIER_THESAURUS:-$thesaurus absent})"
fi

# --- CLI ------------------------------------------------------------------------------------
median3() {  # wall seconds of a command, median of 3 runs
    local times=() t
    for _ in 1 2 3; do
        t=$(now)
        "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; return 1; }
        times+=("$(secs "$t" "$(now)")")
    done
    printf '%s\n' "${times[@]}" | sort -n | sed -n 2p
}
say "CLI search and trace"
cli_search_s=$(median3 "$bin" search "fichier de configuration" --index "$index")
trace_s=$(median3 "$bin" trace 2023 --index "$index")

# --- report ---------------------------------------------------------------------------------
bpp=$(python3 -c 'import json,sys; m = json.load(open(sys.argv[1])); print(m["bytes_per_passage"], m["default_corpus_passages"])' "$dir/corpus.json")
{
    echo "## Sourcier scale benchmark, N=$n ($(date -u +%Y-%m-%dT%H:%MZ))"
    echo
    echo "- binary: $bin ($(sha256sum "$bin" | cut -c1-12)); repo $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
    echo "- machine: $(nproc) cores, load average $load_start before the ingest, $(cut -d' ' -f1-3 /proc/loadavg) at the end"
    echo "- corpus: $corpus_files files, $corpus_mb MB (bytes per passage, default corpus passages: $bpp)"
    echo "- ingest: $passages passages from $files_indexed files ($skipped skipped) in $ingest_s s = $mbps MB/s$ingest_extra; index $index_mb MB (figures index $figures_mb MB)"
    echo "- serve: 'listening' after $listening_s s, /healthz 200 after $ready_s s (server CPU $ready_cpu s); $thesaurus_note"
    echo "- search took_ms: p50 $took_p50, p99 $took_p99 ($query_details)"
    echo "- server RSS: $rss_queries MB after the query mix, $rss_load MB after wrk (peak $hwm_load MB); /api/documents is $documents_kb KB"
    echo "- wrk -t$wrk_t -c$wrk_c -d${wrk_s}s: $rps req/s, p50 $http_p50 ms, p99 $http_p99 ms; errors $errors (connect $e_connect, read $e_read, write $e_write, timeout $e_timeout, non-2xx $e_status)"
    echo "- CLI (median of 3): search \"fichier de configuration\" $cli_search_s s, trace 2023 $trace_s s"
    echo
    echo "| N | passages | ingest s | MB/s | ready s | RSS MB | search p50 ms | p99 ms | req/s | http p50 ms | http p99 ms | errors | cli search s | trace s |"
    echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
    echo "| $n | $passages | $ingest_s | $mbps | $ready_s | $rss_queries | $took_p50 | $took_p99 | $rps | $http_p50 | $http_p99 | $errors | $cli_search_s | $trace_s |"
} | tee "$dir/report.md"
