#!/usr/bin/env python3
"""Blind relevance audit of the evaluation judgements (TREC-style pooling).

  bench/relevance_audit.py pool  OUT_DIR [--shards 4] [--depth 5]
      Runs every answered query of tests/eval/queries.jsonl and heldout.jsonl through
      `sourcier search --json` and pools, per query, the passages ranked above its first judged
      answer within the top DEPTH, plus that answer. The items are shuffled and split into
      OUT_DIR/items-K.jsonl with only what an assessor may see (query, kind, title, page,
      section, passage); OUT_DIR/key.json keeps the query id, rank and current label.
  bench/relevance_audit.py merge OUT_DIR
      Joins OUT_DIR/verdicts-*.jsonl (one {"item","verdict","quote","reason"} per item, written
      by assessors following tests/eval/audit-brief.md) with the key and prints the rows in the
      format of tests/eval/audit.jsonl, and the agreement with the labels per kind.

Adopting verdicts into the query files stays a reviewed edit (see docs/relevance.md).
Needs a release build and an index: `cargo run --release -- ingest`.
"""
import collections, glob, json, random, re, subprocess, sys, unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / "target" / "release" / "sourcier"
SETS = [ROOT / "tests" / "eval" / "queries.jsonl", ROOT / "tests" / "eval" / "heldout.jsonl"]
VISIBLE = ["item", "query", "kind", "title", "page", "section", "passage"]


def norm(s):
    """The eval's matching: NFC, ’ → ', whitespace collapsed, case folded."""
    s = unicodedata.normalize("NFC", s).replace("\u2019", "'")
    return re.sub(r"\s+", " ", s).strip().lower()


def pool(out, shards, depth):
    items = []
    for path in SETS:
        for line in path.read_text(encoding="utf-8").splitlines():
            q = json.loads(line)
            if q["kind"] == "negative":
                continue
            found = subprocess.run([str(BIN), "search", "--json", "--limit", str(depth), q["query"]],
                                   capture_output=True, text=True, check=True, cwd=ROOT)
            hits = json.loads(found.stdout)["hits"][:depth]
            labelled = [any(norm(a) in norm(h["text"]) for a in q["answers"]) for h in hits]
            first = next((i for i, x in enumerate(labelled) if x), None)
            for i in range(first + 1 if first is not None else len(hits)):
                source = hits[i]["source"]
                items.append({"query": q["query"], "kind": q["kind"], "title": source["title"],
                              "page": source.get("page_start"), "section": source.get("section"),
                              "passage": hits[i]["text"], "query_id": q["id"], "rank": i + 1,
                              "doc": source["doc_id"], "labelled": labelled[i]})
    random.Random(7).shuffle(items)
    out.mkdir(parents=True, exist_ok=True)
    for n, item in enumerate(items):
        item["item"] = f"i{n:03d}"
    (out / "key.json").write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
    for k in range(shards):
        with open(out / f"items-{k}.jsonl", "w", encoding="utf-8") as f:
            for item in items[k::shards]:
                f.write(json.dumps({x: item[x] for x in VISIBLE}, ensure_ascii=False) + "\n")
    print(f"{len(items)} passages in {shards} shards under {out}", file=sys.stderr)


def merge(out):
    key = {item["item"]: item for item in json.loads((out / "key.json").read_text(encoding="utf-8"))}
    agreement = collections.Counter()
    for path in sorted(glob.glob(str(out / "verdicts-*.jsonl"))):
        for line in open(path, encoding="utf-8"):
            verdict = json.loads(line)
            item = key[verdict["item"]]
            said_yes = verdict["verdict"] == "yes"
            if said_yes and norm(verdict["quote"]) not in norm(item["passage"]):
                sys.exit(f"{verdict['item']}: quote not in its passage")
            agreement[(item["kind"], said_yes == item["labelled"])] += 1
            print(json.dumps({"query_id": item["query_id"], "kind": item["kind"], "rank": item["rank"],
                              "doc": item["doc"], "page": item["page"], "section": item["section"],
                              "passage_start": item["passage"][:60], "labelled": item["labelled"],
                              "verdict": verdict["verdict"], "quote": verdict["quote"],
                              "reason": verdict["reason"]}, ensure_ascii=False))
    for kind in sorted({k for k, _ in agreement}):
        agree, total = agreement[(kind, True)], agreement[(kind, True)] + agreement[(kind, False)]
        print(f"{kind:13} agreement {agree}/{total}", file=sys.stderr)


if __name__ == "__main__":
    if len(sys.argv) < 3 or sys.argv[1] not in ("pool", "merge"):
        sys.exit(__doc__)
    out = Path(sys.argv[2])
    args = dict(zip(sys.argv[3::2], sys.argv[4::2]))
    if sys.argv[1] == "pool":
        pool(out, int(args.get("--shards", 4)), int(args.get("--depth", 5)))
    else:
        merge(out)
