#!/usr/bin/env bash
# Load test: starts `sourcier serve` on the default corpus (release build) and drives it with
# wrk (Debian `wrk`) for DURATION seconds at CONNECTIONS concurrent connections, with the query
# mix of bench/load.lua. Prints throughput, p50/p99 latency and errors.
#   bench/load.sh [DURATION=30] [CONNECTIONS=64] [THREADS=2]
# SOURCIER_BIN=path runs that binary instead of building this checkout (to compare two builds).
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-30}
connections=${2:-64}
threads=${3:-2}
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }
bin=${SOURCIER_BIN:-}
if [ -z "$bin" ]; then
    cargo build --release --locked -q
    bin=./target/release/sourcier
fi
index=$(mktemp -d)
log=$(mktemp)
"$bin" serve --addr 127.0.0.1:0 --corpus corpus --index "$index" >"$log" 2>/dev/null &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$index" "$log"' EXIT
for _ in $(seq 1 600); do
    grep -q "listening on" "$log" && break
    sleep 0.1
done
url=$(sed -n 's/^listening on //p' "$log")
[ -n "$url" ] || { echo "the server did not start" >&2; exit 1; }
echo "wrk -t$threads -c$connections -d${duration}s against $url"
wrk -t"$threads" -c"$connections" -d"${duration}s" --latency -s bench/load.lua "$url"
