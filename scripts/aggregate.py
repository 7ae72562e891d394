#!/usr/bin/env python3
"""Aggregates `wmss demo` results.json files (one per seed) into a markdown table:
accuracy mean +- sample standard deviation over seeds, overall and by level, and the
mean number of optimizer steps. Usage: aggregate.py seed-*/results.json"""
import json
import statistics
import sys


def fmt(xs):
    xs = [100 * x for x in xs if x is not None]
    if not xs:
        return "-"
    if len(xs) == 1:
        return f"{xs[0]:.1f}"
    return f"{statistics.mean(xs):.1f} ± {statistics.stdev(xs):.1f}"


def main(paths):
    results = [json.load(open(p)) for p in paths]
    names = [r["name"] for r in results[0]["runs"]]
    print(f"{len(results)} seeds ({', '.join(str(r['seed']) for r in results)})"
          f"{', quick configuration' if results[0].get('quick') else ''}; accuracy in %, mean ± std over seeds\n")
    print("| run | accuracy | level 1 | level 2 | level 3 | level 4 | optimizer steps |")
    print("|---|---|---|---|---|---|---|")
    for name in names:
        runs = [next(x for x in r["runs"] if x["name"] == name) for r in results]
        row = [fmt([x["accuracy"] for x in runs])]
        row += [fmt([x["by_level"][k] for x in runs]) for k in range(4)]
        row.append(f"{statistics.mean(x['steps'] for x in runs):.0f}")
        print(f"| {name} | " + " | ".join(row) + " |")
    act = [r.get("active_unique", 0) / max(r.get("active_of", 1), 1) for r in results]
    print(f"\nactive set: {100 * statistics.mean(act):.1f}% of the training set on average")


if __name__ == "__main__":
    main(sys.argv[1:])
