#!/usr/bin/python3
"""WD-DS scoring and logit statistics: `wmss entropy` and `wmss stats` against PyTorch.

Oracle: the independent Qwen3 forward of tests/py/oracle/qwen3_torch.py in float64, and
the definitions of DESIGN.md section 2 / issue 5, not the C code:

  * Targets of an example: token t (t >= 1) with completion_mask[t] == 1 (no mask field:
    all ones; position 0 is never a target). The logits z at position t-1 predict it.
    T_i = {t-1 : t target}.
  * entropy: H_i = mean over T_i of Entropy(softmax(z)) in nats; tokens = |T_i|; one line
    per example in data order with "index" (0-based among non-blank lines) and the
    example's "id" JSON value when it has one.
  * The authors' released code averages over the completion positions themselves
    ({t : mask[t] == 1}: one later, including the position after the last completion
    token). The data holds examples where that shifted set gives a value >= 100x the
    tolerance away; wmss must match the correct set.
  * stats: pooled over every target position of every example: positions, target_logit
    (mean z_y), nontarget_logit (mean of (sum z - z_y)/(V-1)), gap (mean of their
    difference), logit_std (mean population std over V), centered_norm (mean
    ||z - mean z||_2), max_logit / min_logit (means of per-position max / min), entropy,
    max_prob; with --ref W the same under "ref" and "dH" over examples of
    H_M(i) - H_W(i): mean, std (population; ddof=1 reported if that is what matches),
    min, q05..q95 (numpy's default linear interpolation), max, share_negative.

The oracle checks itself first: per-position entropies through qwen3_torch.forward_loop
(another formulation of the model) and -sum p log p against logsumexp - sum p z; and
every statistic recomputed position by position in plain numpy from the logits.

Tolerances: entropies 1e-5 relative (per example); statistics 1e-5 relative, where the
logit-valued means (target/nontarget logit, gap, max/min logit, logit_std) are taken
relative to max(|value|, mean logit std) and dH statistics relative to
max(|value|, mean H): a mean near zero has no relative precision of its own.
Checks also: --batch-tokens 64 / 97 / 4096 and --loss-chunk 5 give the same numbers,
a masked hole, a mask with completion_mask[0] = 1, a blank data line, ids of every JSON
kind carried through exactly (numbers too: 2^53+1, 2^64-1, 0.30000000000000004),
stats --out equals the printed JSON.
Environment: WMSS = path of the wmss binary (default build/wmss). Exit status 1 on failure.
"""

import json
import math
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from oracle import qwen3_torch as q3  # noqa: E402
from oracle import safetensors_np as st  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(HERE))
WMSS = os.environ.get("WMSS") or os.path.join(ROOT, "build", "wmss")
TOL = 1e-5
SHIFT_POWER = 100 * TOL   # the shifted set must land at least this far (relative) away

torch.set_num_threads(max(1, min(4, os.cpu_count() or 1)))


class CaseFailure(Exception):
    pass


def base_config(**kw):
    c = {"architectures": ["Qwen3ForCausalLM"], "model_type": "qwen3",
         "rms_norm_eps": 1e-6, "rope_theta": 10000.0, "max_position_embeddings": 256,
         "hidden_act": "silu", "torch_dtype": "float32"}
    c.update(kw)
    return c


CFG_M = base_config(  # untied GQA 4/2, head_dim 16 != 48/4
    vocab_size=157, hidden_size=48, intermediate_size=96, num_hidden_layers=2,
    num_attention_heads=4, num_key_value_heads=2, head_dim=16, tie_word_embeddings=False)
CFG_W2 = base_config(  # tied MQA 4/1 with attention biases, another shape, same vocab
    vocab_size=157, hidden_size=32, intermediate_size=64, num_hidden_layers=1,
    num_attention_heads=4, num_key_value_heads=1, head_dim=12, tie_word_embeddings=True,
    attention_bias=True, rms_norm_eps=1e-5)


def random_model(d, cfg, seed, base=None, jitter=0.0, final_norm=2.0):
    """Model directory: matrices 0.25 N(0,1), norm weights 1 + 0.2 N(0,1) (the final norm
    times `final_norm`, for logits spread enough that entropies vary by position), biases
    0.2 N(0,1); float32. With base: base + jitter * scale * N(0,1)."""
    os.makedirs(d)
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(cfg, f)
    c = q3.read_config(d)
    g = torch.Generator().manual_seed(seed)
    ts, vals = {}, {}
    for k, shape in q3.expected_shapes(c).items():
        n = torch.randn(shape, generator=g, dtype=torch.float64)
        s = 0.2 if (k.endswith("norm.weight") or k.endswith(".bias")) else 0.25
        if base is not None:
            t = base[k] + jitter * s * n
        elif k.endswith("norm.weight"):
            t = (1 + s * n) * (final_norm if k == "model.norm.weight" else 1.0)
        else:
            t = s * n
        t = t.to(torch.float32)
        vals[k] = t.to(torch.float64)
        ts[k] = st.raw_from_float(t, "F32")
    st.write(os.path.join(d, "model.safetensors"), ts, {"format": "pt"})
    return vals


def sh(args, what):
    try:
        r = subprocess.run([WMSS] + args, capture_output=True, text=True, timeout=600)
    except subprocess.TimeoutExpired:
        raise CaseFailure(f"{what}: wmss {args[0]} timed out")
    if r.returncode != 0:
        tail = (r.stderr or r.stdout).strip().splitlines()[-5:]
        raise CaseFailure(f"{what}: wmss {' '.join(args)} exited {r.returncode}: "
                          + " | ".join(tail))
    return r


def canon(v):
    return json.dumps(v, sort_keys=True, ensure_ascii=False)


# ---- data -------------------------------------------------------------------------

def make_data(model, rng, greedy=0.5):
    """Examples (dict as written): prompts and completions, a hole, no mask field, a mask
    with mask[0] = 1, short completions at the end and in the middle (where the released
    code's shifted set differs most), and ids of several JSON kinds. Each next token is,
    with probability `greedy`, the argmax of `model` (so that target logits stand out as
    in a trained model), else random."""
    V = model.cfg.V

    def seq(n):
        ids = [rng.randrange(V)]
        with torch.no_grad():
            while len(ids) < n:
                if rng.random() < greedy:
                    ids.append(int(q3.forward(model, ids)[-1].argmax()))
                else:
                    ids.append(rng.randrange(V))
        return ids

    ex = []
    ex.append({"input_ids": seq(12), "completion_mask": [0] * 4 + [1] * 8, "id": "a-1"})
    ex.append({"input_ids": seq(2), "completion_mask": [0, 1], "id": 7})
    ex.append({"input_ids": seq(25), "id": {"k": [1, 2.5, None, True], "s": "caf\u00e9"}})
    m = [0] * 8 + [1] * 22
    for t in range(15, 19):
        m[t] = 0
    ex.append({"input_ids": seq(30), "completion_mask": m})
    ex.append({"input_ids": seq(20), "completion_mask": [0] * 18 + [1] * 2, "id": "shift-end"})
    m = [0] * 40
    for t in range(10, 13):
        m[t] = 1
    ex.append({"input_ids": seq(40), "completion_mask": m, "id": "shift-middle"})
    ex.append({"input_ids": seq(64), "completion_mask": [0] * 20 + [1] * 44,
               "id": 12345})
    ex.append({"input_ids": seq(16), "completion_mask": [1, 1, 0, 0] + [1] * 6 + [0, 1] + [0] * 4,
               "id": "mask0", "extra": {"ignored": True}})
    ex.append({"input_ids": seq(9), "completion_mask": [0] * 7 + [1, 1], "id": -3.25})
    ex.append({"input_ids": seq(33), "completion_mask": [0] * 3 + [1] * 30, "id": ""})
    ex.append({"input_ids": seq(5), "completion_mask": [0, 0, 1, 1, 1], "id": [3, "x"]})
    return ex


# numeric ids that a double cannot carry, or that need 16-17 significant digits
BIG_IDS = [1234567890123456, 9007199254740993, -9007199254740993, 18446744073709551615,
           0.30000000000000004, 123456789.12345678]



def write_data(path, exs, blank_after=4):
    with open(path, "w", encoding="utf-8") as f:
        for j, o in enumerate(exs):
            f.write(json.dumps(o, ensure_ascii=False) + "\n")
            if j == blank_after:
                f.write("\n")   # a blank line: indices count non-blank lines only


def mask_of(o):
    return o.get("completion_mask") or [1] * len(o["input_ids"])


def positions(o, shifted=False):
    """Correct T_i = {t-1 : t >= 1, mask[t] == 1}; the released code's shifted set is
    {t : t >= 1, mask[t] == 1} (the completion positions themselves)."""
    m = mask_of(o)
    ts = [t for t in range(1, len(m)) if m[t] == 1]
    return ts if shifted else [t - 1 for t in ts]


# ---- oracle -----------------------------------------------------------------------

def entropies(z):
    """Per-row entropy (nats) of softmax(z), float64."""
    lse = torch.logsumexp(z, -1)
    p = torch.softmax(z, -1)
    return lse - (p * z).sum(-1)


def all_logits(model, exs, fwd=None):
    fwd = fwd or q3.forward
    with torch.no_grad():
        return [fwd(model, o["input_ids"]) for o in exs]


def entropy_ref(logits, exs, shifted=False):
    out = []
    for z, o in zip(logits, exs):
        pos = positions(o, shifted)
        out.append((float(entropies(z[pos]).mean()), len(pos)))
    return out


def stats_ref(logits, exs):
    """Pooled statistics over every target position (torch, vectorized)."""
    zs, ys = [], []
    for z, o in zip(logits, exs):
        pos = positions(o)
        zs.append(z[pos])
        ys.append(torch.tensor([o["input_ids"][t + 1] for t in pos], dtype=torch.int64))
    z = torch.cat(zs)
    y = torch.cat(ys)
    V = z.shape[1]
    zy = z.gather(1, y[:, None])[:, 0]
    nt = (z.sum(1) - zy) / (V - 1)
    p = torch.softmax(z, -1)
    c = z - z.mean(1, keepdim=True)
    return {"positions": int(z.shape[0]), "target_logit": float(zy.mean()),
            "nontarget_logit": float(nt.mean()), "gap": float((zy - nt).mean()),
            "logit_std": float(z.std(1, unbiased=False).mean()),
            "centered_norm": float(c.norm(dim=1).mean()),
            "max_logit": float(z.max(1).values.mean()),
            "min_logit": float(z.min(1).values.mean()),
            "entropy": float(entropies(z).mean()), "max_prob": float(p.max(1).values.mean())}


def stats_ref_loop(logits, exs):
    """The same statistics position by position in plain numpy/math (self-check)."""
    acc = {k: 0.0 for k in ("target_logit", "nontarget_logit", "gap", "logit_std",
                            "centered_norm", "max_logit", "min_logit", "entropy",
                            "max_prob")}
    n = 0
    for z, o in zip(logits, exs):
        zz = z.numpy()
        for t in positions(o):
            row = [float(x) for x in zz[t]]
            y = o["input_ids"][t + 1]
            V = len(row)
            mean = math.fsum(row) / V
            mx = max(row)
            e = [math.exp(x - mx) for x in row]
            s = math.fsum(e)
            pr = [x / s for x in e]
            acc["target_logit"] += row[y]
            ntv = (math.fsum(row) - row[y]) / (V - 1)
            acc["nontarget_logit"] += ntv
            acc["gap"] += row[y] - ntv
            acc["logit_std"] += math.sqrt(math.fsum((x - mean) ** 2 for x in row) / V)
            acc["centered_norm"] += math.sqrt(math.fsum((x - mean) ** 2 for x in row))
            acc["max_logit"] += mx
            acc["min_logit"] += min(row)
            acc["entropy"] += -math.fsum(q * math.log(q) for q in pr if q > 0)
            acc["max_prob"] += max(pr)
            n += 1
    out = {k: v / n for k, v in acc.items()}
    out["positions"] = n
    return out


QS = {"min": 0.0, "q05": 0.05, "q25": 0.25, "q50": 0.5, "q75": 0.75, "q95": 0.95,
      "max": 1.0}
QMETHODS = ["linear", "lower", "higher", "nearest", "midpoint", "hazen", "weibull",
            "median_unbiased", "normal_unbiased", "inverted_cdf", "averaged_inverted_cdf",
            "closest_observation", "interpolated_inverted_cdf"]


def dh_ref(hm, hw):
    d = np.array(hm) - np.array(hw)
    out = {"mean": float(d.mean()), "std": float(d.std()),
           "share_negative": float(np.mean(d < 0))}
    out.update({k: float(np.quantile(d, q)) for k, q in QS.items()})
    return out, d


def oracle_self_check(model_dir, exs):
    m64 = q3.load(model_dir, torch.float64)
    small = [exs[i] for i in (1, 3, 4, 7)]
    la = all_logits(m64, small)
    lb = all_logits(m64, small, fwd=q3.forward_loop)
    e_fwd = max(abs(a - b) / a for (a, _), (b, _) in
                zip(entropy_ref(la, small), entropy_ref(lb, small)))
    e_form = 0.0
    for z in la:
        p = torch.softmax(z, -1)
        h2 = -(p * torch.log(p)).sum(-1)
        e_form = max(e_form, float((entropies(z) - h2).abs().max()))
    sa, sb = stats_ref(la, small), stats_ref_loop(la, small)
    e_st = max(abs(sa[k] - sb[k]) / max(abs(sb[k]), 1e-3) for k in sa)
    ok = e_fwd < 1e-12 and e_form < 1e-12 and e_st < 1e-12 and sa["positions"] == \
        sb["positions"]
    print(f"  {'ok  ' if ok else 'FAIL'} oracle self-check (float64): per-example entropy "
          f"via forward vs forward_loop rel {e_fwd:.1e}; logsumexp - sum p z vs -sum p log p "
          f"{e_form:.1e}; statistics vectorized torch vs per-position math.fsum rel "
          f"{e_st:.1e} ({sa['positions']} positions)", flush=True)
    if not ok:
        raise CaseFailure("the oracle disagrees with itself")


# ---- checks -----------------------------------------------------------------------

def read_entropy_file(path, what):
    rows = []
    with open(path, encoding="utf-8") as f:
        for ln, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as e:
                raise CaseFailure(f"{what}: line {ln} of the entropy file is not JSON: {e}")
    return rows


def check_entropy(label, model_dir, data_path, exs, tmp, runs):
    """runs: list of extra-flag lists; each run is compared with the oracle, and the runs
    with each other."""
    m64 = q3.load(model_dir, torch.float64)
    logits = all_logits(m64, exs)
    ref = entropy_ref(logits, exs)
    sref = entropy_ref(logits, exs, shifted=True)
    # power: the released code's shifted set must be far from the correct one
    shift_rel = [abs(s - r) / r for (r, _), (s, _) in zip(ref, sref)]
    shift_max = max(shift_rel)
    if shift_max < SHIFT_POWER:
        raise CaseFailure(f"{label}: test design: the shifted position set moves no "
                          f"example's entropy by >= {SHIFT_POWER:.0e} (max {shift_max:.1e})")
    problems = []
    got_runs = []
    for extra in runs:
        out = os.path.join(tmp, f"{label}_ent_{len(got_runs)}.jsonl")
        what = f"entropy {label} {' '.join(extra)}".strip()
        t0 = time.time()
        sh(["entropy", "--model", model_dir, "--data", data_path, "--out", out] + extra, what)
        dt = time.time() - t0
        rows = read_entropy_file(out, what)
        got_runs.append(rows)
        if len(rows) != len(exs):
            problems.append(f"{what}: {len(rows)} lines for {len(exs)} examples")
            continue
        worst, wi = 0.0, -1
        closer_to_shifted = []
        for i, (row, o, (h, n), (hs, _)) in enumerate(zip(rows, exs, ref, sref)):
            if row.get("index") != i:
                problems.append(f"{what}: line {i + 1} has index {row.get('index')!r}")
                break
            if row.get("tokens") != n:
                problems.append(f"{what}: example {i}: tokens {row.get('tokens')!r} vs {n}")
            if ("id" in o) != ("id" in row) or ("id" in o and canon(o["id"]) != canon(row["id"])):
                problems.append(f"{what}: example {i}: id {canon(row.get('id', '<absent>'))} "
                                f"vs {canon(o.get('id', '<absent>'))}")
            g = row.get("entropy")
            if not isinstance(g, (int, float)) or isinstance(g, bool):
                problems.append(f"{what}: example {i}: entropy {g!r}")
                continue
            e = abs(g - h) / h
            if e > worst:
                worst, wi = e, i
            if e >= TOL:
                problems.append(f"{what}: example {i}: entropy {g!r} vs torch {h!r} "
                                f"(rel {e:.1e}; the shifted set gives {hs!r}, rel "
                                f"{abs(g - hs) / hs:.1e})")
            if abs(g - hs) < abs(g - h):
                closer_to_shifted.append(i)
        if closer_to_shifted:
            problems.append(f"{what}: examples {closer_to_shifted} are closer to the shifted "
                            f"(released-code) position set than to the correct one")
        print(f"  {'ok  ' if not problems else 'FAIL'} {what}: {len(rows)} examples, worst "
              f"entropy rel {worst:.1e} (example {wi}), tokens/index/id exact; shifted set "
              f"would be {shift_max:.1e} rel off (example {shift_rel.index(shift_max)}: "
              f"correct {ref[shift_rel.index(shift_max)][0]:.6f}, shifted "
              f"{sref[shift_rel.index(shift_max)][0]:.6f}) ({dt:.2f} s)", flush=True)
    # the runs against each other
    if len(got_runs) > 1 and all(len(r) == len(exs) for r in got_runs):
        base = [r["entropy"] for r in got_runs[0]]
        d = 0.0
        bitwise = True
        for rows in got_runs[1:]:
            for a, r in zip(base, rows):
                d = max(d, abs(r["entropy"] - a) / a)
                bitwise &= r["entropy"] == a
        ok = d < 1e-6
        print(f"  {'ok  ' if ok else 'FAIL'} entropy {label}: {len(got_runs)} runs "
              f"({' / '.join(' '.join(x) or 'defaults' for x in runs)}) agree to rel {d:.1e}"
              f"{' (bitwise)' if bitwise else ''}", flush=True)
        if not ok:
            problems.append(f"entropy {label}: runs differ by rel {d:.1e}")
    if problems:
        raise CaseFailure("; ".join(problems[:8]))
    return ref


def check_big_ids(model_dir, data_path, exs, tmp):
    out = os.path.join(tmp, "big_ids_ent.jsonl")
    sh(["entropy", "--model", model_dir, "--data", data_path, "--out", out], "big ids")
    with open(out, encoding="utf-8") as f:
        texts = [x for x in f.read().splitlines() if x.strip()]
    rows = [json.loads(x) for x in texts]
    bad = [(o["id"], r.get("id")) for o, r in zip(exs, rows)
           if canon(o["id"]) != canon(r.get("id"))]
    ok = not bad and len(rows) == len(exs)
    print(f"  {'ok  ' if ok else 'FAIL'} entropy carries numeric ids exactly "
          f"({', '.join(str(b) for b in BIG_IDS)}): "
          + ("all exact" if ok else "; ".join(f"{a} came back as {json.dumps(b)}" for a, b in bad)),
          flush=True)
    if not ok:
        raise CaseFailure("ids changed: " + "; ".join(f"{a} -> {json.dumps(b)}" for a, b in bad))


LOGIT_KEYS = ("target_logit", "nontarget_logit", "gap", "logit_std", "max_logit",
              "min_logit")
STAT_KEYS = ("positions", "target_logit", "nontarget_logit", "gap", "logit_std",
             "centered_norm", "max_logit", "min_logit", "entropy", "max_prob")


def compare_stats(got, ref, what):
    """Returns (worst error, key, problems)."""
    problems = []
    worst, wk = 0.0, ""
    scale = ref["logit_std"]
    if not isinstance(got, dict):
        return float("inf"), "", [f"{what}: not an object: {got!r}"]
    for k in STAT_KEYS:
        g = got.get(k)
        if not isinstance(g, (int, float)) or isinstance(g, bool):
            problems.append(f"{what}: {k} missing or not a number ({g!r})")
            continue
        r = ref[k]
        if k == "positions":
            if g != r:
                problems.append(f"{what}: positions {g} vs {r}")
            continue
        den = max(abs(r), scale) if k in LOGIT_KEYS else abs(r)
        e = abs(g - r) / den
        if e > worst:
            worst, wk = e, k
        if e >= TOL:
            problems.append(f"{what}: {k} {g!r} vs torch {r!r} (err {e:.1e})")
    return worst, wk, problems


def check_stats(label, model_dir, ref_dir, data_path, exs, tmp):
    m = q3.load(model_dir, torch.float64)
    lm = all_logits(m, exs)
    ref_m = stats_ref(lm, exs)
    args = ["stats", "--model", model_dir, "--data", data_path]
    if ref_dir:
        w = q3.load(ref_dir, torch.float64)
        lw = all_logits(w, exs)
        ref_w = stats_ref(lw, exs)
        hm = [h for h, _ in entropy_ref(lm, exs)]
        hw = [h for h, _ in entropy_ref(lw, exs)]
        dref, d = dh_ref(hm, hw)
        margin = float(np.abs(d).min())
        if margin < 1e-4:
            raise CaseFailure(f"{label}: test design: an example has |dH| {margin:.1e}, "
                              f"its sign is not robust in float32")
        args += ["--ref", ref_dir]
    outp = os.path.join(tmp, f"{label}_stats.json")
    args += ["--out", outp]
    what = f"stats {label}"
    r = sh(args, what)
    printed = None
    for line in reversed(r.stdout.strip().splitlines()):
        if line.strip().startswith("{"):
            try:
                printed = json.loads(line)
            except json.JSONDecodeError:
                pass
            break
    try:
        with open(outp) as f:
            got = json.load(f)
    except (OSError, json.JSONDecodeError) as e:
        raise CaseFailure(f"{what}: --out file unreadable: {e}")
    if printed is None:
        try:
            printed = json.loads(r.stdout)
        except json.JSONDecodeError:
            pass
    problems = []
    if printed != got:
        problems.append(f"{what}: the printed JSON differs from the --out file "
                        f"(printed {str(printed)[:120]!r})")
    worst, wk, pr = compare_stats(got, ref_m, what)
    problems += pr
    line = (f"positions {ref_m['positions']}, target {ref_m['target_logit']:+.4f}, "
            f"nontarget {ref_m['nontarget_logit']:+.4f}, gap {ref_m['gap']:+.4f}, std "
            f"{ref_m['logit_std']:.4f}, cnorm {ref_m['centered_norm']:.3f}, max "
            f"{ref_m['max_logit']:+.3f}, min {ref_m['min_logit']:+.3f}, H "
            f"{ref_m['entropy']:.4f}, maxp {ref_m['max_prob']:.4f}; worst err {worst:.1e} "
            f"({wk})")
    if ref_dir:
        worst_w, wkw, pr = compare_stats(got.get("ref"), ref_w, what + " ref")
        problems += pr
        line += f"; ref: worst err {worst_w:.1e} ({wkw})"
        gd = got.get("dH")
        hscale = float(np.mean(hm))
        e_dh, ek = 0.0, ""
        if not isinstance(gd, dict):
            problems.append(f"{what}: dH is {gd!r}")
        else:
            for k, v in dref.items():
                g = gd.get(k)
                if not isinstance(g, (int, float)) or isinstance(g, bool):
                    problems.append(f"{what}: dH.{k} missing or not a number ({g!r})")
                    continue
                if k == "share_negative":
                    if abs(g - v) > 1e-12:
                        problems.append(f"{what}: dH.share_negative {g!r} vs {v!r}")
                    continue
                e = abs(g - v) / max(abs(v), hscale)
                if e > e_dh:
                    e_dh, ek = e, k
                if e >= TOL:
                    note = ""
                    if k == "std" and abs(g - float(d.std(ddof=1))) / hscale < TOL:
                        note = " (matches the sample std, ddof=1)"
                    elif k in QS:
                        ms = [mm for mm in QMETHODS if abs(float(np.quantile(d, QS[k],
                              method=mm)) - g) / hscale < TOL]
                        note = f" (matches numpy method(s) {ms})" if ms else ""
                    problems.append(f"{what}: dH.{k} {g!r} vs {v!r} (err {e:.1e}){note}")
        line += (f"; dH over {len(d)} examples: mean {dref['mean']:+.4f} std "
                 f"{dref['std']:.4f} q05/q50/q95 {dref['q05']:+.4f}/{dref['q50']:+.4f}/"
                 f"{dref['q95']:+.4f} share_negative {dref['share_negative']:.3f}, worst err "
                 f"{e_dh:.1e} ({ek}) of max(|v|, mean H)")
    ok = not problems
    print(f"  {'ok  ' if ok else 'FAIL'} {what}: {line}", flush=True)
    if not ok:
        raise CaseFailure("; ".join(problems[:8]))


def main():
    if not (os.path.isfile(WMSS) and os.access(WMSS, os.X_OK)):
        print(f"FAIL: wmss binary not found at {WMSS} (set WMSS)")
        return 1
    t0 = time.time()
    failures = []
    tmp = tempfile.mkdtemp(prefix="wmss_entropy_")
    try:
        m_dir = os.path.join(tmp, "M")
        base = random_model(m_dir, CFG_M, 101)
        w_dir = os.path.join(tmp, "W")      # M perturbed: dH of both signs
        random_model(w_dir, CFG_M, 102, base=base, jitter=0.35)
        w2_dir = os.path.join(tmp, "W2")    # another architecture, same vocabulary
        random_model(w2_dir, CFG_W2, 103)
        exs = make_data(q3.load(m_dir), random.Random(5))
        data = os.path.join(tmp, "data.jsonl")
        write_data(data, exs)
        big = [dict(exs[i % len(exs)], id=b) for i, b in enumerate(BIG_IDS)]
        big_data = os.path.join(tmp, "big_ids.jsonl")
        write_data(big_data, big)
        steps = [
            ("oracle self-check", lambda: oracle_self_check(m_dir, exs)),
            ("entropy M", lambda: check_entropy(
                "M (untied GQA)", m_dir, data, exs, tmp,
                [[], ["--batch-tokens", "64"], ["--batch-tokens", "97"],
                 ["--batch-tokens", "4096", "--loss-chunk", "5"]])),
            ("entropy W2", lambda: check_entropy(
                "W2 (tied MQA, biases)", w2_dir, data, exs, tmp,
                [[], ["--batch-tokens", "64", "--loss-chunk", "7"]])),
            ("numeric ids", lambda: check_big_ids(m_dir, big_data, big, tmp)),
            ("stats M", lambda: check_stats("M", m_dir, None, data, exs, tmp)),
            ("stats M --ref W", lambda: check_stats("M --ref W", m_dir, w_dir, data, exs,
                                                    tmp)),
            ("stats W2 --ref M", lambda: check_stats("W2 --ref M", w2_dir, m_dir, data,
                                                     exs, tmp)),
        ]
        for label, fn in steps:
            try:
                fn()
            except (CaseFailure, q3.OracleError, st.SafetensorsError, OSError,
                    ValueError) as e:
                failures.append(f"{label}: {e}")
                print(f"  FAIL {failures[-1]}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"({time.time() - t0:.1f} s)")
    if failures:
        print(f"{len(failures)} failure(s)")
        return 1
    print("all entropy and logit-statistics checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
