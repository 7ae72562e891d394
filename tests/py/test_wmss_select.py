#!/usr/bin/python3
"""WD-DS selection at the CLI level: `wmss select` against selection weights computed by hand.

Oracle (written from DESIGN.md section 2 and issue 5, not from the C code): with
dH_i = H_strong(i) - H_weak(i) and [x]+ = max(x, 0), the three terms of example i are

    paper preset          T1 = [-dH_i]+    T2 = H_strong(i)   T3 = [dH_i]+
    released-code preset  T1 = H_weak(i)   T2 = [-dH_i]+      T3 = [dH_i]+

    per-term:  p_i ∝ alpha*T1_i/S1 + beta*T2_i/S2 + gamma*T3_i/S3   (S_k = sum_i T_k,i;
                                                                     a term with S_k = 0
                                                                     contributes 0)
    none:      p_i ∝ alpha*T1_i + beta*T2_i + gamma*T3_i

N indices are drawn with replacement from p, duplicates removed, the rest shuffled. So
example i appears in ACTIVE with probability q_i = 1 - (1 - p_i)^N, and two examples i != j
both appear with probability 1 - (1-p_i)^N - (1-p_j)^N + (1-p_i-p_j)^N. The CLI only shows
the distinct indices, so the draw law is checked through inclusion counts: the data has
4 classes of 1000 examples with identical entropies within a class; the number of distinct
examples of class c in ACTIVE, summed over 3 seeds, must be within 5 standard deviations
(exact variance from the pair probabilities) of its expectation. The oracle is checked
first: its weights against class probabilities worked out by hand as exact fractions, and
its vectorized form against a per-example Fraction loop. Every configuration is also
checked for power: each plausible single mistake (the other preset, the other
normalization, alpha/beta/gamma with two of them swapped, weak and strong swapped, the dH
sign flipped in the terms, uniform p) must move some class's expected count by >= 10
standard deviations.

Checks (one line each): draw law for the default flags, both presets x both normalizations
with distinct alpha/beta/gamma, and a term whose sum over D is 0 under each preset;
zero-weight examples never drawn in 200000 draws; every ACTIVE line is the input object plus
"wmss_index" (large integers, unicode, nested values kept); no duplicate wmss_index; the
order is shuffled; same seed => byte-identical ACTIVE, another seed => another one; the
--stats numbers (n, draws, unique, duplicated, term_share by hand, dH mean and quantiles,
numpy's linear interpolation); the small-gap warning fires for (nearly) equal entropies
and not for a real gap; bad entropy files (missing index, index out of range, negative,
duplicated, malformed JSON, not an object, non-numeric, negative or missing entropy,
extra line, empty file) are refused with a non-zero exit and a message naming the file.
Environment: WMSS = path of the wmss binary (default build/wmss). Exit status 1 on failure.
"""

import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from fractions import Fraction

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
WMSS = os.environ.get("WMSS") or os.path.join(ROOT, "build", "wmss")

Z_OK = 5.0       # observed class counts: |z| below this
Z_POWER = 10.0   # each alternative must move some class's expectation by >= this many sd
M = 1000         # examples per class
SEEDS = (1, 2, 3)
DEFAULT_W = (0.1, 0.8, 0.1)


class CaseFailure(Exception):
    pass


# ---- oracle -----------------------------------------------------------------------

def terms(preset, hw, hs):
    """(T1, T2, T3) arrays for entropies hw, hs (numpy float64)."""
    hw, hs = np.asarray(hw, float), np.asarray(hs, float)
    dh = hs - hw
    if preset == "paper":
        return np.maximum(-dh, 0.0), hs, np.maximum(dh, 0.0)
    if preset == "released-code":
        return hw, np.maximum(-dh, 0.0), np.maximum(dh, 0.0)
    raise ValueError(preset)


def weighted_terms(preset, norm, w, hw, hs):
    """(3, n) array of w_k * T_k,i (per-term normalized or raw)."""
    out = []
    for wk, t in zip(w, terms(preset, hw, hs)):
        if norm == "per-term":
            s = t.sum()
            out.append(wk * t / s if s > 0 else np.zeros_like(t))
        elif norm == "none":
            out.append(wk * t)
        else:
            raise ValueError(norm)
    return np.array(out)


def probs(preset, norm, w, hw, hs):
    wt = weighted_terms(preset, norm, w, hw, hs).sum(0)
    return wt / wt.sum()


def term_share(preset, norm, w, hw, hs):
    wt = weighted_terms(preset, norm, w, hw, hs).sum(1)
    return wt / wt.sum()


def probs_fraction(preset, norm, w, hw, hs):
    """The same weights example by example in exact rational arithmetic (self-check)."""
    F = lambda x: Fraction(repr(float(x)))  # noqa: E731  (decimal value as written)
    rows = []
    for a, b in zip(hw, hs):
        a, b = F(a), F(b)
        d = b - a
        pos, neg = (d if d > 0 else Fraction(0)), (-d if d < 0 else Fraction(0))
        rows.append((neg, b, pos) if preset == "paper" else (a, neg, pos))
    sums = [sum(r[k] for r in rows) for k in range(3)]
    wf = [F(x) for x in w]
    raw = []
    for r in rows:
        v = Fraction(0)
        for k in range(3):
            if norm == "none":
                v += wf[k] * r[k]
            elif sums[k] != 0:
                v += wf[k] * r[k] / sums[k]
        raw.append(v)
    tot = sum(raw)
    return [x / tot for x in raw]


def incl(p, N):
    """P(example with probability p appears among N draws with replacement)."""
    return -math.expm1(N * math.log1p(-p)) if p < 1 else 1.0


def class_moments(p, m, N):
    """Mean and variance of the number of distinct examples, among m examples of
    per-draw probability p each, that appear in N draws."""
    if p <= 0:
        return 0.0, 0.0
    q = incl(p, N)
    if 2 * p < 1:
        none2 = math.exp(N * math.log1p(-2 * p))
    else:
        none2 = 0.0
    both = 1.0 - 2.0 * (1.0 - q) + none2
    var = m * q * (1 - q) + m * (m - 1) * (both - q * q)
    return m * q, max(var, 0.0)


# ---- files and running ------------------------------------------------------------

def sh(args, what, ok_codes=(0,)):
    try:
        r = subprocess.run([WMSS] + args, capture_output=True, text=True, timeout=300)
    except subprocess.TimeoutExpired:
        raise CaseFailure(f"{what}: wmss {args[0]} timed out")
    if ok_codes is not None and r.returncode not in ok_codes:
        tail = (r.stderr or r.stdout).strip().splitlines()[-4:]
        raise CaseFailure(f"{what}: wmss {' '.join(args)} exited {r.returncode}: "
                          + " | ".join(tail))
    return r


def example_obj(i, rich):
    n = 3 + i % 5
    ids = [(7 * i + 3 * t) % 50 + 1 for t in range(n)]
    k = 1 + i % 2
    mask = [0] * k + [1] * (n - k)
    o = {"input_ids": ids, "completion_mask": mask}
    if rich:
        kind = i % 6
        if kind == 0:
            o["id"] = f"ex-{i}"
        elif kind == 1:
            o["id"] = i * 10 + 7
        elif kind == 2:
            o["id"] = {"src": "gsm8k", "n": i, "tags": ["a", "b"], "w": 0.25}
        elif kind == 3:
            o["meta"] = {"text": "caf\u00e9 \u2713 \"q\" \\ \n\t", "x": [1, -2.5e-7, None, True,
                                                                       False]}
        elif kind == 4:
            o["id"] = "\u6570\u5b66-" + str(i)
            o["score"] = -0.125
    return o


def write_jsonl(path, objs, blank_after=None):
    with open(path, "w", encoding="utf-8") as f:
        for j, o in enumerate(objs):
            f.write((o if isinstance(o, str) else json.dumps(o, ensure_ascii=False)) + "\n")
            if blank_after is not None and j == blank_after:
                f.write("\n")


def ent_lines(h, objs):
    out = []
    for i, (x, o) in enumerate(zip(h, objs)):
        m = o.get("completion_mask") or [1] * len(o["input_ids"])
        e = {"index": i, "entropy": float(x), "tokens": sum(m[1:])}
        if "id" in o:
            e["id"] = o["id"]
        out.append(e)
    return out


def read_active(path, what):
    objs = []
    with open(path, encoding="utf-8") as f:
        for ln, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                o = json.loads(line)
            except json.JSONDecodeError as e:
                raise CaseFailure(f"{what}: ACTIVE line {ln} is not JSON ({e})")
            if not isinstance(o, dict) or not isinstance(o.get("wmss_index"), int) \
                    or isinstance(o.get("wmss_index"), bool):
                raise CaseFailure(f"{what}: ACTIVE line {ln} lacks an integer wmss_index")
            objs.append(o)
    return objs


def read_stats(path, what):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, json.JSONDecodeError) as e:
        raise CaseFailure(f"{what}: --stats file unreadable: {e}")


def check_lines(active, data, what):
    """No duplicate wmss_index, in range, each line = input object + wmss_index.
    Returns the list of indices in output order."""
    idx = [o["wmss_index"] for o in active]
    if len(set(idx)) != len(idx):
        dup = sorted(i for i in set(idx) if idx.count(i) > 1)[:5]
        raise CaseFailure(f"{what}: duplicate wmss_index in ACTIVE: {dup}")
    for o in active:
        i = o["wmss_index"]
        if not 0 <= i < len(data):
            raise CaseFailure(f"{what}: wmss_index {i} out of range [0, {len(data)})")
        rest = {k: v for k, v in o.items() if k != "wmss_index"}
        if rest != data[i]:
            raise CaseFailure(f"{what}: ACTIVE line for index {i} is {json.dumps(rest)[:200]}"
                              f", input was {json.dumps(data[i])[:200]}")
    return idx


# ---- the configurations -----------------------------------------------------------

# Classes (H_weak, H_strong) of 1000 examples each. CLASSES_MAIN mixes consolidation,
# repair, a flat difficult class and a small consolidation (used for the hand-worked check
# of the oracle); the others were picked (by a search over a grid of 0.1 nats) so that
# every single plausible mistake moves some class's expected count by >= 10 sd.
CLASSES_MAIN = [(2.0, 1.0), (1.0, 1.5), (3.0, 3.0), (0.5, 0.2)]
CLASSES_DEFAULT = [(3.1, 3.2), (1.6, 0.1), (0.7, 2.6), (3.8, 4.5)]
CLASSES_A = [(0.3, 0.1), (0.9, 2.7), (2.8, 1.4), (2.4, 2.4)]
CLASSES_B = [(3.1, 4.9), (1.6, 0.4), (3.1, 3.0), (0.4, 2.1)]
CLASSES_C = [(1.0, 1.6), (4.0, 3.5), (3.1, 2.6), (1.6, 1.6)]
# every dH >= 0: the paper's consolidation term [-dH]+ sums to 0 over D
CLASSES_NO_NEG = [(3.6, 4.0), (3.6, 3.6), (0.9, 1.0), (3.7, 4.4)]
# every dH <= 0: the repair term [dH]+ sums to 0 over D
CLASSES_NO_POS = [(3.0, 2.9), (2.6, 2.6), (2.8, 2.5), (0.6, 0.1)]

# Class probabilities of CLASSES_MAIN under the default flags (paper, per-term, .1/.8/.1),
# worked out by hand: S1 = 1.3 m, S2 = 5.7 m, S3 = 0.5 m, so with class totals
#   A: .1*1/1.3 + .8*1.0/5.7 = 1/13 + 8/57        = 161/741
#   B: .8*1.5/5.7 + .1*.5/.5 = 4/19 + 1/10        = 59/190
#   C: .8*3/5.7              = 8/19
#   D: .1*.3/1.3 + .8*.2/5.7 = 3/130 + 8/285      = 379/7410        (sum = 1)
HAND_DEFAULT = [Fraction(161, 741), Fraction(59, 190), Fraction(8, 19), Fraction(379, 7410)]
# and under released-code, none, .5/.2/.3:  raw class values
#   A: .5*2 + .2*1 = 1.2   B: .5*1 + .3*.5 = .65   C: .5*3 = 1.5   D: .5*.5 + .2*.3 = .31
HAND_RELEASED_NONE = [Fraction(x, 366) for x in (120, 65, 150, 31)]


def class_entropies(classes):
    hw = np.repeat([c[0] for c in classes], M)
    hs = np.repeat([c[1] for c in classes], M)
    return hw, hs


def alternatives(preset, norm, w, hw, hs):
    """(description, p) for each plausible single mistake."""
    other_p = "released-code" if preset == "paper" else "paper"
    other_n = "none" if norm == "per-term" else "per-term"
    a, b, g = w
    out = [(f"preset {other_p}", probs(other_p, norm, w, hw, hs)),
           (f"normalize {other_n}", probs(preset, other_n, w, hw, hs)),
           ("alpha<->beta", probs(preset, norm, (b, a, g), hw, hs)),
           ("alpha<->gamma", probs(preset, norm, (g, b, a), hw, hs)),
           ("beta<->gamma", probs(preset, norm, (a, g, b), hw, hs)),
           ("weak<->strong", probs(preset, norm, w, hs, hw)),
           ("dH sign only flipped", probs_flip(preset, norm, w, hw, hs)),
           ("uniform p", np.full(len(hw), 1.0 / len(hw)))]
    return out


def probs_flip(preset, norm, w, hw, hs):
    """The mistake of dH = H_weak - H_strong (terms otherwise right)."""
    t = list(terms(preset, hw, hs))
    t[-1], t[-3 if preset == "paper" else -2] = t[-3 if preset == "paper" else -2], t[-1]
    wt = []
    for wk, x in zip(w, t):
        s = x.sum()
        wt.append(wk * x / s if (norm == "per-term" and s > 0) else
                  (wk * x if norm == "none" else 0 * x))
    v = np.sum(wt, 0)
    return v / v.sum()


def oracle_self_check():
    hw, hs = class_entropies(CLASSES_MAIN)
    p = probs("paper", "per-term", DEFAULT_W, hw, hs)
    cls = [p[c * M:(c + 1) * M].sum() for c in range(4)]
    e_hand = max(abs(float(h) - c) for h, c in zip(HAND_DEFAULT, cls))
    p2 = probs("released-code", "none", (0.5, 0.2, 0.3), hw, hs)
    cls2 = [p2[c * M:(c + 1) * M].sum() for c in range(4)]
    e_hand2 = max(abs(float(h) - c) for h, c in zip(HAND_RELEASED_NONE, cls2))
    # vectorized vs exact per-example, on a small irregular set, all 4 combinations
    rng = np.random.default_rng(5)
    sw = np.round(rng.uniform(0, 4, 23), 3)
    ss = np.round(sw + rng.uniform(-1, 1, 23), 3).clip(0)
    ss[3] = sw[3]
    e_frac = 0.0
    for pr in ("paper", "released-code"):
        for nm in ("per-term", "none"):
            a = probs(pr, nm, (0.3, 0.45, 0.25), sw, ss)
            b = probs_fraction(pr, nm, (0.3, 0.45, 0.25), sw, ss)
            e_frac = max(e_frac, max(abs(x - float(y)) for x, y in zip(a, b)))
    # inclusion variance vs simulation of the draw-dedupe process
    g = np.random.default_rng(9)
    pp = np.array([0.5, 0.3, 0.2]) / 100.0
    pfull = np.concatenate([np.full(100, pp[c]) for c in range(3)])
    pfull /= pfull.sum()
    counts = []
    for _ in range(4000):
        u = np.unique(g.choice(300, size=300, p=pfull))
        counts.append([np.sum((u >= c * 100) & (u < (c + 1) * 100)) for c in range(3)])
    counts = np.array(counts, float)
    worst = 0.0
    for c in range(3):
        mu, var = class_moments(pfull[c * 100], 100, 300)
        zm = abs(counts[:, c].mean() - mu) / math.sqrt(var / len(counts))
        rv = counts[:, c].var() / var
        worst = max(worst, zm, abs(rv - 1) / 0.1)
    ok = e_hand < 1e-12 and e_hand2 < 1e-12 and e_frac < 1e-12 and worst < 4
    print(f"  {'ok  ' if ok else 'FAIL'} oracle self-check: class probabilities vs hand "
          f"fractions err {e_hand:.1e} (paper/per-term default) and {e_hand2:.1e} "
          f"(released/none); vectorized vs Fraction per example, 4 combos, err {e_frac:.1e}; "
          f"inclusion mean/variance formula vs 4000 simulated draw-dedupe runs: worst "
          f"deviation {worst:.2f} (in sd units of the estimate, var ratio/0.1)", flush=True)
    if not ok:
        raise CaseFailure("the oracle disagrees with itself")


def draw_law(tmp, label, classes, preset, norm, w, data, data_path, keep=None):
    """Runs select with 3 seeds; compares distinct-per-class counts with the oracle;
    checks lines, stats and shuffling on the way."""
    hw, hs = class_entropies(classes)
    n = len(hw)
    ew, es = os.path.join(tmp, f"{label}_weak.jsonl"), os.path.join(tmp, f"{label}_strong.jsonl")
    write_jsonl(ew, ent_lines(hw, data))
    write_jsonl(es, ent_lines(hs, data))
    eff_preset = preset or "paper"
    eff_norm = norm or "per-term"
    eff_w = w or DEFAULT_W
    p = probs(eff_preset, eff_norm, eff_w, hw, hs)
    pc = [p[c * M] for c in range(len(classes))]
    mom = [class_moments(x, M, n) for x in pc]
    R = len(SEEDS)
    exp = np.array([R * mu for mu, _ in mom])
    sd = np.array([math.sqrt(R * v) for _, v in mom])
    # power of the check against each plausible mistake
    weakest, wdesc = float("inf"), ""
    for desc, pa in alternatives(eff_preset, eff_norm, eff_w, hw, hs):
        if np.max(np.abs(pa - p)) < 1e-12 * np.max(p):
            continue  # the same law written another way (e.g. paper(a,b,g) is
            # released-code(b,g,a) with weak and strong swapped): not a mistake
        ea = np.array([R * class_moments(pa[c * M], M, n)[0] for c in range(len(classes))])
        zmax = float(np.max(np.abs(ea - exp) / np.maximum(sd, 1e-9)))
        if zmax < weakest:
            weakest, wdesc = zmax, desc
    if weakest < Z_POWER:
        raise CaseFailure(f"{label}: test design: '{wdesc}' moves the class counts only "
                          f"{weakest:.1f} sd")
    flags = []
    if preset:
        flags += ["--preset", preset]
    if norm:
        flags += ["--normalize", norm]
    if w:
        flags += ["--alpha", repr(w[0]), "--beta", repr(w[1]), "--gamma", repr(w[2])]
    obs = np.zeros(len(classes))
    shuffle_rho = []
    stats0 = None
    for s in SEEDS:
        out = os.path.join(tmp, f"{label}_s{s}.jsonl")
        stp = os.path.join(tmp, f"{label}_s{s}_stats.json")
        sh(["select", "--data", data_path, "--weak", ew, "--strong", es, "--out", out,
            "--seed", str(s), "--stats", stp] + flags, f"{label} seed {s}")
        active = read_active(out, label)
        idx = check_lines(active, data, f"{label} seed {s}")
        st = read_stats(stp, label)
        if st.get("unique") != len(idx):
            raise CaseFailure(f"{label} seed {s}: stats unique {st.get('unique')} but ACTIVE "
                              f"has {len(idx)} lines")
        if stats0 is None:
            stats0 = (st, len(idx))
        for c in range(len(classes)):
            obs[c] += sum(1 for i in idx if c * M <= i < (c + 1) * M)
        # shuffled: Spearman correlation of output position and index near 0
        r = np.argsort(np.argsort(idx)).astype(float)
        pos = np.arange(len(idx), dtype=float)
        shuffle_rho.append(float(np.corrcoef(pos, r)[0, 1]))
    z = (obs - exp) / np.maximum(sd, 1e-9)
    zero_bad = [c for c in range(len(classes)) if pc[c] == 0 and obs[c] != 0]
    ok = bool(np.all(np.abs(z) < Z_OK)) and not zero_bad
    rho = max(abs(x) for x in shuffle_rho)
    ok_rho = rho < 0.1
    print(f"  {'ok  ' if ok and ok_rho else 'FAIL'} draw law {label} ({eff_preset}, {eff_norm}, "
          f"a,b,g={eff_w}{'' if w else ' default'}): class p "
          f"[{', '.join(f'{x * M:.4f}' for x in pc)}], distinct per class over {R} seeds "
          f"{[int(x) for x in obs]} vs expected [{', '.join(f'{x:.0f}' for x in exp)}] "
          f"(z {', '.join(f'{x:+.2f}' for x in z)}); weakest alternative '{wdesc}' at "
          f"{weakest:.0f} sd; shuffle |rho| max {rho:.3f}", flush=True)
    if not ok:
        raise CaseFailure(f"{label}: distinct counts per class {list(obs)} vs expected "
                          f"{list(exp)} (z {list(np.round(z, 2))})"
                          + (f"; zero-weight classes drawn: {zero_bad}" if zero_bad else ""))
    if not ok_rho:
        raise CaseFailure(f"{label}: ACTIVE order correlates with the index (rho "
                          f"{shuffle_rho}): not shuffled")
    if keep is not None:
        keep[label] = dict(ew=ew, es=es, flags=flags, hw=hw, hs=hs, stats=stats0[0],
                           unique=stats0[1], preset=eff_preset, norm=eff_norm, w=eff_w, n=n)


def quantiles_np(x, method="linear"):
    qs = {"min": 0.0, "q05": 0.05, "q25": 0.25, "q50": 0.5, "q75": 0.75, "q95": 0.95,
          "max": 1.0}
    return {k: float(np.quantile(x, q, method=method)) for k, q in qs.items()}


QMETHODS = ["linear", "lower", "higher", "nearest", "midpoint", "hazen", "weibull",
            "median_unbiased", "normal_unbiased", "inverted_cdf", "averaged_inverted_cdf",
            "closest_observation", "interpolated_inverted_cdf"]


def check_stats(label, st, n, draws, unique, preset, norm, w, hw, hs):
    problems = []
    for k in ("n", "draws", "unique", "duplicated", "term_share", "dH", "warning"):
        if k not in st:
            problems.append(f"lacks {k!r}")
    if problems:
        raise CaseFailure(f"stats {label}: " + "; ".join(problems))
    if st["n"] != n:
        problems.append(f"n {st['n']} vs {n}")
    if st["draws"] != draws:
        problems.append(f"draws {st['draws']} vs {draws}")
    if st["unique"] != unique:
        problems.append(f"unique {st['unique']} vs {unique} ACTIVE lines")
    if st["duplicated"] != draws - unique:
        problems.append(f"duplicated {st['duplicated']} vs {draws - unique}")
    share = term_share(preset, norm, w, hw, hs)
    got_share = st["term_share"]
    e_share = float("inf")
    if isinstance(got_share, list) and len(got_share) == 3:
        e_share = max(abs(a - b) for a, b in zip(got_share, share))
    if not e_share < 1e-9:
        problems.append(f"term_share {got_share} vs {list(share)}")
    dh = np.asarray(hs) - np.asarray(hw)
    scale = max(float(np.abs(hw).max()), float(np.abs(hs).max()))
    ref = {"mean": float(dh.mean())}
    ref.update(quantiles_np(dh))
    e_dh = 0.0
    d = st["dH"] if isinstance(st["dH"], dict) else {}
    for k, v in ref.items():
        g = d.get(k)
        if not isinstance(g, (int, float)):
            problems.append(f"dH.{k} missing or not a number ({g!r})")
            continue
        e = abs(g - v) / max(abs(v), scale)
        e_dh = max(e_dh, e)
        if e >= 1e-6:
            others = [m for m in QMETHODS
                      if abs(quantiles_np(dh, m).get(k, 1e300) - g) < 1e-9 * scale] \
                if k != "mean" else []
            problems.append(f"dH.{k} {g!r} vs {v!r} (numpy linear)"
                            + (f"; matches numpy method(s) {others}" if others else ""))
    ok = not problems
    shown = [round(x, 6) for x in got_share] if isinstance(got_share, list) else got_share
    print(f"  {'ok  ' if ok else 'FAIL'} stats {label}: n {st.get('n')}, draws "
          f"{st.get('draws')}, unique {st.get('unique')}, duplicated {st.get('duplicated')}; "
          f"term_share {shown}"
          f" vs hand {[round(float(x), 6) for x in share]} (err {e_share:.1e}); dH mean "
          f"{ref['mean']:+.6f}, q05..q95 {ref['q05']:+.4f}/{ref['q25']:+.4f}/{ref['q50']:+.4f}/"
          f"{ref['q75']:+.4f}/{ref['q95']:+.4f}, worst err {e_dh:.1e} of max|H|", flush=True)
    if not ok:
        raise CaseFailure(f"stats {label}: " + "; ".join(problems))


# ---- checks -----------------------------------------------------------------------

def check_zero_weight(tmp):
    """5 examples, 200000 draws: exactly the non-zero-weight examples appear; the lines
    (a 2^53+1 id, unicode, nested values) are kept exactly."""
    data = [example_obj(i, False) for i in range(5)]
    data[0]["id"] = "zero-gap"
    data[1]["id"] = 9007199254740993
    data[1]["big"] = -9007199254740993
    data[2]["id"] = {"nested": [1, 2.5, None, True, False, "x"], "e": 1e-300}
    data[3]["id"] = "na\u00efve \"quoted\" \\ \n\t \u2713 \U0001F600"
    data[4]["f"] = -0.000123
    dp = os.path.join(tmp, "zw_data.jsonl")
    write_jsonl(dp, data, blank_after=2)  # a blank line: indices count non-blank lines
    hw = [1.0, 2.0, 0.0, 1.0, 0.5]
    hs = [1.0, 1.0, 0.0, 2.0, 0.5]
    ew, es = os.path.join(tmp, "zw_w.jsonl"), os.path.join(tmp, "zw_s.jsonl")
    write_jsonl(ew, ent_lines(hw, data))
    write_jsonl(es, ent_lines(hs, data))
    runs = [("paper", ["--beta", "0"], (0.1, 0.0, 0.1)),
            ("released-code", ["--alpha", "0"], (0.0, 0.8, 0.1)),
            ("paper", [], DEFAULT_W),
            ("released-code", [], DEFAULT_W),
            ("paper", ["--normalize", "none", "--beta", "0"], (0.1, 0.0, 0.1))]
    problems = []
    lines = []
    for preset, extra, w in runs:
        norm = "none" if "none" in extra else "per-term"
        p = probs(preset, norm, w, hw, hs)
        expect = sorted(i for i in range(5) if p[i] > 0)
        out = os.path.join(tmp, "zw_out.jsonl")
        stp = os.path.join(tmp, "zw_stats.json")
        what = f"zero weights {preset} {' '.join(extra)}"
        try:
            sh(["select", "--data", dp, "--weak", ew, "--strong", es, "--out", out,
                "--preset", preset, "--draws", "200000", "--seed", "4", "--stats", stp]
               + extra, what)
            active = read_active(out, what)
            idx = check_lines(active, data, what)
            st = read_stats(stp, what)
            got = sorted(idx)
            lines.append(f"{preset}{' ' + ' '.join(extra) if extra else ''}: {got} "
                         f"(p {[round(float(x), 4) for x in p]})")
            if got != expect:
                problems.append(f"{what}: selected {got}, expected exactly {expect}")
            if st.get("draws") != 200000 or st.get("unique") != len(got) or \
                    st.get("duplicated") != 200000 - len(got):
                problems.append(f"{what}: stats draws/unique/duplicated "
                                f"{st.get('draws')}/{st.get('unique')}/{st.get('duplicated')}"
                                f" vs 200000/{len(got)}/{200000 - len(got)}")
        except CaseFailure as e:
            problems.append(str(e))
    ok = not problems
    print(f"  {'ok  ' if ok else 'FAIL'} zero-weight examples never drawn in 200000 draws, "
          f"non-zero ones all drawn, lines kept exactly (2^53+1 ids, unicode, nested, "
          f"blank data line skipped): " + "; ".join(lines), flush=True)
    if not ok:
        raise CaseFailure("; ".join(problems))


def check_reproducible(tmp, keep):
    k = keep["paper-per-term"]
    dp = os.path.join(tmp, "main_data.jsonl")
    outs = []
    for tag, seed in (("a", 11), ("b", 11), ("c", 12)):
        out = os.path.join(tmp, f"rep_{tag}.jsonl")
        sh(["select", "--data", dp, "--weak", k["ew"], "--strong", k["es"], "--out", out,
            "--seed", str(seed)] + k["flags"], f"reproducibility seed {seed}")
        with open(out, "rb") as f:
            outs.append(f.read())
    same = outs[0] == outs[1]
    differ = outs[0] != outs[2]
    ia = [json.loads(x)["wmss_index"] for x in outs[0].splitlines() if x.strip()]
    ic = [json.loads(x)["wmss_index"] for x in outs[2].splitlines() if x.strip()]
    ok = same and differ
    print(f"  {'ok  ' if ok else 'FAIL'} seeds: seed 11 twice byte-identical ({len(outs[0])} "
          f"bytes): {same}; seed 12 differs: {differ} (sets differ: {set(ia) != set(ic)}, "
          f"{len(ia)} vs {len(ic)} lines)", flush=True)
    if not ok:
        raise CaseFailure("same seed gave different ACTIVE files" if not same
                          else "another seed gave the same ACTIVE file")


def check_stats_runs(tmp, keep):
    problems = []
    for label, k in keep.items():
        try:
            check_stats(label, k["stats"], k["n"], k["n"], k["unique"], k["preset"],
                        k["norm"], k["w"], k["hw"], k["hs"])
        except CaseFailure as e:
            problems.append(str(e))
    # quantiles on 11 distinct irregular gaps, explicit draws
    rng = np.random.default_rng(17)
    n = 11
    data = [example_obj(i, False) for i in range(n)]
    hw = np.round(rng.uniform(0.5, 3.0, n), 6)
    hs = np.round(np.clip(hw + rng.uniform(-0.9, 0.7, n), 0.05, None), 6)
    dp = os.path.join(tmp, "q_data.jsonl")
    write_jsonl(dp, data)
    ew, es = os.path.join(tmp, "q_w.jsonl"), os.path.join(tmp, "q_s.jsonl")
    write_jsonl(ew, ent_lines(hw, data))
    write_jsonl(es, ent_lines(hs, data))
    out, stp = os.path.join(tmp, "q_out.jsonl"), os.path.join(tmp, "q_stats.json")
    w = (0.25, 0.35, 0.4)
    try:
        sh(["select", "--data", dp, "--weak", ew, "--strong", es, "--out", out, "--draws",
            "7", "--seed", "3", "--stats", stp, "--preset", "released-code", "--normalize",
            "none", "--alpha", "0.25", "--beta", "0.35", "--gamma", "0.4"], "quantile stats")
        active = read_active(out, "quantile stats")
        check_lines(active, data, "quantile stats")
        check_stats("11 distinct gaps, released-code/none, --draws 7",
                    read_stats(stp, "quantile stats"), n, 7, len(active), "released-code",
                    "none", w, hw, hs)
    except CaseFailure as e:
        problems.append(str(e))
    if problems:
        raise CaseFailure("; ".join(problems))


def check_keep_duplicates(tmp, keep):
    """--keep-duplicates: exactly `draws` lines (the default |D|, fewer, more than |D|),
    duplicates included, each line the input object plus wmss_index; the distinct indices
    are the deduplicating run's with the same seed; lines are iid draws from p (per-class
    line counts over the seeds against N p_c, multinomial sd) and shuffled; the stats say
    draws, unique (distinct) and written."""
    k = keep["paper-per-term"]
    data = [example_obj(i, True) for i in range(4 * M)]
    dp = os.path.join(tmp, "main_data.jsonl")
    n = k["n"]
    p = probs(k["preset"], k["norm"], k["w"], k["hw"], k["hs"])
    ncls = n // M
    pc = np.array([sum(p[c * M:(c + 1) * M]) for c in range(ncls)])
    problems, notes = [], []
    for draws in (None, 7, 3 * n + 1):
        obs, total, rhos = np.zeros(ncls), 0, []
        for s in SEEDS:
            what = f"--keep-duplicates draws {draws or 'default'} seed {s}"
            out = os.path.join(tmp, f"keep_{draws}_{s}.jsonl")
            ded = os.path.join(tmp, f"keep_{draws}_{s}_dedupe.jsonl")
            stp = os.path.join(tmp, f"keep_{draws}_{s}_stats.json")
            dflags = ["--draws", str(draws)] if draws else []
            try:
                sh(["select", "--data", dp, "--weak", k["ew"], "--strong", k["es"], "--out", out,
                    "--seed", str(s), "--stats", stp, "--keep-duplicates"] + dflags + k["flags"], what)
                sh(["select", "--data", dp, "--weak", k["ew"], "--strong", k["es"], "--out", ded,
                    "--seed", str(s)] + dflags + k["flags"], what + " (deduplicated)")
                active = read_active(out, what)
                want = draws or n
                if len(active) != want:
                    raise CaseFailure(f"{what}: {len(active)} lines, expected exactly {want}")
                idx = [o["wmss_index"] for o in active]
                for o in active:
                    rest = {kk: v for kk, v in o.items() if kk != "wmss_index"}
                    if rest != data[o["wmss_index"]]:
                        raise CaseFailure(f"{what}: line for index {o['wmss_index']} is not the input")
                dset = {o["wmss_index"] for o in read_active(ded, what)}
                if set(idx) != dset:
                    raise CaseFailure(f"{what}: distinct indices differ from the deduplicated run "
                                      f"({len(set(idx))} vs {len(dset)})")
                if want >= n and len(set(idx)) == len(idx):
                    raise CaseFailure(f"{what}: no duplicate among {want} draws of {n}")
                st = read_stats(stp, what)
                exp_st = {"draws": want, "unique": len(set(idx)), "written": want,
                          "duplicated": want - len(set(idx)), "keep_duplicates": True}
                bad = {kk: st.get(kk) for kk, v in exp_st.items() if st.get(kk) != v}
                if bad:
                    raise CaseFailure(f"{what}: stats {bad}, expected {exp_st}")
            except CaseFailure as e:
                problems.append(str(e))
                break
            for c in range(ncls):
                obs[c] += sum(1 for i in idx if c * M <= i < (c + 1) * M)
            total += len(idx)
            if len(idx) > 20:
                r = np.argsort(np.argsort(idx, kind="stable"), kind="stable").astype(float)
                rhos.append(abs(float(np.corrcoef(np.arange(len(idx)), r)[0, 1])))
        if problems:
            break
        exp = total * pc
        sd = np.sqrt(total * pc * (1 - pc))
        z = (obs - exp) / np.maximum(sd, 1e-9)
        if np.any(np.abs(z) >= Z_OK) or np.any((pc == 0) & (obs > 0)):
            problems.append(f"draws {draws}: lines per class {list(obs)} vs {list(np.round(exp, 1))} "
                            f"(z {list(np.round(z, 2))})")
        if rhos and max(rhos) >= 0.1:
            problems.append(f"draws {draws}: order correlates with the index (|rho| {max(rhos):.3f})")
        notes.append(f"{draws or n}: {int(total)} lines, z max {np.max(np.abs(z)):.2f}"
                     + (f", |rho| max {max(rhos):.3f}" if rhos else ""))
    ok = not problems
    print(f"  {'ok  ' if ok else 'FAIL'} --keep-duplicates (paper/per-term, {len(SEEDS)} seeds): "
          f"exact line counts, same distinct set as deduplicating, stats; per draws "
          f"[{'; '.join(notes)}]", flush=True)
    if problems:
        raise CaseFailure("; ".join(problems))


def check_warning(tmp, keep):
    rng = np.random.default_rng(23)
    n = 40
    data = [example_obj(i, False) for i in range(n)]
    dp = os.path.join(tmp, "w_data.jsonl")
    write_jsonl(dp, data)
    hw = rng.uniform(1.0, 3.0, n)
    cases = [("identical entropies", hw, True),
             ("strong = weak * (1 + 1e-6)", hw * (1 + 1e-6), True),
             ("strong = weak * U(0.3, 0.7)", hw * rng.uniform(0.3, 0.7, n), False)]
    problems = []
    res = []
    ew = os.path.join(tmp, "w_w.jsonl")
    write_jsonl(ew, ent_lines(hw, data))
    for desc, hs, expect in cases:
        es = os.path.join(tmp, "w_s.jsonl")
        write_jsonl(es, ent_lines(hs, data))
        out, stp = os.path.join(tmp, "w_out.jsonl"), os.path.join(tmp, "w_stats.json")
        try:
            r = sh(["select", "--data", dp, "--weak", ew, "--strong", es, "--out", out,
                    "--seed", "1", "--stats", stp], f"warning: {desc}")
            st = read_stats(stp, desc)
            if "warning" not in st:
                problems.append(f"{desc}: stats lack 'warning'")
                continue
            wv = st["warning"]
            fired = isinstance(wv, str) and wv.strip() != ""
            printed = fired and (wv in r.stderr or wv in r.stdout
                                 or "warn" in (r.stderr + r.stdout).lower())
            res.append(f"{desc} (mean|dH| {np.abs(hs - hw).mean():.2g}): "
                       f"{'warned' if fired else 'no warning'}"
                       + (f" {wv[:70]!r}" if fired else ""))
            if wv is not None and not isinstance(wv, str):
                problems.append(f"{desc}: warning is {wv!r}, not a string or null")
            if fired != expect:
                problems.append(f"{desc}: warning {'fired' if fired else 'did not fire'}")
            if fired and not printed:
                problems.append(f"{desc}: warning in the stats file but not printed")
        except CaseFailure as e:
            problems.append(str(e))
    info = []
    for label, k in keep.items():  # the draw-law data: reported, not judged
        gap = float(np.abs(k["hs"] - k["hw"]).mean() / np.abs(k["hw"]).mean())
        wv = k["stats"].get("warning")
        info.append(f"{label} {gap:.2f}: {'warned' if wv else 'no'}")
    ok = not problems
    print(f"  {'ok  ' if ok else 'FAIL'} small-gap warning: " + "; ".join(res), flush=True)
    print("       (draw-law data, mean|dH|/mean H_weak: " + ", ".join(info) + ")")
    if not ok:
        raise CaseFailure("; ".join(problems))


def check_bad_inputs(tmp):
    n = 5
    data = [example_obj(i, True) for i in range(n)]
    dp = os.path.join(tmp, "bad_data.jsonl")
    write_jsonl(dp, data)
    hw, hs = [1.0, 2.0, 1.5, 0.7, 2.2], [0.8, 2.1, 1.0, 0.7, 1.9]
    good_w = ent_lines(hw, data)
    good_s = ent_lines(hs, data)
    ew = os.path.join(tmp, "good_weak.jsonl")
    es = os.path.join(tmp, "good_strong.jsonl")
    write_jsonl(ew, good_w)
    write_jsonl(es, good_s)
    # the good pair works
    sh(["select", "--data", dp, "--weak", ew, "--strong", es, "--out",
        os.path.join(tmp, "bad_ok.jsonl")], "bad inputs baseline")

    def mod(lines, i, **kw):
        out = [dict(x) for x in lines]
        out[i].update(kw)
        return out

    def drop_key(lines, i, key):
        out = [dict(x) for x in lines]
        del out[i][key]
        return out

    variants = [
        ("missing_index", lambda g: g[:3] + g[4:]),
        ("index_out_of_range", lambda g: mod(g, 4, index=5)),
        ("index_negative", lambda g: mod(g, 0, index=-1)),
        ("index_duplicated", lambda g: mod(g, 2, index=1)),
        ("extra_line", lambda g: g + [{"index": 5, "entropy": 1.0, "tokens": 2}]),
        ("malformed_json", lambda g: g[:2] + ['{"index": 2, "entropy": 1.5, "tok'] + g[3:]),
        ("not_an_object", lambda g: g[:1] + ["[1, 1.5, 3]"] + g[2:]),
        ("entropy_string", lambda g: mod(g, 3, entropy="0.7")),
        ("entropy_missing", lambda g: drop_key(g, 2, "entropy")),
        ("entropy_negative", lambda g: mod(g, 2, entropy=-0.5)),
        ("index_missing_key", lambda g: drop_key(g, 1, "index")),
        ("empty_file", lambda g: []),
    ]
    problems = []
    summary = []
    for name, f in variants:
        for role in ("weak", "strong"):
            bad = os.path.join(tmp, f"bad_{role}_{name}.jsonl")
            write_jsonl(bad, f(good_w if role == "weak" else good_s))
            a, b = (bad, es) if role == "weak" else (ew, bad)
            r = sh(["select", "--data", dp, "--weak", a, "--strong", b, "--out",
                    os.path.join(tmp, "bad_out.jsonl")], f"bad {name}", ok_codes=None)
            msg = (r.stderr + r.stdout)
            named = bad in msg or os.path.basename(bad) in msg
            sane = r.returncode > 0 and "Sanitizer" not in msg and "runtime error" not in msg
            if not (sane and named):
                problems.append(f"{role} {name}: exit {r.returncode}, message "
                                f"{msg.strip()[-160:]!r}"
                                + ("" if named else " (does not name the file)"))
            elif role == "strong":
                summary.append(f"{name}: {msg.strip().splitlines()[-1][:90]!r}")
    # both files lack the same example (the last one; a middle one): the data still has it
    for desc, keep_idx in (("last", [0, 1, 2, 3]), ("middle", [0, 1, 3, 4])):
        bw = os.path.join(tmp, f"both_{desc}_weak.jsonl")
        bs = os.path.join(tmp, f"both_{desc}_strong.jsonl")
        write_jsonl(bw, [good_w[i] for i in keep_idx])
        write_jsonl(bs, [good_s[i] for i in keep_idx])
        r = sh(["select", "--data", dp, "--weak", bw, "--strong", bs, "--out",
                os.path.join(tmp, "bad_out.jsonl")], "both short", ok_codes=None)
        msg = r.stderr + r.stdout
        named = any(x in msg for x in (bw, bs, os.path.basename(bw), os.path.basename(bs)))
        missing = sorted(set(range(n)) - set(keep_idx))
        if not (r.returncode > 0 and named and "Sanitizer" not in msg):
            problems.append(f"weak and strong both lack index {missing} of the {n} data "
                            f"examples: exit {r.returncode}, output "
                            f"{' | '.join(msg.strip().splitlines())[:200]!r}")
        else:
            summary.insert(0, f"both lack index {missing}: "
                              f"{msg.strip().splitlines()[-1][:90]!r}")
    ok = not problems
    print(f"  {'ok  ' if ok else 'FAIL'} bad entropy files refused (exit != 0, message names "
          f"the file; each as --weak and as --strong, and both lacking one index): "
          f"{len(variants) * 2 + 2 - len(problems)}/{len(variants) * 2 + 2}", flush=True)
    for s in summary[:4]:
        print(f"       e.g. {s}")
    if not ok:
        raise CaseFailure("; ".join(problems))


def main():
    if not (os.path.isfile(WMSS) and os.access(WMSS, os.X_OK)):
        print(f"FAIL: wmss binary not found at {WMSS} (set WMSS)")
        return 1
    t0 = time.time()
    tmp = tempfile.mkdtemp(prefix="wmss_select_")
    failures = []
    keep = {}
    main_data = [example_obj(i, True) for i in range(4 * M)]
    main_path = os.path.join(tmp, "main_data.jsonl")
    write_jsonl(main_path, main_data)
    W = (0.6, 0.1, 0.3)

    def law(label, classes, preset, norm, w):
        return lambda: draw_law(tmp, label, classes, preset, norm, w, main_data, main_path,
                                keep)

    steps = [
        ("oracle self-check", oracle_self_check),
        ("draw law defaults", law("defaults", CLASSES_DEFAULT, None, None, None)),
        ("draw law paper/per-term", law("paper-per-term", CLASSES_A, "paper", "per-term", W)),
        ("draw law paper/none", law("paper-none", CLASSES_B, "paper", "none", W)),
        ("draw law released/per-term", law("released-per-term", CLASSES_C, "released-code",
                                           "per-term", W)),
        ("draw law released/none", law("released-none", CLASSES_A, "released-code",
                                       "none", W)),
        ("draw law paper zero-sum term", law("paper-no-consolidation", CLASSES_NO_NEG,
                                             "paper", "per-term", W)),
        ("draw law released zero-sum term", law("released-no-repair", CLASSES_NO_POS,
                                                "released-code", "per-term", W)),
        ("zero weights", lambda: check_zero_weight(tmp)),
        ("reproducibility", lambda: check_reproducible(tmp, keep)),
        ("stats", lambda: check_stats_runs(tmp, keep)),
        ("keep duplicates", lambda: check_keep_duplicates(tmp, keep)),
        ("warning", lambda: check_warning(tmp, keep)),
        ("bad inputs", lambda: check_bad_inputs(tmp)),
    ]
    try:
        for label, fn in steps:
            try:
                fn()
            except KeyError as e:
                failures.append(f"{label}: skipped, the case it builds on failed ({e})")
                print(f"  FAIL {failures[-1]}")
            except (CaseFailure, OSError, ValueError) as e:
                failures.append(f"{label}: {e}")
                print(f"  FAIL {failures[-1]}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"({time.time() - t0:.1f} s)")
    if failures:
        print(f"{len(failures)} failure(s)")
        return 1
    print("all selection checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
