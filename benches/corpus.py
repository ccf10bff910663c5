#!/usr/bin/env python3
"""Default rules on real dumps: P, R, F1 and clean files untouched, per extractor.

usage: corpus.py [--corpus DIR] [--part tune|test|all] [--bin PATH] [--work DIR]
                 [--rules ARGS] [--review FILE]

Reads ../shared/corpus/wcxb-dev (see its README): dumps that four extractors
made from real article pages, each with expected text derived from human
gold. Pages are split by site: a page belongs to the test part when the
first byte of sha1(host without "www.") is odd, else to the tune part, so no
site is in both. Rules are tuned on the tune part; the figures quoted in the
README come from the test part. Each part's dumps are cleaned with
`descrape clean` (default rules) and scored with `descrape eval`, whose
counting is the corpus scorer's (raw words missing from the expected text
are noise; lines listed in ignore.json count neither way). A benchmark, not
a test: it prints figures and skips when the corpus is absent.

The gold keeps some lines NOISE.md calls noise (teasers, disclosures), so
precision as scored understates. `--review benches/wcxb/review.jsonl`
adds precision after review: each wrongly removed line judged under
NOISE.md ("noise": the removal was right; "content" or "unclear": it was
not). Lines the review does not list count as errors and are reported.
"""
import argparse, hashlib, json, os, shutil, subprocess, sys
from urllib.parse import urlparse

EXTRACTORS = ["newspaper3k", "readability", "trafilatura", "boilerpy3"]


def part_of(url):
    host = urlparse(url).hostname or ""
    if host.startswith("www."):
        host = host[4:]
    return "test" if hashlib.sha1(host.encode()).digest()[0] % 2 else "tune"


def arguments(work, misses_help, sets=None, review=False):
    """The options this script, snippets.py and labelled.py share, parsed."""
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", default=os.path.join(here, "..", "..", "shared", "corpus"))
    ap.add_argument("--part", default="test", choices=["tune", "test", "all"])
    ap.add_argument("--bin", default=os.path.join(here, "..", "target", "release", "descrape"))
    ap.add_argument("--work", default=work)
    ap.add_argument("--rules", default="", help="extra arguments for clean (and eval), e.g. '--rules x.yaml'")
    ap.add_argument("--misses", type=int, default=0, help=misses_help)
    if sets:
        ap.add_argument("--set", default=sets[0], choices=sets)
    if review:
        ap.add_argument("--review", help="verdicts on wrongly scored removals (benches/wcxb/review.jsonl)")
    return ap.parse_args()


def evaluate(args, raw, gold, extra=()):
    """`descrape eval --json` of `raw` against `gold`, as a dict."""
    out = subprocess.run(
        [args.bin, "eval", raw, "--gold", gold, "--json", "--worst", "100000"] + list(extra),
        capture_output=True, text=True)
    if out.returncode not in (0, 1):
        sys.exit(f"eval failed: {out.stderr}")
    return json.loads(out.stdout)


def scores(c):
    """Precision, recall and F1 of eval's word counts."""
    tr, fr, mi = c["true_removed"], c["false_removed"], c["missed"]
    p = tr / (tr + fr) if tr + fr else 1.0
    r = tr / (tr + mi) if tr + mi else 1.0
    return p, r, 2 * p * r / (p + r) if p + r else 0.0


def add_families(families, rep):
    """Add an eval report's words removed per family (noise, story) to
    `families`."""
    for fam in rep["families"]:
        f = families.setdefault(fam["rule"], [0, 0])
        f[0] += fam["true_removed"]
        f[1] += fam["false_removed"]


def print_worst(rep, n, prefix=""):
    """The first `n` wrongly removed and missed lines of each file."""
    for x in rep["worst"]:
        for m in x.get("false_removals", [])[:n]:
            print(f"  LOST {prefix}{x['file']}:{m['line']} [{m['rule']}] {m['words'][:160]}")
        for m in x.get("misses", [])[:n]:
            print(f"  MISS {prefix}{x['file']}:{m['line']} {m['words'][:160]}")


def read_set(args, name):
    """A corpus set's folder and its snippets.jsonl records; no folder
    (and a note) when the corpus is absent."""
    root = os.path.join(args.corpus, name)
    if not os.path.isdir(root):
        print(f"corpus not found at {root}: skipped")
        return None, []
    with open(os.path.join(root, "snippets.jsonl")) as f:
        return root, [json.loads(line) for line in f]


def reviewed_right(rep, review, ex):
    """Words of the wrongly scored removals that the review calls noise,
    the number of such lines it does not list, and the number of dumps
    the gold calls clean whose every removal the review calls noise (not
    clean under NOISE.md)."""
    right, unlisted, not_clean = 0, 0, 0
    for x in rep["worst"]:
        verdicts = []
        for m in x.get("false_removals", []):
            verdict = review.get(f"{ex}/{x['file']}:{m['line']}")
            verdicts.append(verdict)
            if verdict is None:
                unlisted += 1
            elif verdict == "noise":
                # The words removed wrongly, not the whole line: a span
                # rule cuts only part of it.
                right += m["count"]
        if x["noise"] == 0 and verdicts and all(v == "noise" for v in verdicts):
            not_clean += 1
    return right, unlisted, not_clean


def main():
    args = arguments("/dev/shm/descrape-corpus", "print this many missed and wrongly removed lines",
                     review=True)
    wcxb, records = read_set(args, "wcxb-dev")
    if wcxb is None:
        return
    parts = {rec["id"]: part_of(rec["url"]) for rec in records}
    review = {}
    if args.review:
        with open(args.review) as f:
            review = {v["entry"]: v["verdict"] for v in map(json.loads, f)}
    reviewed = {}
    rows = []
    families = {}
    pooled = {"true_removed": 0, "false_removed": 0, "missed": 0, "clean": 0, "clean_untouched": 0, "files": 0}
    for ex in EXTRACTORS:
        src = os.path.join(wcxb, "dumps", ex)
        work = os.path.join(args.work, args.part, ex)
        shutil.rmtree(work, ignore_errors=True)
        for d in ("raw", "expected"):
            os.makedirs(os.path.join(work, d))
        with open(os.path.join(src, "ignore.json")) as f:
            ignore_all = json.load(f)
        ignore = {}
        for name in sorted(os.listdir(os.path.join(src, "raw"))):
            pid = name[:-4]
            if args.part != "all" and parts.get(pid) != args.part:
                continue
            for d in ("raw", "expected"):
                shutil.copy(os.path.join(src, d, name), os.path.join(work, d, name))
            if name in ignore_all:
                ignore[name] = ignore_all[name]
        with open(os.path.join(work, "ignore.json"), "w") as f:
            json.dump(ignore, f)
        extra = args.rules.split()
        subprocess.run([args.bin, "clean", os.path.join(work, "raw"), "-o", os.path.join(work, "out"), "--quiet"] + extra, check=False)
        rep = evaluate(args, os.path.join(work, "raw"), os.path.join(work, "expected"),
                       ["--ignore", os.path.join(work, "ignore.json")] + extra)
        t = rep["counts"]
        if review:
            reviewed[ex] = reviewed_right(rep, review, ex)
        rows.append((ex, rep["files"], t, rep["clean_files_untouched"], rep["clean_files"]))
        for k in ("true_removed", "false_removed", "missed"):
            pooled[k] += t[k]
        pooled["clean"] += rep["clean_files"]
        pooled["clean_untouched"] += rep["clean_files_untouched"]
        pooled["files"] += rep["files"]
        add_families(families, rep)
        if args.misses:
            print_worst(rep, args.misses, f"{ex}/")
    print(f"part: {args.part} (sites split by sha1(host))")
    print(f"{'extractor':<13}{'files':>6}{'P':>8}{'R':>8}{'F1':>8}  clean untouched")
    def fmt(name, files, c, u, n):
        p, r, f1 = scores(c)
        print(f"{name:<13}{files:>6}{p:>8.3f}{r:>8.3f}{f1:>8.3f}  {u}/{n} ({100 * u / max(n, 1):.1f} %)")
    for ex, n, t, u, c in rows:
        fmt(ex, n, t, u, c)
    fmt("pooled", pooled["files"], pooled, pooled["clean_untouched"], pooled["clean"])
    print(f"\n{'family':<13}{'noise':>8}{'story':>8}   words removed, pooled")
    for name, (tr, fr) in sorted(families.items(), key=lambda x: -x[1][0] - x[1][1]):
        print(f"{name:<13}{tr:>8}{fr:>8}")
    if review:
        print(f"\nafter review under NOISE.md ({args.review}): precision, and clean dumps untouched"
              " (a dump whose every removal the review calls noise is not clean)")
        all_right = all_unlisted = all_not_clean = 0
        for ex, n, t, u, c in rows:
            right, unlisted, not_clean = reviewed[ex]
            all_right += right
            all_unlisted += unlisted
            all_not_clean += not_clean
            removed = t["true_removed"] + t["false_removed"]
            clean = c - not_clean
            print(f"{ex:<13}{(t['true_removed'] + right) / max(removed, 1):>8.3f}  {u}/{clean} ({100 * u / max(clean, 1):.1f} %)"
                  f"  ({unlisted} removed lines not in the review)")
        removed = pooled["true_removed"] + pooled["false_removed"]
        clean = pooled["clean"] - all_not_clean
        print(f"{'pooled':<13}{(pooled['true_removed'] + all_right) / max(removed, 1):>8.3f}"
              f"  {pooled['clean_untouched']}/{clean} ({100 * pooled['clean_untouched'] / max(clean, 1):.1f} %)"
              f"  ({all_unlisted} not in the review)")


if __name__ == "__main__":
    main()
