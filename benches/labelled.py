#!/usr/bin/env python3
"""Default rules on real news dumps labelled by hand under NOISE.md.

usage: labelled.py [--set np3k|traf] [--part tune|test|all] [--bin PATH]
                   [--work DIR] [--rules ARGS] [--misses N]

Two sets, labelled blind to rules/ (see each folder's README):
- np3k: benches/np3k, 152 dumps newspaper3k made from news pages of about
  100 sites, raw and expected both in the repository (MIT);
- traf: the 203 trafilatura dumps of ../shared/corpus/traf-eval (mostly
  German news); the raw text stays in the corpus, benches/traf/labels.json
  says which lines and spans are noise, and the expected text is built from
  it here.
Unlike wcxb-dev's gold these labels follow NOISE.md itself, so precision is
a firm figure too. Files are split by site the way corpus.py splits pages
(sha1 of the site, odd first byte = test part). Prints P, R, F1, clean files
untouched, the words removed per rule family and, from each set's
families.jsonl, the recall per NOISE.md family. A benchmark, not a test.
"""
import bisect, hashlib, json, os, re, shutil, subprocess, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from corpus import arguments, evaluate, part_of as part_of_url, print_worst, scores  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def np3k_part(name):
    site = re.sub(r"\d+$", "", name[: -len(".txt")])
    site = site[4:] if site.startswith("www.") else site
    return "test" if hashlib.sha1(site.encode()).digest()[0] % 2 else "tune"


def expected_from_labels(raw, lab):
    """The raw minus the labelled lines and spans: each run of blank lines
    cut to the longest raw run it is made of, none at either end, the raw's
    final newline kept."""
    final_nl = raw.endswith("\n")
    lines = raw.split("\n")[:-1] if final_nl else raw.split("\n")
    blank = [not s.strip() for s in lines]
    run_len, run_of, run = {}, {}, 0
    for i, b in enumerate(blank):
        if b:
            run += i == 0 or not blank[i - 1]
            run_of[i] = run
            run_len[run] = run_len.get(run, 0) + 1
    text = list(lines)
    for n, span in lab["spans"]:
        text[n - 1] = text[n - 1].replace(span, "", 1)
    drop = {n - 1 for n in lab["lines"]}
    kept = [i for i in range(len(lines)) if i not in drop]
    out, k = [], 0
    while k < len(kept):
        if text[kept[k]].strip():
            out.append(text[kept[k]])
            k += 1
            continue
        j = k
        while j < len(kept) and not text[kept[j]].strip():
            j += 1
        if k and j < len(kept):
            group = kept[k:j]
            out.extend(text[g] for g in group[: max(run_len[run_of[g]] for g in group)])
        k = j
    return "\n".join(out) + ("\n" if out and final_nl else "")


def files(args):
    """(name, raw text, expected text) of the chosen set and part."""
    if args.set == "np3k":
        root = os.path.join(HERE, "np3k")
        for name in sorted(os.listdir(os.path.join(root, "raw"))):
            if args.part in ("all", np3k_part(name)):
                read = lambda d: open(os.path.join(root, d, name), encoding="utf-8", newline="").read()
                yield name, read("raw"), read("expected")
        return
    corpus = os.path.join(args.corpus, "traf-eval")
    if not os.path.isdir(corpus):
        print(f"corpus not found at {corpus}: skipped")
        return
    with open(os.path.join(corpus, "snippets.jsonl")) as f:
        parts = {r["id"]: part_of_url(r["url"]) for r in map(json.loads, f)}
    with open(os.path.join(HERE, "traf", "labels.json"), encoding="utf-8") as f:
        labels = json.load(f)
    for name, lab in sorted(labels.items()):
        if args.part in ("all", parts[name[: -len(".txt")]]):
            path = os.path.join(corpus, "dumps", "trafilatura", "raw", name)
            raw = open(path, encoding="utf-8", newline="").read()
            yield name, raw, expected_from_labels(raw, lab)


# NOISE.md's families, by their number there.
FAMILIES = {1: "ticker", 2: "caption", 3: "copyright", 4: "chrome", 5: "cta", 6: "related",
            7: "source", 8: "tags", 9: "disclaimer", 10: "comments"}


def removed_ranges(changes):
    """Each file's removed byte ranges of its input, sorted, from a change log."""
    ranges = {}
    with open(changes, encoding="utf-8") as f:
        for rec in map(json.loads, f):
            if rec.get("type") == "edit":
                ranges.setdefault(rec["file"], []).append(tuple(rec["bytes"]))
    return {name: sorted(r) for name, r in ranges.items()}


def family_recall(args, work):
    """Noise words and words removed per NOISE.md family: each labelled
    removal of families.jsonl (a line, or a span of it) is found in its raw
    line, and a word of it counts as removed when the change log's edits
    cover all its bytes."""
    raw_dir = os.path.join(work, "raw")
    changes = os.path.join(work, "changes.jsonl")
    out = os.path.join(work, "out")
    shutil.rmtree(out, ignore_errors=True)
    subprocess.run([args.bin, "clean", raw_dir, "-o", out, "--quiet", "--changes", changes] + args.rules.split(),
                   check=False)
    ranges = removed_ranges(changes)
    names = set(os.listdir(raw_dir))
    counts = {}
    with open(os.path.join(HERE, args.set, "families.jsonl"), encoding="utf-8") as f:
        labels = [r for r in map(json.loads, f) if r["file"] in names]
    raws = {}  # file -> (its lines, each line's first byte)
    for lab in labels:
        if lab["file"] not in raws:
            with open(os.path.join(raw_dir, lab["file"]), "rb") as f:
                lines = f.read().split(b"\n")
            starts = [0]
            for l in lines[:-1]:
                starts.append(starts[-1] + len(l) + 1)
            raws[lab["file"]] = lines, starts
        lines, starts = raws[lab["file"]]
        start = starts[lab["line"] - 1]
        line = lines[lab["line"] - 1]
        text = lab["text"].encode("utf-8")
        at = line.find(text)
        if at < 0:
            text = text.strip()
            at = line.find(text)
        if at < 0:
            continue
        cut = ranges.get(lab["file"], [])
        fam = counts.setdefault(lab["family"], [0, 0])
        for m in re.finditer(rb"\S+", text):
            s, e = start + at + m.start(), start + at + m.end()
            k = bisect.bisect_right(cut, (s, float("inf"))) - 1
            fam[0] += 1
            fam[1] += k >= 0 and cut[k][0] <= s and e <= cut[k][1]
    return counts


def main():
    args = arguments("/dev/shm/descrape-labelled", "print this many missed and wrongly removed lines per file",
                     sets=["np3k", "traf"])
    work = os.path.join(args.work, args.set, args.part)
    shutil.rmtree(work, ignore_errors=True)
    for d in ("raw", "expected"):
        os.makedirs(os.path.join(work, d))
    for name, raw, expected in files(args):
        for d, text in (("raw", raw), ("expected", expected)):
            with open(os.path.join(work, d, name), "w", encoding="utf-8", newline="") as f:
                f.write(text)
    if not os.listdir(os.path.join(work, "raw")):
        return
    rep = evaluate(args, os.path.join(work, "raw"), os.path.join(work, "expected"), args.rules.split())
    p, r, f1 = scores(rep["counts"])
    tr, mi = rep["counts"]["true_removed"], rep["counts"]["missed"]
    if args.misses:
        print_worst(rep, args.misses)
    u, n = rep["clean_files_untouched"], rep["clean_files"]
    print(f"set: {args.set}, part: {args.part} (sites split by sha1); {rep['files']} files, {tr + mi} noise words")
    print(f"P {p:.3f}  R {r:.3f}  F1 {f1:.3f}  clean untouched {u}/{n} ({100 * u / max(n, 1):.1f} %)")
    print(f"\n{'family':<13}{'noise':>8}{'story':>8}   words removed")
    for fam in sorted(rep["families"], key=lambda f: -f["true_removed"] - f["false_removed"]):
        print(f"{fam['rule']:<13}{fam['true_removed']:>8}{fam['false_removed']:>8}")
    counts = family_recall(args, work)
    print(f"\n{'NOISE.md family':<17}{'noise':>7}{'removed':>9}{'recall':>8}   (labelled removals, their words)")
    for num in sorted(counts):
        n, r = counts[num]
        print(f"{num:>2} {FAMILIES.get(num, '?'):<14}{n:>7}{r:>9}{r / max(n, 1):>8.3f}")


if __name__ == "__main__":
    main()
