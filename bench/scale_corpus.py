#!/usr/bin/env python3
"""Deterministic corpus of about N passages for bench/scale.sh (python3 standard library only).

  bench/scale_corpus.py --passages N --out DIR [--bin target/release/sourcier]
                        [--bytes-per-passage B] [--cache bench/.cache] [--seed 42] [--fresh]

Source text: Debian's French and English manual pages, the packages `manpages-fr` (French)
and `manpages` (English) -- `apt-get install -y manpages-fr manpages` -- each page rendered to
plain UTF-8 text with `man --nh --nj -l FILE` (no hyphenation, no justification; formatting is
dropped because the output is not a terminal) and cached under CACHE/man/<package>_<version>/,
so only the first run renders (~650 pages, a minute or two). Only the files these two packages
install are read (`dpkg -L`), never whatever else sits in /usr/share/man, so two machines with
the same package versions get the same text. `.so` redirections and links are skipped.

Recombination. Each rendered page is cut into paragraphs (blank-line separated, lines joined,
the page's header and footer dropped) under its section headings (NOM, DESCRIPTION, ...); too
short or mostly non-letter paragraphs (synopses, code) are dropped. All the paragraphs of one
language are also cut into sentences. Then, with random.Random(seed) and nothing else as the
source of chance, file after file:
  * the language is French or English with even odds; the file takes a random page of that
    language as its theme and starts at a random paragraph of it;
  * each next paragraph is, with probability 0.55, the theme page's next paragraph verbatim
    (at the end of the page a new random page of the same language takes over), otherwise a
    new paragraph of 2-5 sentences drawn at random from all the pages of that language;
  * the file's size is a random number of passages (50-200) times the measured bytes per
    passage, so files hold ~50-200 passages each; one file in five is Markdown (`# title`,
    `## heading` at each heading change, Markdown punctuation escaped), the others plain text
    (the headings are then short paragraphs of their own);
  * files go to man-fr/NNN/ and man-en/NNN/, 100 files per folder.
So the text is real man-page prose in both languages (queries find real matches) but no file
is a copy of another. The default corpus (`corpus/`, PDFs and HTML with their sources.json and
synonyms.txt) is copied in at the top, unchanged.

Calibration. The number of passages is what Sourcier's segmenter makes of the text, so it is
measured, not assumed: unless --bytes-per-passage is given, a sample of ~2000 passages' worth
of generated files is ingested with the binary (`ingest --json`) and bytes / passages gives
the size of a passage; the default corpus is ingested alone once to know its own passages,
which are subtracted from N. Both measurements are cached in CACHE/calibration.json, keyed by
the binary's SHA-256, so a new engine is measured again. The corpus therefore depends on the
seed, the package versions and the measured bytes per passage, all written to DIR/.scale.json
(hidden files are not indexed). An existing DIR with the same N and generator version is
reused as it is; --fresh regenerates it.
"""
import argparse, hashlib, json, os, random, re, shutil, subprocess, sys, tempfile, textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GENERATOR_VERSION = 1
PACKAGES = [("manpages-fr", "fr"), ("manpages", "en")]
THEME_PROBABILITY = 0.55
PASSAGES_PER_FILE = (50, 200)
MARKDOWN_SHARE = 0.2
FILES_PER_FOLDER = 100
CALIBRATION_PASSAGES = 2000
NOMINAL_BYTES_PER_PASSAGE = 600
WORD = re.compile(r"\w+")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[«\"(A-ZÀ-ÖØ-Þ])")
# Function words, to keep untranslated English sentences of manpages-fr out of the French pool.
STOPWORDS = {
    "fr": set("le la les un une des du de et est sont dans pour par sur avec que qui ne pas ce "
              "cette ces il elle ils au aux être peut si ou son sa ses en".split()),
    "en": set("the a an of and is are in for by on with that which not this these it be can "
              "if or its to from as".split()),
}


def log(*args):
    print(*args, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# Man pages: list, render (cached), parse


def package_pages(package):
    """(version, sorted list of the man page files the package installs)."""
    try:
        version = subprocess.run(["dpkg-query", "-W", "-f=${Version}", package],
                                 capture_output=True, text=True, check=True).stdout.strip()
        listing = subprocess.run(["dpkg", "-L", package], capture_output=True, text=True,
                                 check=True).stdout.split("\n")
    except (OSError, subprocess.CalledProcessError):
        sys.exit(f"package {package} is not installed: apt-get install -y manpages-fr manpages")
    files = sorted(p for p in listing
                   if p.startswith("/usr/share/man/") and p.endswith(".gz")
                   and os.path.isfile(p) and not os.path.islink(p))
    if not files:
        sys.exit(f"{package} is installed but its man pages are missing (a dpkg path-exclude "
                 "for /usr/share/man?)")
    return version, files


def render(src, dest):
    """One page as plain UTF-8 text; an empty file for a page that does not render."""
    env = dict(os.environ, LC_ALL="C.UTF-8", MANWIDTH="100")
    env.pop("MAN_KEEP_FORMATTING", None)
    try:
        out = subprocess.run(["man", "--nh", "--nj", "-l", src], env=env, capture_output=True,
                             timeout=60).stdout.decode("utf-8", "replace")
    except (OSError, subprocess.TimeoutExpired):
        out = ""
    if out.lstrip().startswith(".so ") or len(out) < 200:
        out = ""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_suffix(".tmp")
    tmp.write_text(out, encoding="utf-8")
    tmp.rename(dest)


def parse_page(text):
    """[(heading, paragraph)] of a rendered page: header and footer lines dropped, lines of a
    paragraph joined, unindented and slightly indented lines taken as headings."""
    lines = text.split("\n")
    nonblank = [i for i, line in enumerate(lines) if line.strip()]
    if len(nonblank) < 3:
        return []
    lines = lines[nonblank[0] + 1:nonblank[-1]]
    out, heading, block = [], None, []

    def flush():
        if block:
            out.append((heading, " ".join(block)))
            block.clear()

    for line in lines:
        stripped = line.strip()
        indent = len(line) - len(line.lstrip(" "))
        if not stripped:
            flush()
        elif indent <= 3 and len(stripped) <= 60 and not block:
            heading = re.sub(r"\s+", " ", stripped)
        else:
            block.append(re.sub(r"\s+", " ", stripped))
    flush()
    return out


def letter_share(s):
    chars = [c for c in s if not c.isspace()]
    return sum(c.isalpha() for c in chars) / len(chars) if chars else 0.0


def in_language(sentence, lang):
    """More function words of `lang` than of the other language."""
    words = [w.lower() for w in WORD.findall(sentence)]
    other = "en" if lang == "fr" else "fr"
    return (sum(w in STOPWORDS[lang] for w in words)
            > sum(w in STOPWORDS[other] for w in words))


def load_sources(cache):
    """Per language: pages [(name, heading-paragraph list)] and the sentence pool."""
    pools, versions = {}, {}
    for package, lang in PACKAGES:
        version, files = package_pages(package)
        versions[package] = version
        base = cache / "man" / f"{package}_{version}"
        todo = [(f, base / (f[len("/usr/share/man/"):-3] + ".txt")) for f in files]
        missing = [(f, d) for f, d in todo if not d.exists()]
        if missing:
            log(f"rendering {len(missing)} pages of {package} {version} into {base} (once)")
        for n, (src, dest) in enumerate(missing, 1):
            render(src, dest)
            if n % 100 == 0:
                log(f"  {n}/{len(missing)}")
        pages, sentences = [], []
        for src, dest in todo:
            paragraphs = [(h, p) for h, p in parse_page(dest.read_text(encoding="utf-8"))
                          if len(WORD.findall(p)) >= 4 and letter_share(p) >= 0.6]
            if len(paragraphs) < 3:
                continue
            name = Path(src).name[:-3]  # ls.1
            pages.append((name, paragraphs))
            for _, p in paragraphs:
                for s in SENTENCE_END.split(p):
                    if (4 <= len(WORD.findall(s)) <= 60 and letter_share(s) >= 0.7
                            and in_language(s, lang)):
                        sentences.append(s)
        log(f"{package} {version}: {len(pages)} pages, {sum(len(p) for _, p in pages)} "
            f"paragraphs, {len(sentences)} sentences")
        pools[lang] = (pages, sentences)
    return pools, versions


# ---------------------------------------------------------------------------------------------
# Generation

MD_SPECIAL = re.compile(r"([\\`*_<>\[\]|])")
MD_LINE_START = re.compile(r"^([-+#>=]|\d+[.)])")


def wrap(paragraph, markdown):
    if markdown:
        paragraph = MD_SPECIAL.sub(r"\\\1", paragraph)
    lines = textwrap.wrap(paragraph, width=78, break_long_words=False, break_on_hyphens=False)
    if markdown:
        lines = [MD_LINE_START.sub(r"\\\1", line) for line in lines]
    return "\n".join(lines)


def make_file(rng, pools, number, target_bytes):
    """(language, extension, text) of one generated file."""
    lang = "fr" if rng.random() < 0.5 else "en"
    pages, sentences = pools[lang]
    markdown = rng.random() < MARKDOWN_SHARE
    page = rng.randrange(len(pages))
    pos = rng.randrange(len(pages[page][1]))
    name = pages[page][0]
    label = "recueil" if lang == "fr" else "collection"
    title = f"{name} — {label} {number}"
    blocks = [f"# {title}" if markdown else title]
    size, last_heading = len(title), None
    while size < target_bytes:
        if rng.random() < THEME_PROBABILITY:
            heading, paragraph = pages[page][1][pos]
            if heading and heading != last_heading:
                blocks.append(f"## {heading}" if markdown else heading)
                size += len(heading) + 2
                last_heading = heading
            pos += 1
            if pos == len(pages[page][1]):
                page, pos = rng.randrange(len(pages)), 0
        else:
            paragraph = " ".join(rng.choice(sentences) for _ in range(rng.randint(2, 5)))
        block = wrap(paragraph, markdown)
        blocks.append(block)
        size += len(block.encode("utf-8")) + 2
    return lang, ".md" if markdown else ".txt", "\n\n".join(blocks) + "\n"


def generate(out, pools, passages, bytes_per_passage, seed):
    """Writes generated files for about `passages` passages into out/; returns (files, bytes)."""
    rng = random.Random(seed)
    remaining, files, total = passages, 0, 0
    counts = {"fr": 0, "en": 0}
    while remaining > 0:
        k = min(rng.randint(*PASSAGES_PER_FILE), remaining)
        remaining -= k
        lang, ext, text = make_file(rng, pools, files, k * bytes_per_passage)
        n = counts[lang]
        counts[lang] += 1
        folder = out / f"man-{lang}" / f"{n // FILES_PER_FOLDER:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        data = text.encode("utf-8")
        (folder / f"{lang}-{n:06d}{ext}").write_bytes(data)
        files += 1
        total += len(data)
    return files, total


def tree_bytes(path):
    return sum(p.stat().st_size for p in Path(path).rglob("*")
               if p.is_file() and not p.name.startswith("."))


# ---------------------------------------------------------------------------------------------
# Calibration


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def ingest(binary, corpus, index):
    """The IngestReport of `sourcier ingest --json`."""
    done = subprocess.run([str(binary), "ingest", "--corpus", str(corpus), "--index", str(index),
                           "--json"], capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"calibration ingest failed:\n{done.stderr}")
    return json.loads(done.stdout)


def calibrate(binary, pools, versions, seed, cache, default_corpus):
    """(bytes per generated passage, passages of the default corpus), measured with the binary
    and cached per binary digest."""
    key = {"binary": sha256_file(binary), "generator": GENERATOR_VERSION, "seed": seed,
           "packages": versions,
           "default_corpus": hashlib.sha256(b"".join(
               p.relative_to(default_corpus).as_posix().encode() + sha256_file(p).encode()
               for p in sorted(default_corpus.rglob("*")) if p.is_file())).hexdigest()}
    path = cache / "calibration.json"
    try:
        known = json.loads(path.read_text())
    except (OSError, ValueError):
        known = []
    for entry in known:
        if entry["key"] == key:
            log(f"calibration (cached): {entry['bytes_per_passage']} bytes per passage, "
                f"default corpus {entry['default_passages']} passages")
            return entry["bytes_per_passage"], entry["default_passages"]
    with tempfile.TemporaryDirectory(prefix="scale-calibration-") as tmp:
        tmp = Path(tmp)
        sample = tmp / "sample"
        files, size = generate(sample, pools, CALIBRATION_PASSAGES, NOMINAL_BYTES_PER_PASSAGE,
                               seed + 1)
        report = ingest(binary, sample, tmp / "index-sample")
        bpp = round(size / report["passages"])
        log(f"calibration: {files} files, {size} bytes -> {report['passages']} passages in "
            f"{report['elapsed_s']:.1f} s: {bpp} bytes per passage")
        report = ingest(binary, default_corpus, tmp / "index-default")
        default_passages = report["passages"]
        log(f"calibration: the default corpus alone makes {default_passages} passages")
    known = [e for e in known if e["key"]["binary"] != key["binary"]][-9:]
    known.append({"key": key, "bytes_per_passage": bpp, "default_passages": default_passages})
    cache.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(known, indent=1) + "\n")
    return bpp, default_passages


# ---------------------------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--passages", type=int, required=True, help="passages wanted (about)")
    ap.add_argument("--out", type=Path, required=True, help="corpus folder to write")
    ap.add_argument("--bin", type=Path, default=ROOT / "target" / "release" / "sourcier",
                    help="sourcier binary used to calibrate")
    ap.add_argument("--bytes-per-passage", type=int,
                    help="skip the calibration (default: measured with --bin)")
    ap.add_argument("--default-passages", type=int,
                    help="passages of the default corpus, with --bytes-per-passage")
    ap.add_argument("--cache", type=Path,
                    default=Path(os.environ.get("SCALE_CACHE", ROOT / "bench" / ".cache")))
    ap.add_argument("--corpus", type=Path, default=ROOT / "corpus", help="default corpus")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--fresh", action="store_true", help="regenerate an existing corpus")
    args = ap.parse_args()

    manifest_path = args.out / ".scale.json"
    if args.out.exists() and not args.fresh:
        try:
            manifest = json.loads(manifest_path.read_text())
        except (OSError, ValueError):
            manifest = None
        if (manifest and manifest["passages_wanted"] == args.passages
                and manifest["generator"] == GENERATOR_VERSION and manifest["seed"] == args.seed):
            log(f"reusing {args.out} ({manifest['files']} files, {manifest['bytes']} bytes; "
                "--fresh to regenerate)")
            print(json.dumps(manifest))
            return
        sys.exit(f"{args.out} exists but is not this corpus: pass --fresh to replace it")

    pools, versions = load_sources(args.cache)
    if args.bytes_per_passage:
        bpp, default_passages = args.bytes_per_passage, args.default_passages or 0
    else:
        if not args.bin.is_file():
            sys.exit(f"no binary at {args.bin} to calibrate with (or pass --bytes-per-passage)")
        bpp, default_passages = calibrate(args.bin, pools, versions, args.seed, args.cache,
                                          args.corpus)
    tmp = args.out.with_name(args.out.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(args.corpus, tmp)
    generated = max(args.passages - default_passages, 0)
    files, size = generate(tmp, pools, generated, bpp, args.seed)
    manifest = {"passages_wanted": args.passages, "generated_passages_wanted": generated,
                "default_corpus_passages": default_passages, "bytes_per_passage": bpp,
                "seed": args.seed, "generator": GENERATOR_VERSION, "packages": versions,
                "files": files, "generated_bytes": size, "bytes": tree_bytes(tmp)}
    (tmp / ".scale.json").write_text(json.dumps(manifest, indent=1) + "\n")
    shutil.rmtree(args.out, ignore_errors=True)
    tmp.rename(args.out)
    log(f"wrote {args.out}: {files} generated files ({size / 1e6:.1f} MB) + the default corpus, "
        f"for ~{args.passages} passages at {bpp} bytes per passage")
    print(json.dumps(manifest))


if __name__ == "__main__":
    main()
