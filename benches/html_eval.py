#!/usr/bin/env python3
"""Main-text quality and speed on real pages: descrape against Python trafilatura.

On ../shared/corpus/wcxb-dev/html (or $DESCRAPE_CORPUS/wcxb-dev/html) with
its gold (gold/ID.txt), every variant cleans every page on one core and is
scored by word-level F1: the output's words and the gold's words as bags
(NFKC, split at whitespace), precision and recall per page, F1 per page,
then averaged over pages. An empty output scores 0. Pages/s is per core:
pages over the CPU time (user and system) of the whole descrape process
(`-j 1`), and of Python's extraction loop (one process). CPU time, not
wall clock, because on a shared machine a run's wall clock also counts
the time other tenants hold the core.

Variants:
  before        --before BIN (e.g. main's binary), default rules
  after         --after BIN (default target/release/descrape), default rules,
                and with the extractor's fallback set on and off
  extractor     --after BIN with only the `html.main-text` rule (the crate's
                choice alone, rendered and aligned as descrape does)
  python        trafilatura 2.3.1, extract(html, include_comments=False),
                in a venv this script makes (benches/.venv-trafilatura)

usage: html_eval.py [--before BIN] [--after BIN] [--no-python] [--limit N]
                    [--rounds N]

With --rounds N every variant runs N times, the variants taking turns
within each round, and pages/s is the median: single runs on a shared
machine vary by a third, and turns spread the drift over all variants.

A benchmark, not a test: it prints a table and writes nothing in the repo
but the venv. Without the corpus it says so and exits 0.
"""
import argparse
import collections
import os
import shutil
import subprocess
import sys
import tempfile
import unicodedata

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.environ.get("DESCRAPE_CORPUS", os.path.join(ROOT, "..", "shared", "corpus"))
VENV = os.path.join(ROOT, "benches", ".venv-trafilatura")

PY_RUNNER = r'''
import os, sys, time
from trafilatura import extract
src, dst = sys.argv[1], sys.argv[2]
names = sorted(n for n in os.listdir(src) if n.endswith(".html"))
limit = int(sys.argv[3])
if limit:
    names = names[:limit]

def decode(b):
    """As the corpus was built: BOM, strict UTF-8, declared charset, cp1252."""
    if b.startswith(b"\xef\xbb\xbf"):
        return b[3:].decode("utf-8", "replace")
    try:
        return b.decode("utf-8")
    except UnicodeDecodeError:
        pass
    import re
    m = re.search(rb"charset=[\"']?([A-Za-z0-9_.:-]+)", b[:2048])
    if m:
        try:
            return b.decode(m.group(1).decode("ascii"), "replace")
        except LookupError:
            pass
    return b.decode("cp1252", "replace")

pages = [(n, decode(open(os.path.join(src, n), "rb").read())) for n in names]
t0 = time.process_time()
for n, html in pages:
    text = extract(html, include_comments=False) or ""
    with open(os.path.join(dst, n + ".txt"), "w", encoding="utf-8") as f:
        f.write(text)
print(time.process_time() - t0)
'''


def words(text):
    return unicodedata.normalize("NFKC", text).split()


def f1(out, gold):
    o, g = collections.Counter(words(out)), collections.Counter(words(gold))
    common = sum((o & g).values())
    if not common:
        return 0.0, 0.0, 0.0
    p, r = common / sum(o.values()), common / sum(g.values())
    return p, r, 2 * p * r / (p + r)


def score(out_dir, pages, gold_dir):
    ps, rs, fs = [], [], []
    for name in pages:
        path = os.path.join(out_dir, name + ".txt")
        out = open(path, encoding="utf-8", errors="replace").read() if os.path.exists(path) else ""
        gold = open(os.path.join(gold_dir, name[: -len(".html")] + ".txt"), encoding="utf-8").read()
        p, r, f = f1(out, gold)
        ps.append(p)
        rs.append(r)
        fs.append(f)
    n = len(pages)
    return sum(ps) / n, sum(rs) / n, sum(fs) / n


def run_descrape(binary, src, out, rules_args):
    cmd = [binary, "clean", "-q", "-j", "1", src, "-o", out] + rules_args
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    stderr = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    failed = proc.returncode != 0
    if failed:
        sys.stderr.write(f"{binary}: exit {proc.returncode}: {stderr.strip()[:300]}\n")
    return usage.ru_utime + usage.ru_stime, failed


def ensure_venv():
    python = os.path.join(VENV, "bin", "python")
    ok = os.path.exists(python) and subprocess.run(
        [python, "-c", "import trafilatura,sys; sys.exit(trafilatura.__version__ != '2.3.1')"],
        capture_output=True).returncode == 0
    if not ok:
        subprocess.run([sys.executable, "-m", "venv", VENV], check=True)
        # justext needs lxml.html.clean, a separate package since lxml 5.2.
        subprocess.run([python, "-m", "pip", "install", "-q", "trafilatura==2.3.1", "lxml_html_clean"], check=True)
    return python


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--before", help="descrape binary to compare against (e.g. main's)")
    ap.add_argument("--after", default=os.path.join(ROOT, "target", "release", "descrape"))
    ap.add_argument("--no-python", action="store_true")
    ap.add_argument("--limit", type=int, default=0, help="only the first N pages")
    ap.add_argument("--rounds", type=int, default=1, help="runs per variant, taking turns; pages/s is the median")
    args = ap.parse_args()

    html_dir = os.path.join(CORPUS, "wcxb-dev", "html")
    gold_dir = os.path.join(CORPUS, "wcxb-dev", "gold")
    if not os.path.isdir(html_dir) or not os.path.isdir(gold_dir):
        print(f"html_eval: no corpus at {CORPUS} (set DESCRAPE_CORPUS); skipped")
        return 0
    pages = sorted(n for n in os.listdir(html_dir)
                   if n.endswith(".html") and os.path.exists(os.path.join(gold_dir, n[:-5] + ".txt")))
    if args.limit:
        pages = pages[: args.limit]
    tmp = tempfile.mkdtemp(prefix="html_eval.")
    src = os.path.join(tmp, "pages")
    os.makedirs(src)
    for n in pages:
        shutil.copy(os.path.join(html_dir, n), os.path.join(src, n))

    # Rule sets for the variants: the defaults with the extractor's fallback
    # set either way, and the main-text rule alone.
    def rules_with(fallback):
        d = os.path.join(tmp, f"rules-fallback-{fallback}")
        shutil.copytree(os.path.join(ROOT, "rules"), d)
        path = os.path.join(d, "html.yaml")
        text = open(path).read()
        text = text.replace("  match: main-text\n", f"  match: main-text\n  fallback: {fallback}\n", 1)
        open(path, "w").write(text)
        return ["--no-default-rules", "--rules", d]

    def extractor_only(fallback):
        path = os.path.join(tmp, f"main-text-only-{fallback}.yaml")
        with open(path, "w") as f:
            f.write(f"- id: html.main-text\n  doc: The extractor alone.\n  match: main-text\n  fallback: {fallback}\n")
        return ["--no-default-rules", "--rules", path]

    variants = []
    if args.before:
        variants.append(("descrape before", args.before, []))
    if os.path.exists(args.after):
        variants.append(("descrape after (defaults)", args.after, []))
        for fb in ("true", "false"):
            variants.append((f"descrape after, fallback {fb}", args.after, rules_with(fb)))
            variants.append((f"extractor alone, fallback {fb}", args.after, extractor_only(fb)))
    else:
        print(f"html_eval: no {args.after}; build it with `cargo build --release`")

    python = None if args.no_python else ensure_venv()

    def run_python(out):
        os.makedirs(out, exist_ok=True)
        proc = subprocess.run([python, "-c", PY_RUNNER, src, out, str(args.limit)],
                              capture_output=True, text=True, env={**os.environ, "OMP_NUM_THREADS": "1"})
        if proc.returncode != 0:
            sys.stderr.write(proc.stderr)
            return None, True
        return float(proc.stdout.strip().splitlines()[-1]), False

    runs = [(label,
             lambda out, b=binary, e=extra: run_descrape(b, src, out, e)) for label, binary, extra in variants]
    if python:
        runs.append(("Python trafilatura 2.3.1", run_python))
    times = {label: [] for label, _ in runs}
    failures = set()
    for round_ in range(max(1, args.rounds)):
        for label, run in runs:
            out = os.path.join(tmp, f"{round_}-" + label.replace(" ", "_").replace(",", "").replace("(", "").replace(")", ""))
            elapsed, failed = run(out)
            if failed:
                failures.add(label)
            elif elapsed:
                times[label].append(elapsed)
            # The outputs do not change between rounds: score the first.
            if round_ == 0:
                times[label + " out"] = out
            else:
                shutil.rmtree(out, ignore_errors=True)
    rows = []
    for label, _ in runs:
        # descrape writes ID.html.txt for ID.html.
        p, r, f = score(times[label + " out"], pages, gold_dir)
        ts = sorted(times[label])
        speed = len(pages) / ts[len(ts) // 2] if ts else 0.0
        rows.append((label + (" [exit != 0]" if label in failures else ""), p, r, f, speed))

    rounds = f", median of {args.rounds} alternated runs" if args.rounds > 1 else ""
    print(f"{len(pages)} pages of wcxb-dev, word-level bag F1 averaged per page, one core{rounds}\n")
    print(f"| {'variant':<36} | precision | recall |    F1 | pages/s |")
    print(f"|{'-' * 38}|----------:|-------:|------:|--------:|")
    for label, p, r, f, speed in rows:
        print(f"| {label:<36} |     {p:.3f} |  {r:.3f} | {f:.3f} | {speed:7.1f} |")
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
