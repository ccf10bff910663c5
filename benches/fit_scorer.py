#!/usr/bin/env python3
"""Fit the line scorer of a `score` rule on labelled dumps.

usage: fit_scorer.py DIR... [--bin PATH] [--precision P] [--out FILE]

Each DIR holds raw/, expected/ and ignore.json as benches/corpus.py lays out
the corpus's tune part (/dev/shm/descrape-corpus/tune/EXTRACTOR). A raw line
is noise when the expected text lacks it, content when the expected text has
it; lines cut in part and lines in ignore.json are left out. Features come
from `descrape features` (hidden subcommand), so Rust and this script can
never disagree on them. Each line weighs as many words as it holds, as the
word-level score does. The model is an L2-regularised logistic regression
fitted by Newton's method (numpy); the threshold printed is the lowest one
whose precision on these lines reaches --precision. Prints the weights as
the YAML of a `score` rule.
"""
import argparse, difflib, json, os, subprocess, sys

import numpy as np


def labels(raw_path, exp_path, skip):
    raw = open(raw_path, encoding="utf-8", errors="replace").read().split("\n")
    exp = open(exp_path, encoding="utf-8", errors="replace").read().split("\n")
    sm = difflib.SequenceMatcher(None, raw, exp, autojunk=False)
    kept = set()
    for a, _, n in sm.get_matching_blocks():
        kept.update(range(a, a + n))
    exp_text = "\n".join(exp)
    out = {}
    for i, line in enumerate(raw):
        if not line.strip() or (i + 1) in skip:
            continue
        if i in kept:
            out[i + 1] = 0
        elif any(e.strip() and e.strip() in line for e in exp if len(e.strip()) > 10):
            continue  # cut in part
        else:
            out[i + 1] = 1
    return out, raw


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("dirs", nargs="+")
    ap.add_argument("--bin", default=os.path.join(here, "..", "target", "release", "descrape"))
    ap.add_argument("--precision", type=float, default=0.95)
    ap.add_argument("--l2", type=float, default=1.0)
    ap.add_argument("--l2-words", type=float, default=5.0)
    ap.add_argument("--min-pages", type=int, default=4, help="pages a word must appear on to get a weight")
    ap.add_argument("--min-weight", type=float, default=0.25, help="smaller word weights are left out")
    args = ap.parse_args()
    X, y, w, T, pages = [], [], [], [], []
    for d in args.dirs:
        ignore = json.load(open(os.path.join(d, "ignore.json")))
        feats = subprocess.run([args.bin, "features", os.path.join(d, "raw")], capture_output=True, text=True, check=True).stdout
        by_file = {}
        for line in feats.splitlines():
            r = json.loads(line)
            by_file.setdefault(r["file"], {})[r["line"]] = r
        for name, rows in by_file.items():
            lab, raw = labels(os.path.join(d, "raw", name), os.path.join(d, "expected", name), set(ignore.get(name, [])))
            for ln, f in rows.items():
                if ln in lab:
                    X.append(f["features"])
                    T.append(f["tokens"])
                    pages.append(name)
                    y.append(lab[ln])
                    w.append(max(1, len(raw[ln - 1].split())))
    # The vocabulary: words on lines of at least --min-pages pages, so a
    # word one site repeats cannot become a rule for all sites.
    seen = {}
    for toks, page in zip(T, pages):
        for t in toks:
            seen.setdefault(t, set()).add(page)
    vocab = sorted(t for t, p in seen.items() if len(p) >= args.min_pages and not t.isdigit())
    col = {t: i for i, t in enumerate(vocab)}
    n_shape = len(X[0])
    X = np.array(X, dtype=float)
    Wd = np.zeros((len(X), len(vocab)))
    for r, toks in enumerate(T):
        for t in toks:
            if t in col:
                Wd[r, col[t]] = 1.0
    X = np.hstack([np.ones((len(X), 1)), X, Wd])
    y = np.array(y, dtype=float)
    w = np.array(w, dtype=float)
    w = w / w.mean()
    beta = np.zeros(X.shape[1])
    reg = args.l2 * np.eye(X.shape[1])
    reg[0, 0] = 0
    # Word weights are shrunk harder than shape features: there are many.
    for i in range(1 + n_shape, X.shape[1]):
        reg[i, i] = args.l2_words
    for _ in range(30):
        p = 1 / (1 + np.exp(-X @ beta))
        g = X.T @ (w * (p - y)) + reg @ beta
        H = (X * (w * p * (1 - p))[:, None]).T @ X + reg
        step = np.linalg.solve(H, g)
        beta -= step
        if np.abs(step).max() < 1e-8:
            break
    p = 1 / (1 + np.exp(-X @ beta))
    print(f"# {len(y)} lines, {int(y.sum())} noise; noise words {w[y == 1].sum():.0f} of {w.sum():.0f} (weighted)", file=sys.stderr)
    best = None
    for t in np.arange(0.30, 0.99, 0.01):
        sel = p >= t
        tp = (w * sel * y).sum()
        fp = (w * sel * (1 - y)).sum()
        prec = tp / (tp + fp) if tp + fp else 1
        rec = tp / (w * y).sum()
        print(f"# threshold {t:.2f}: precision {prec:.3f} recall {rec:.3f} (scored lines)", file=sys.stderr)
        if best is None and prec >= args.precision:
            best = t
    feats = subprocess.run([args.bin, "features", "--list"], capture_output=True, text=True).stdout.split()
    print(f"threshold: {best:.2f}" if best is not None else "threshold: 0.99")
    print("weights:")
    print(f"  bias: {beta[0]:.3f}")
    for n, b in zip(feats, beta[1:1 + n_shape]):
        print(f"  {n}: {b:.3f}")
    words = [(t, b) for t, b in zip(vocab, beta[1 + n_shape:]) if abs(b) >= args.min_weight]
    print("words:")
    for t, b in sorted(words):
        print(f"  {t}: {b:.2f}")


if __name__ == "__main__":
    main()
