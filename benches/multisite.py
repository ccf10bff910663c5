#!/usr/bin/env python3
"""Generate a multi-site scrape for measuring `suggest` and `repeated` rules.

Each site has its own repeated chrome (a poll block at the head, a sign-off
and newsletter ask at the tail, an alternate-addresses list), varied
numbers, and story text unique per article, except quotes and stock
sentences that several articles of a site share (story text that repeats).
Writes SITE/NNNNN.txt under OUT and OUT.truth.json, which lists, per site,
the chrome lines (noise) and the shared story lines (content).

usage: multisite.py OUT [--sites N] [--docs N] [--mb MB] [--seed S]
"""
import argparse
import json
import os
import random

WORDS = ("the council said on tuesday that new rules for the city port would take effect next month after "
         "a long review of shipping safety trade and local jobs officials told reporters the plan had broad "
         "support among residents although some business owners warned of higher costs for small firms in "
         "the region which depends heavily on tourism fishing and farming").split()


def sentence(rng, n):
    w = [rng.choice(WORDS) for _ in range(n)]
    w[0] = w[0].capitalize()
    return " ".join(w) + "."


def site_chrome(rng, name):
    return {
        "head": [f"Take our {name} reader poll - story continues below",
                 "Which issue matters most to you this year?",
                 "Vote now and see results"],
        "tail": [f"Sign up for the {name} morning newsletter",
                 f"Follow {name} on social media for updates",
                 f"{name.capitalize()} website can also be accessed at the following alternate addresses:",
                 f"{name}.example.net {name}.example.org"],
        "stamp": f"{name.upper()} Desk | Updated 0{rng.randint(1, 9)}:{rng.randint(10, 59)} GMT",
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--sites", type=int, default=5)
    ap.add_argument("--docs", type=int, default=40, help="documents per site (ignored with --mb)")
    ap.add_argument("--mb", type=float, default=0)
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    names = [f"site{i}" for i in range(a.sites)]
    chrome = {n: site_chrome(rng, n) for n in names}
    shared = {n: [f"“We will keep working for the people of {n} until the job is done,” the mayor said in a statement.",
                  f"The {n} port handles about a third of the region's exports and employs several thousand people."]
              for n in names}
    truth = {n: {"noise": chrome[n]["head"] + chrome[n]["tail"], "shared_story": shared[n]} for n in names}
    total, i = 0, 0
    target = a.mb * 1e6 if a.mb else None
    while (target and total < target) or (not target and i < a.docs * a.sites):
        n = names[i % a.sites]
        c = chrome[n]
        lines = list(c["head"]) + [""]
        lines.append(sentence(rng, rng.randint(6, 12))[:-1])  # headline
        lines.append("")
        paras = [sentence(rng, rng.randint(18, 40)) for _ in range(rng.randint(4, 9))]
        if rng.random() < 0.35:
            paras.insert(rng.randint(1, len(paras)), rng.choice(shared[n]))
        for p in paras:
            lines += [p, ""]
        lines += c["tail"]
        lines.append(c["stamp"].replace("0", str(rng.randint(0, 9)), 1))
        text = "\n".join(lines)
        d = os.path.join(a.out, n)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, f"{i:06}.txt"), "w", encoding="utf-8") as f:
            f.write(text)
        total += len(text.encode())
        i += 1
    with open(a.out.rstrip("/") + ".truth.json", "w", encoding="utf-8") as f:
        json.dump(truth, f, indent=1)
    print(f"{i} documents, {total / 1e6:.1f} MB, {a.sites} sites")


if __name__ == "__main__":
    main()
