#!/usr/bin/env python3
"""Default rules on full-page dumps: every visible line of a real page.

usage: fullpage.py [--corpus DIR] [--part tune|test|all] [--bin PATH]
                   [--work DIR] [--rules ARGS] [--misses N]

A scraper that keeps a page's whole text (`soup.get_text("\\n")` and the
like) leaves menus, headline lists, footers and forms around the story,
where the four extractors of corpus.py leave little of them. This script
makes such dumps from the pages of ../shared/corpus with Python's own HTML
parser: a line per block element, script, style and the head left out. The
expected text is the dump's lines that belong to the page's main text:
- wcxb-dev pages (327): the corpus's gold;
- newspaper3k pages (149): benches/np3k/expected, the project's NOISE.md
  labels of newspaper's own extraction (pages whose extraction is a
  placeholder are skipped).
A line is main text when, whitespace and case folded, it is a line of the
gold or, at four words or more, part of one. The rest is noise: menus,
teasers, footers, forms, and also what the gold leaves out that NOISE.md
might keep (a headline, a byline), so precision here is a lower bound.
traf-eval's 207 pages (mostly news, several languages) have no full gold
but human must-drop and must-keep snippets: a snippet counts where the
dump holds it, and should be gone (drop) or still there (keep) after
cleaning, as in snippets.py.
Pages are split by site as corpus.py and labelled.py split them. A
benchmark, not a test: it prints figures and skips when the corpus is
absent.
"""
import html.parser
import os
import re
import shutil
import subprocess
import unicodedata

from corpus import add_families, arguments, evaluate, part_of, print_worst, read_set, scores
from labelled import np3k_part
from snippets import score_page

HERE = os.path.dirname(os.path.abspath(__file__))
BLOCK = {
    "address", "article", "aside", "blockquote", "br", "button", "dd", "div", "dl", "dt", "figcaption",
    "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "label", "li", "main",
    "nav", "ol", "option", "p", "pre", "section", "table", "td", "th", "tr", "ul",
}
HIDDEN = {"head", "iframe", "noscript", "script", "select", "style", "svg", "template"}


class Visible(html.parser.HTMLParser):
    """The page's visible text, a line per block."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.lines, self.cur, self.hidden = [], [], 0

    def flush(self):
        text = re.sub(r"\s+", " ", "".join(self.cur)).strip()
        if text:
            self.lines.append(text)
        self.cur = []

    def handle_starttag(self, tag, attrs):
        if tag == "body":
            # A page that never closes its head starts showing text here.
            self.hidden = 0
        if tag in HIDDEN:
            self.hidden += 1
        elif tag in BLOCK:
            self.flush()

    def handle_endtag(self, tag):
        if tag in HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in BLOCK:
            self.flush()

    def handle_startendtag(self, tag, attrs):
        if tag in BLOCK:
            self.flush()

    def handle_data(self, data):
        if not self.hidden:
            self.cur.append(data)


def page_lines(path):
    with open(path, "rb") as f:
        page = f.read().decode("utf-8", "replace")
    p = Visible()
    p.feed(page)
    p.close()
    p.flush()
    return p.lines


def fold(s):
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", s)).strip().lower()


def main_text(line, gold_lines, gold_text):
    f = fold(line)
    return f in gold_lines or (len(f.split()) >= 4 and f in gold_text)


def pages(args):
    """(set, name, page path, gold path) of the part's pages."""
    wcxb, records = read_set(args, "wcxb-dev")
    for rec in records if wcxb else []:
        if args.part in ("all", part_of(rec["url"])):
            page = os.path.join(wcxb, "html", rec["id"] + ".html")
            if os.path.exists(page):
                yield "wcxb-dev", rec["id"], page, os.path.join(wcxb, "gold", rec["id"] + ".txt")
    np3k = os.path.join(args.corpus, "newspaper3k", "html")
    for name in sorted(os.listdir(np3k)) if os.path.isdir(np3k) else []:
        txt = name[: -len(".html")] + ".txt"
        gold = os.path.join(HERE, "np3k", "expected", txt)
        if args.part in ("all", np3k_part(txt)) and os.path.exists(gold) and os.path.getsize(gold) > 200:
            yield "newspaper3k", name[: -len(".html")], os.path.join(np3k, name), gold


def snippet_pages(args, work):
    """traf-eval's pages as full-page dumps, cleaned and scored by their
    snippets: (must-drop in the dump, removed, must-keep in the dump, kept,
    the must-drop snippets left and must-keep ones lost)."""
    root, records = read_set(args, "traf-eval")
    if root is None:
        return None
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(os.path.join(work, "raw"))
    pages = {}
    for rec in records:
        page = os.path.join(root, "html", rec["id"] + ".html")
        if args.part in ("all", part_of(rec["url"])) and os.path.exists(page):
            pages[rec["id"]] = rec
            with open(os.path.join(work, "raw", rec["id"] + ".txt"), "w", encoding="utf-8") as f:
                f.write("\n\n".join(page_lines(page)) + "\n")
    out = os.path.join(work, "out")
    subprocess.run([args.bin, "clean", os.path.join(work, "raw"), "-o", out, "--quiet"] + args.rules.split(),
                   check=False)
    row, left = [0, 0, 0, 0], []
    for pid, rec in pages.items():
        name = pid + ".txt"
        score_page(rec, os.path.join(work, "raw", name), os.path.join(out, name), row, left, f"traf-eval/{name}")
    return len(pages), row, left


def main():
    args = arguments("/dev/shm/descrape-fullpage", "print this many missed and wrongly removed lines per file")
    sets = {}
    for name, pid, page, gold_path in pages(args):
        with open(gold_path, encoding="utf-8") as f:
            gold = f.read()
        gold_lines = {fold(g) for g in gold.split("\n") if g.strip()}
        gold_text = fold(gold)
        lines = page_lines(page)
        work = os.path.join(args.work, args.part, name)
        if name not in sets:
            shutil.rmtree(work, ignore_errors=True)
            for d in ("raw", "expected"):
                os.makedirs(os.path.join(work, d))
            sets[name] = work
        keep = [line for line in lines if main_text(line, gold_lines, gold_text)]
        for d, text in (("raw", lines), ("expected", keep)):
            with open(os.path.join(work, d, pid + ".txt"), "w", encoding="utf-8") as f:
                f.write("\n\n".join(text) + "\n")
    if not sets:
        print("no pages found")
        return
    print(f"part: {args.part} (sites split by sha1(host)); full-page dumps, a line per block")
    print(f"{'set':<13}{'files':>6}{'P':>8}{'R':>8}{'F1':>8}  noise words")
    families = {}
    for name, work in sets.items():
        extra = args.rules.split()
        subprocess.run([args.bin, "clean", os.path.join(work, "raw"), "-o", os.path.join(work, "out"),
                        "--quiet"] + extra, check=False)
        rep = evaluate(args, os.path.join(work, "raw"), os.path.join(work, "expected"), extra)
        c = rep["counts"]
        p, r, f1 = scores(c)
        print(f"{name:<13}{rep['files']:>6}{p:>8.3f}{r:>8.3f}{f1:>8.3f}  {c['true_removed'] + c['missed']}")
        add_families(families, rep)
        if args.misses:
            print_worst(rep, args.misses, f"{name}/")
    print(f"\n{'family':<13}{'noise':>8}{'main':>8}   words removed, both sets")
    for name, (tr, fr) in sorted(families.items(), key=lambda x: -x[1][0] - x[1][1]):
        print(f"{name:<13}{tr:>8}{fr:>8}")
    scored = snippet_pages(args, os.path.join(args.work, args.part, "traf-eval"))
    if scored:
        n, (drop, removed, keep, kept), left = scored
        print(f"\ntraf-eval, {n} pages: must-drop snippets removed {removed}/{drop} ({removed / max(drop, 1):.3f}),"
              f" must-keep kept {kept}/{keep} ({kept / max(keep, 1):.3f})")
        for line in left[: args.misses and len(left)]:
            print(line)


if __name__ == "__main__":
    main()
