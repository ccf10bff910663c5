#!/usr/bin/env python3
"""Default rules on traf-eval dumps: human must-drop and must-keep snippets.

usage: snippets.py [--corpus DIR] [--part tune|test|all] [--bin PATH]
                   [--work DIR] [--rules ARGS] [--misses N]

Reads ../shared/corpus/traf-eval (see its README): dumps that four
extractors made from real, mostly news, pages in several languages, with
human "must keep" and "must drop" snippets per page but no full gold. A
snippet counts only where the extractor left it in the raw dump; after
`descrape clean` it should be gone (drop) or still there (keep). Matching
is on whitespace-collapsed text. Pages are split by site as corpus.py
splits them (sha1 of the host, odd first byte = test). A benchmark, not a
test: it prints figures and skips when the corpus is absent.
"""
import os, re, shutil, subprocess

from corpus import EXTRACTORS, arguments, part_of, read_set


def squash(text):
    return re.sub(r"\s+", " ", text).strip()


def score_page(page, raw_path, clean_path, row, misses, name):
    """Add one cleaned dump's snippet counts to `row` (must-drop in the
    raw, removed, must-keep in the raw, kept) and its kept must-drop and
    lost must-keep snippets to `misses`, named `name`."""
    with open(raw_path, encoding="utf-8", errors="replace") as f:
        raw = squash(f.read())
    try:
        with open(clean_path, encoding="utf-8", errors="replace") as f:
            clean = squash(f.read())
    except FileNotFoundError:
        clean = ""
    for s in map(squash, page["without"]):
        if s and s in raw:
            row[0] += 1
            if s not in clean:
                row[1] += 1
            else:
                misses.append(f"  KEPT {name}: {s}")
    for s in map(squash, page["with"]):
        if s and s in raw:
            row[2] += 1
            if s in clean:
                row[3] += 1
            else:
                misses.append(f"  LOST {name}: {s}")


def main():
    args = arguments("/dev/shm/descrape-snippets", "print this many kept noise and lost story snippets")
    root, records = read_set(args, "traf-eval")
    if root is None:
        return
    pages = {r["id"]: r for r in records if args.part == "all" or part_of(r["url"]) == args.part}
    print(f"part: {args.part} ({len(pages)} pages, sites split by sha1(host))")
    print(f"{'extractor':<12} {'files':>6} {'drop in raw':>12} {'removed':>8} {'keep in raw':>12} {'kept':>8}")
    total = [0, 0, 0, 0]
    misses = []
    for ex in EXTRACTORS:
        src = os.path.join(root, "dumps", ex, "raw")
        work = os.path.join(args.work, args.part, ex)
        shutil.rmtree(work, ignore_errors=True)
        os.makedirs(os.path.join(work, "raw"))
        names = [n for n in sorted(os.listdir(src)) if n[: -len(".txt")] in pages]
        for n in names:
            shutil.copyfile(os.path.join(src, n), os.path.join(work, "raw", n))
        out = os.path.join(work, "out")
        cmd = [args.bin, "clean", os.path.join(work, "raw"), "-o", out, "-q"] + args.rules.split()
        subprocess.run(cmd, check=False, stdout=subprocess.DEVNULL)
        row = [0, 0, 0, 0]
        for n in names:
            score_page(pages[n[: -len(".txt")]], os.path.join(work, "raw", n), os.path.join(out, n), row, misses,
                       f"{ex}/{n}")
        total = [a + b for a, b in zip(total, row)]
        print(report(ex, len(names), row))
    print(report("pooled", None, total))
    for m in misses[: args.misses]:
        print(m)


def report(name, files, row):
    def share(a, b):
        return f"{a / b:.3f}" if b else "-"

    files = "" if files is None else files
    return f"{name:<12} {files:>6} {row[0]:>12} {share(row[1], row[0]):>8} {row[2]:>12} {share(row[3], row[2]):>8}"


if __name__ == "__main__":
    main()
