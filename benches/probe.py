#!/usr/bin/env python3
"""Noise lines of news sites, written blind to rules/: how many the defaults remove.

usage: probe.py [--bin PATH] [--set N] [--half all|tuned|held-out] [-v]

benches/probe/noise-N.jsonl holds noise lines as news sites print them
({"family": NOISE.md family, "line", "where": head|middle|tail}) and
story-N.jsonl story lines that look like noise ({"line", "why"}), each
written by a helper who read NOISE.md only, not rules/ or the corpus (see
benches/probe/README.md). Each noise line is cleaned inside a two-paragraph
story at its place; each story line in the middle and at the end of one.
Prints the share of noise lines removed per family and the story documents
changed. Rules were written from the lines of even 0-based index of each
set (`--half tuned`); the others (`--half held-out`) were not read. A line
counts as removed when its whole text is gone, so a caption whose credit
a span cut counts too. Our own
text: a check that rules reach the wordings of a family they were not
written from, not a measure of quality on real data. A benchmark, not a
test.
"""
import argparse, collections, json, os, shutil, subprocess, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
FIRST = ("The minister said on Monday that talks with the neighbouring countries would resume "
         "next week in Geneva, officials confirmed.")
LAST = ("Officials added that the delegation would include trade and energy experts, and that a "
        "joint statement was expected by Friday.")


def document(line, where):
    if where == "head":
        return f"{line}\n\n{FIRST}\n\n{LAST}\n"
    if where == "middle":
        return f"{FIRST}\n\n{line}\n\n{LAST}\n"
    return f"{FIRST}\n\n{LAST}\n\n{line}\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(HERE, "..", "target", "release", "descrape"))
    ap.add_argument("--set", default="1")
    ap.add_argument("--half", default="all", choices=["all", "tuned", "held-out"])
    ap.add_argument("-v", action="store_true", help="print the lines kept and the story lines changed")
    args = ap.parse_args()
    keep = {"all": lambda i: True, "tuned": lambda i: i % 2 == 0, "held-out": lambda i: i % 2 == 1}[args.half]
    read = lambda name: [json.loads(l) for l in open(os.path.join(HERE, "probe", f"{name}-{args.set}.jsonl"), encoding="utf-8")]
    noise = [n for i, n in enumerate(read("noise")) if keep(i)]
    story = [s for i, s in enumerate(read("story")) if keep(i)]
    docs = {}
    for i, n in enumerate(noise):
        docs[f"n{i:04d}.txt"] = (document(n["line"], n.get("where", "tail")), n)
    for i, s in enumerate(story):
        for where in ("middle", "tail"):
            docs[f"s{i:04d}{where}.txt"] = (document(s["line"], where), s)
    work = tempfile.mkdtemp(prefix="descrape-probe-")
    try:
        os.makedirs(os.path.join(work, "in"))
        for name, (text, _) in docs.items():
            with open(os.path.join(work, "in", name), "w", encoding="utf-8") as f:
                f.write(text)
        subprocess.run([args.bin, "clean", "-q", os.path.join(work, "in"), "-o", os.path.join(work, "out")],
                       check=True)
        kept, changed = collections.defaultdict(list), []
        for name, (text, rec) in docs.items():
            with open(os.path.join(work, "out", name), encoding="utf-8") as f:
                out = f.read()
            if name.startswith("n"):
                if rec["line"].strip() in out:
                    kept[rec["family"]].append(rec["line"])
            elif out != text:
                changed.append(rec["line"])
    finally:
        shutil.rmtree(work)
    total = collections.Counter(n["family"] for n in noise)
    print(f"set {args.set}, {args.half}: {len(noise)} noise lines, {len(story)} story lines")
    print(f"{'family':<8}{'removed':>8}{'of':>5}")
    for fam in sorted(total):
        print(f"{fam:<8}{total[fam] - len(kept[fam]):>8}{total[fam]:>5}")
    removed = len(noise) - sum(len(v) for v in kept.values())
    print(f"{'all':<8}{removed:>8}{len(noise):>5}  ({removed / max(1, len(noise)):.3f})")
    print(f"story documents changed: {len(changed)} of {2 * len(story)}")
    if args.v:
        for fam in sorted(kept):
            print(f"--- family {fam}, kept")
            print("\n".join(f"  {l}" for l in kept[fam]))
        print("--- story lines changed")
        print("\n".join(f"  {l}" for l in changed))


if __name__ == "__main__":
    main()
