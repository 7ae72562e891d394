#!/usr/bin/env python3
"""The study's tables (docs/experiment.md) from a finished `wmss demo` / `wmss compare`
directory: the regime per seed (entropies, gap, repair term, SFT 1/2/3 epochs), the
sweeps (lambda; joint learning rate x warmup) as paired differences against the anchor
and against M1, and per-level accuracy of the main arms.

    python3 scripts/study_tables.py DIR        # DIR/compare (a demo) or DIR (a compare)
"""
import json
import math
import os
import sys

T95 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262}


def ci(xs):
    n = len(xs)
    m = sum(xs) / n
    if n < 2:
        return m, float("nan"), float("nan")
    sd = math.sqrt(sum((x - m) ** 2 for x in xs) / (n - 1))
    h = T95.get(n - 1, 1.96) * sd / math.sqrt(n)
    return m, m - h, m + h


def main(d):
    cmp = os.path.join(d, "compare") if os.path.isdir(os.path.join(d, "compare")) else d
    res = json.load(open(os.path.join(cmp, "report", "results.json")))
    arms = {a["name"]: a for a in res["arms"]}
    seeds = res["seeds"]

    def acc(name):  # seed -> accuracy in %
        a = arms.get(name)
        return {s: 100 * x for s, x in zip(a["seeds"], a["accuracy"])} if a else {}

    def paired(name, ref):
        x, y = acc(name), acc(ref)
        common = [s for s in seeds if s in x and s in y]
        return [x[s] - y[s] for s in common]

    def fmt(xs):
        m, lo, hi = ci(xs)
        wins = sum(v > 0 for v in xs), sum(v == 0 for v in xs), sum(v < 0 for v in xs)
        return f"{m:+.2f} [{lo:+.2f}, {hi:+.2f}] ({wins[0]}/{wins[1]}/{wins[2]})"

    # The regime per seed.
    w = [json.loads(l) for l in open(os.path.join(cmp, "shared", "entropy-m0.jsonl"))]
    print("### The regime per seed\n")
    print("| seed | H M0 | H M1 | mean abs dH / H M0 | examples with dH > 0 | M1 | SFT-2ep | SFT-3ep | 3ep - 2ep |")
    print("|---|---|---|---|---|---|---|---|---|")
    gaps, h1s, reps, sat = [], [], [], []
    for s in seeds:
        p = os.path.join(cmp, f"seed-{s}", "shared", "entropy-m1.jsonl")
        if not os.path.exists(p):
            continue
        st = [json.loads(l) for l in open(p)]
        pairs = [(a["entropy"], b["entropy"]) for a, b in zip(w, st) if a["entropy"] is not None and b["entropy"] is not None]
        hw = sum(a for a, _ in pairs) / len(pairs)
        hs = sum(b for _, b in pairs) / len(pairs)
        gap = sum(abs(b - a) for a, b in pairs) / len(pairs) / hw
        rep = sum(b > a for a, b in pairs)
        a1, a2, a3 = acc("m1").get(s), acc("sft-2ep").get(s), acc("sft-3ep").get(s)
        gaps.append(gap), h1s.append(hs), reps.append(rep)
        if a3 is not None:
            sat.append(a3 - a2)
        print(f"| {s} | {hw:.3f} | {hs:.3f} | {100 * gap:.1f}% | {rep} of {len(pairs)} | {a1:.2f} | {a2:.2f} | "
              f"{'' if a3 is None else f'{a3:.2f}'} | {'' if a3 is None else f'{a3 - a2:+.2f}'} |")
    if sat:
        print(f"\nSFT epoch 2 -> 3 over seeds: {fmt(sat)}; gap {100 * sum(gaps) / len(gaps):.1f}% of H M0 on average; "
              f"H M1 {sum(h1s) / len(h1s):.3f}; repair-term examples {sum(reps)} in all.\n")

    def sweep(title, names):
        print(f"### {title}\n")
        print("| arm | accuracy (mean ± sd) | Δ vs sft-2ep [95% CI] (W/T/L) | Δ vs m1 [95% CI] (W/T/L) |")
        print("|---|---|---|---|")
        for n in names:
            if n not in arms:
                continue
            xs = list(acc(n).values())
            m = sum(xs) / len(xs)
            sd = math.sqrt(sum((x - m) ** 2 for x in xs) / (len(xs) - 1)) if len(xs) > 1 else 0
            print(f"| `{n}` | {m:.2f} ± {sd:.2f} | {fmt(paired(n, 'sft-2ep'))} | {fmt(paired(n, 'm1'))} |")
        print()

    sweep("Lambda (the strong model's weight in the mixed logits)",
          ["wmss[lambda=0.3]", "wmss[lambda=0.42]", "wmss", "wmss[lambda=0.6]", "wmss[lambda=0.7]"])
    sweep("The joint phase's learning rate (x SFT's) and warmup",
          ["wmss", "wmss[warmup=0]", "wmss[lr=0.3,warmup=0.05]", "wmss[lr=0.3,warmup=0]", "wmss[lr=0.1,warmup=0.05]",
           "wmss[lr=0.1,warmup=0]"])
    sweep("The controls, against M1 as well",
          ["sft-2ep", "sft-3ep", "m0", "wmss", "wmss-released", "ds-only", "jt-only", "sft-random-subset", "sft-restarted",
           "frozen-weak", "neftune", "wmss-weak-early", "wmss-continued"])

    # Per level.
    levels = [json.loads(l).get("level") for l in open(os.path.join(os.path.dirname(cmp.rstrip("/")), "task", "test.jsonl"))] \
        if os.path.exists(os.path.join(os.path.dirname(cmp.rstrip("/")), "task", "test.jsonl")) else None
    if levels and all(levels):
        print("### Accuracy per level (%, mean over seeds)\n")
        print("| arm | level 1 | level 2 | level 3 | level 4 |")
        print("|---|---|---|---|---|")
        for n in ["m0", "m1", "sft-2ep", "sft-3ep", "wmss", "wmss[lr=0.1,warmup=0.05]", "frozen-weak", "sft-restarted"]:
            by = {L: [] for L in range(1, 5)}
            for s in seeds:
                p = os.path.join(cmp, f"seed-{s}", "arms", n.replace("[", "_").replace("]", "").replace(",", "_"), "result.json")
                if not os.path.exists(p):
                    continue
                c = json.load(open(p))["correct"]
                for L in by:
                    idx = [i for i, l in enumerate(levels) if l == L]
                    by[L].append(100 * sum(c[i] for i in idx) / len(idx))
            if by[1]:
                print(f"| `{n}` | " + " | ".join(f"{sum(v) / len(v):.1f}" for v in by.values()) + " |")
        print()


if __name__ == "__main__":
    main(sys.argv[1])
