#!/usr/bin/env python3
"""Default rules on real news dumps labelled by hand under NOISE.md.

usage: np3k.py [--part tune|test|all] [--bin PATH] [--work DIR] [--rules ARGS]
               [--misses N]

Reads benches/np3k (see its README): 152 dumps that newspaper3k made from
real news pages of about 100 sites, each with a hand-cleaned expected
version. Unlike wcxb-dev's gold, these labels follow NOISE.md itself, so
precision here is a firm figure too. Files are split by site the way
corpus.py splits pages: the site is the file name without its trailing
number; sha1(site) with an odd first byte is the test part. Prints P, R,
F1 and clean files untouched, and per rule family the words removed.
A benchmark, not a test.
"""
import hashlib, json, os, re, shutil, subprocess, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from corpus import arguments  # noqa: E402


def part_of(name):
    site = re.sub(r"\d+$", "", name[: -len(".txt")])
    site = site[4:] if site.startswith("www.") else site
    return "test" if hashlib.sha1(site.encode()).digest()[0] % 2 else "tune"


def main():
    args = arguments("/dev/shm/descrape-np3k", "print this many missed and wrongly removed lines per file")
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "np3k")
    work = os.path.join(args.work, args.part)
    shutil.rmtree(work, ignore_errors=True)
    for d in ("raw", "expected"):
        os.makedirs(os.path.join(work, d))
    for name in sorted(os.listdir(os.path.join(here, "raw"))):
        if args.part == "all" or part_of(name) == args.part:
            for d in ("raw", "expected"):
                shutil.copy(os.path.join(here, d, name), os.path.join(work, d, name))
    extra = args.rules.split()
    out = subprocess.run(
        [args.bin, "eval", os.path.join(work, "raw"), "--gold", os.path.join(work, "expected"),
         "--json", "--worst", "100000"] + extra, capture_output=True, text=True)
    if out.returncode not in (0, 1):
        sys.exit(f"eval failed: {out.stderr}")
    rep = json.loads(out.stdout)
    c = rep["counts"]
    tr, fr, mi = c["true_removed"], c["false_removed"], c["missed"]
    p = tr / (tr + fr) if tr + fr else 1.0
    r = tr / (tr + mi) if tr + mi else 1.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    if args.misses:
        for x in rep["worst"]:
            for m in x.get("false_removals", [])[: args.misses]:
                print(f"  LOST {x['file']}:{m['line']} [{m['rule']}] {m['words'][:160]}")
            for m in x.get("misses", [])[: args.misses]:
                print(f"  MISS {x['file']}:{m['line']} {m['words'][:160]}")
    u, n = rep["clean_files_untouched"], rep["clean_files"]
    print(f"part: {args.part} (sites split by sha1(site)); {rep['files']} files, {tr + mi} noise words")
    print(f"P {p:.3f}  R {r:.3f}  F1 {f1:.3f}  clean untouched {u}/{n} ({100 * u / max(n, 1):.1f} %)")
    print(f"\n{'family':<13}{'noise':>8}{'story':>8}   words removed")
    for fam in sorted(rep["families"], key=lambda f: -f["true_removed"] - f["false_removed"]):
        print(f"{fam['rule']:<13}{fam['true_removed']:>8}{fam['false_removed']:>8}")


if __name__ == "__main__":
    main()
