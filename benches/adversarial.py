#!/usr/bin/env python3
"""How many of the story lines written to break the default rules still go.

usage: adversarial.py [--bin PATH]

Cleans each document of tests/fixtures/adversarial/*.jsonl with the
default rules and prints, per rule, the lines still removed and those
kept. A benchmark, not a test (the kept ones are also checked by
`cargo test`).
"""
import argparse, collections, json, os, subprocess

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(HERE, "..", "target", "release", "descrape"))
    args = ap.parse_args()
    folder = os.path.join(HERE, "..", "tests", "fixtures", "adversarial")
    counts = collections.defaultdict(lambda: [0, 0])
    for name in ("kept.jsonl", "still-removed.jsonl"):
        with open(os.path.join(folder, name)) as f:
            for rec in map(json.loads, f):
                out = subprocess.run([args.bin, "clean", "-q", "-", "-o", "-"], input=rec["doc"],
                                     capture_output=True, text=True, check=True).stdout
                # Whole lines: a short line may also occur inside a sentence.
                removed = f"\n{rec['line']}\n" not in f"\n{out}\n"
                counts[rec["rule"]][0 if removed else 1] += 1
                if removed:
                    print(f"  removed [{rec['rule']}] {rec['line'][:100]}")
    print(f"\n{'rule':<32}{'removed':>8}{'kept':>6}")
    for rule, (removed, kept) in sorted(counts.items()):
        print(f"{rule:<32}{removed:>8}{kept:>6}")
    total = [sum(c[i] for c in counts.values()) for i in (0, 1)]
    print(f"{'all':<32}{total[0]:>8}{total[1]:>6}")


if __name__ == "__main__":
    main()
