#!/usr/bin/env bash
# PDF ingest speed against poppler's pdftotext, in pages per second.
#
# Builds a set of real PDFs once (target/pdf-bench/set): the manuals of five Debian
# documentation packages (French and English; LaTeX, DocBook and dvipdfmx output, Type 1 and
# TrueType fonts) and the default corpus's two PDFs (LibreOffice). Then times, with hyperfine,
# pdftotext over the files one after another, and `sourcier ingest` of the folder into a fresh
# index (extraction, passages, figures and the tantivy index: everything a search needs).
#   bench/pdf.sh [RUNS=5]
# Needs apt-get (Debian), dpkg-deb, hyperfine, poppler-utils (pdftotext, pdfinfo), python3.
# SOURCIER_BIN=path runs that binary instead of building this checkout (to compare two builds).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
for tool in hyperfine pdftotext pdfinfo python3; do
    command -v "$tool" >/dev/null || { echo "$tool is not installed" >&2; exit 1; }
done
bin=${SOURCIER_BIN:-}
if [ -z "$bin" ]; then
    cargo build --release --locked -q
    bin=./target/release/sourcier
fi
work=target/pdf-bench
set_dir=$work/set
if [ ! -d "$set_dir" ]; then
    mkdir -p "$work/debs" "$work/x"
    (cd "$work/debs" && apt-get download auto-multiple-choice-doc-pdf expeyes-doc-fr \
        camlidl-doc docbook-xsl-doc-pdf ghostscript-doc)
    for deb in "$work"/debs/*.deb; do dpkg-deb -x "$deb" "$work/x"; done
    mkdir -p "$set_dir.tmp"
    # the Japanese manual is left out: the corpus is French and English
    find "$work/x" -name '*.pdf' ! -name '*.ja.pdf' | sort | while read -r f; do
        cp "$f" "$set_dir.tmp/$(basename "$(dirname "$f")")-$(basename "$f")"
    done
    gunzip -c "$work/x/usr/share/doc/docbook-xsl-doc-pdf/doc/reference.pdf.gz" \
        >"$set_dir.tmp/docbook-xsl-reference.pdf"
    cp corpus/*.pdf "$set_dir.tmp/"
    mv "$set_dir.tmp" "$set_dir"
fi
files=$(ls "$set_dir"/*.pdf | wc -l)
pages=0
for f in "$set_dir"/*.pdf; do
    pages=$((pages + $(pdfinfo "$f" 2>/dev/null | sed -n 's/^Pages: *//p')))
done
echo "$files PDFs, $pages pages in $set_dir"
index=$(mktemp -d)
json=$(mktemp)
trap 'rm -rf "$index" "$json"' EXIT
hyperfine -w 1 -r "$runs" --export-json "$json" \
    -n pdftotext "for f in $set_dir/*.pdf; do pdftotext \"\$f\" - >/dev/null; done" \
    -n "sourcier ingest" "rm -rf $index/i; $bin ingest --corpus $set_dir --index $index/i >/dev/null"
python3 - "$json" "$pages" <<'EOF'
import json, sys
results = json.load(open(sys.argv[1]))["results"]
pages = int(sys.argv[2])
median = {r["command"]: r["median"] for r in results}
for name, seconds in median.items():
    print(f"{name}: median {seconds:.3f} s, {pages / seconds:.0f} pages/s")
ratio = median["pdftotext"] / median["sourcier ingest"]
print(f"sourcier ingest / pdftotext, pages per second: {ratio:.2f}x")
EOF
