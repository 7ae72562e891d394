#!/usr/bin/python3
"""Training parity: wmss losses, gradients and AdamW steps against PyTorch autograd.

Oracle: tests/py/oracle/train_torch.py (autograd through the independent Qwen3 forward of
qwen3_torch.py, torch.optim.AdamW, transformers' schedule lambdas), in float64. Models are
random float32 checkpoints written by the oracle's safetensors writer (norm weights and
biases random too). Before comparing with wmss the oracle checks itself: central finite
differences of the float64 loss for 16 gradient entries of a K=2 mix, autograd through a
second formulation of the forward pass (qwen3_torch.forward_loop), and AdamW written out by
hand against torch.optim.AdamW + clip_grad_norm_. Each SFT scenario is also run in float32
torch: it must land within a tenth of the tolerance of float64 torch (Adam turns float32
noise in near-zero gradient entries into O(lr) weight differences, worst when the first
step runs at full lr, hence a warmup step), and each plausible mistake listed with it
(no clipping, no warmup, decay on norms, no decay, linear for cosine) must move the
weights >= 10x the tolerance: the check has the power to see it.

Drives:
    wmss grads --model M --data D --out G [--loss-chunk 7]                  (K = 1)
    wmss grads --model S --weak W --lambda L --data D --out GS --out-weak GW (K = 2)
               [--loss-chunk 5]
    wmss sft --model M --data D --out O --epochs 1 --batch B --micro-batch m --lr LR
             --warmup-steps N --lr-schedule S --max-grad-norm G --weight-decay WD
             --no-shuffle --seed 0
Checks (metric: max|wmss - torch| / max|torch| per tensor, the worst tensor printed):
    loss < 1e-5 relative, tokens exact, entropy < 1e-5 relative, accuracy exact up to
    near-ties of the top two logits; every gradient < 1e-3 (exact zeros for the branch whose
    mixing weight is 0); per-step loss < 1e-5, lr < 1e-6, pre-clip grad norm < 1e-4 and
    final weights < 1e-4 after 3-4 AdamW steps (metrics.jsonl line i = optimizer step i;
    lr = the lr applied at that step; grad_norm = the norm before clipping, as
    clip_grad_norm_ returns it). Batches have sequences of 2..40 tokens, prompt masks and a
    mask hole; models cover tied/untied heads, GQA and MQA, head_dim != hidden/heads,
    attention biases. K=2 pairs: two unrelated random models (untied GQA) and a model with
    a 1e-3-relative perturbed copy of itself (tied MQA with biases).
Environment: WMSS = path of the wmss binary (default build/wmss). Exit status 1 on failure.
"""

import json
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
from wmss_cli import CaseFailure, last_json, rel, sh, write_data  # noqa: E402
from oracle import train_torch as tt  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(HERE))
WMSS = os.environ.get("WMSS") or os.path.join(ROOT, "build", "wmss")
TOL_LOSS = 1e-5
TOL_GRAD = 1e-3
TOL_WEIGHT = 1e-4
TOL_LR = 1e-6
TOL_NORM = 1e-4

torch.set_num_threads(max(1, min(4, os.cpu_count() or 1)))


def base_config(**kw):
    c = {"architectures": ["Qwen3ForCausalLM"], "model_type": "qwen3",
         "initializer_range": 0.25, "rms_norm_eps": 1e-6, "rope_theta": 10000.0,
         "max_position_embeddings": 256, "hidden_act": "silu", "torch_dtype": "float32"}
    c.update(kw)
    return c


CFG_UNTIED = base_config(  # GQA 4/2, head_dim 16 != 48/4, untied head, no biases
    vocab_size=257, hidden_size=48, intermediate_size=96, num_hidden_layers=2,
    num_attention_heads=4, num_key_value_heads=2, head_dim=16, tie_word_embeddings=False)
CFG_TIED = base_config(  # MQA 4/1, head_dim 12 != 32/4, tied head, q/k/v/o biases
    vocab_size=203, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
    num_attention_heads=4, num_key_value_heads=1, head_dim=12, tie_word_embeddings=True,
    attention_bias=True, rms_norm_eps=1e-5, rope_theta=1000000.0)
CFG_SFT = base_config(  # GQA 4/2, head_dim 8 != 40/4, untied, biases
    vocab_size=211, hidden_size=40, intermediate_size=72, num_hidden_layers=2,
    num_attention_heads=4, num_key_value_heads=2, head_dim=8, tie_word_embeddings=False,
    attention_bias=True)


# ---- files ------------------------------------------------------------------------

def random_model(d, cfg, seed, base=None, jitter=0.0):
    """Model directory written by the oracle: matrices 0.25 N(0,1), norm weights
    1 + 0.2 N(0,1), biases 0.2 N(0,1), all float32. With base (a dict name -> tensor):
    base + jitter * N(0,1) * (0.25 or 0.2), i.e. a slightly different copy."""
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
        else:
            t = 1 + s * n if k.endswith("norm.weight") else s * n
        t = t.to(torch.float32)
        vals[k] = t.to(torch.float64)
        ts[k] = st.raw_from_float(t, "F32")
    st.write(os.path.join(d, "model.safetensors"), ts, {"format": "pt"})
    return c, vals





def read_f32_file(path, cfg, what):
    """Tensors of a safetensors file that must hold exactly the model's parameters, F32."""
    raw, _ = st.read_raw(path)
    exp = q3.expected_shapes(cfg)
    if set(raw) != set(exp):
        raise CaseFailure(f"{what}: tensor names differ from the parameters: missing "
                          f"{sorted(set(exp) - set(raw))[:4]}, extra "
                          f"{sorted(set(raw) - set(exp))[:4]}")
    out = {}
    for k, v in raw.items():
        if v.dtype != "F32" or tuple(v.shape) != exp[k]:
            raise CaseFailure(f"{what}: {k} is {v.dtype} {tuple(v.shape)}, expected F32 "
                              f"{exp[k]}")
        a = st.raw_to_numpy(v).astype(np.float64)
        if not np.all(np.isfinite(a)):
            raise CaseFailure(f"{what}: {k} has non-finite values")
        out[k] = a
    return out


# ---- comparisons ------------------------------------------------------------------


def compare_tensors(got, ref, tol, label):
    """got: dict name -> np array; ref: dict name -> torch tensor. Returns (worst, name)."""
    worst, wname = 0.0, ""
    for k, r in ref.items():
        r = r.detach().to(torch.float64).numpy()
        if not np.any(r):
            if np.any(got[k]):
                raise CaseFailure(f"{label}: {k} should be exactly zero, max|g| = "
                                  f"{np.abs(got[k]).max():.3e}")
            continue
        e = rel(got[k], r)
        if e > worst or not wname:
            worst, wname = e, k
    return worst, wname


def check_stats(label, out, ref, worst_grad, grad_name, extra=""):
    """Prints one line and raises on any metric over its tolerance."""
    problems = []
    for key in ("loss", "tokens", "entropy", "accuracy"):
        if key not in out:
            problems.append(f"stdout JSON lacks {key!r}")
    if problems:
        raise CaseFailure(f"{label}: " + "; ".join(problems))
    e_loss = abs(out["loss"] - ref["loss"]) / abs(ref["loss"])
    e_ent = abs(out["entropy"] - ref["entropy"]) / abs(ref["entropy"])
    n = ref["tokens"]
    lo, hi = (ref["correct"] - ref["ambiguous"]) / n, (ref["correct"] + ref["ambiguous"]) / n
    acc_ok = lo - 1e-9 <= out["accuracy"] <= hi + 1e-9
    if e_loss >= TOL_LOSS:
        problems.append(f"loss {out['loss']!r} vs {ref['loss']!r} (rel {e_loss:.2e})")
    if out["tokens"] != n:
        problems.append(f"tokens {out['tokens']} vs {n}")
    if e_ent >= TOL_LOSS:
        problems.append(f"entropy {out['entropy']!r} vs {ref['entropy']!r} (rel {e_ent:.2e})")
    if not acc_ok:
        problems.append(f"accuracy {out['accuracy']!r} vs {ref['correct']}/{n}")
    if worst_grad >= TOL_GRAD:
        problems.append(f"gradient {grad_name} rel err {worst_grad:.2e}")
    ok = not problems
    print(f"  {'ok  ' if ok else 'FAIL'} {label}: loss {ref['loss']:.5f} rel {e_loss:.1e}, "
          f"tokens {n}, entropy rel {e_ent:.1e}, accuracy {out['accuracy']:.4f} "
          f"(torch {ref['correct']}/{n}), worst grad rel {worst_grad:.2e} ({grad_name})"
          + extra, flush=True)
    if not ok:
        raise CaseFailure(f"{label}: " + "; ".join(problems))


# ---- data -------------------------------------------------------------------------

def make_examples(models, rng, lens, masks, greedy=0.6):
    """Sequences whose next token is, with probability `greedy`, the argmax of one of
    `models` (cycled), else random; so that top-1 accuracy is neither 0 nor 1."""
    out = []
    with torch.no_grad():
        for n, mask in zip(lens, masks):
            V = models[0].cfg.V
            ids = [rng.randrange(V)]
            while len(ids) < n:
                if rng.random() < greedy:
                    m = models[len(ids) % len(models)]
                    ids.append(int(q3.forward(m, ids)[-1].argmax()))
                else:
                    ids.append(rng.randrange(V))
            out.append((ids, mask))
    return out


def grad_batch_masks():
    """Lengths 2, 5, 17, 40: one target only; no mask field (all ones, mask[0] = 1 must
    not make position -1 a target); a prompt prefix; a prefix and a hole in the middle."""
    m17 = [0] * 6 + [1] * 11
    m40 = [0] * 9 + [1] * 31
    for t in range(22, 28):
        m40[t] = 0
    return [2, 5, 17, 40], [[0, 1], None, m17, m40]


# ---- oracle self-check ------------------------------------------------------------

def oracle_self_check(tmp):
    """The oracle against itself: finite differences and a second forward formulation."""
    cfg_d = dict(CFG_TIED, vocab_size=61)
    c, _ = random_model(os.path.join(tmp, "selfcheck"), cfg_d, 7)
    cfg, p = tt.leaf_params(os.path.join(tmp, "selfcheck"))
    cw, pw = tt.leaf_params(os.path.join(tmp, "selfcheck"))
    with torch.no_grad():  # a second, different branch
        g = torch.Generator().manual_seed(8)
        for t in pw.values():
            t.add_(0.2 * torch.randn(t.shape, generator=g, dtype=t.dtype))
    rng = random.Random(3)
    lens, masks = [2, 5, 9], [[0, 1], None, [0, 0, 0, 1, 1, 0, 1, 1, 1]]
    exs = [([rng.randrange(c.V) for _ in range(n)], m) for n, m in zip(lens, masks)]
    branches = [(cfg, p, 0.3), (cw, pw, 0.7)]
    names = ["model.embed_tokens.weight", "model.layers.0.self_attn.q_norm.weight",
             "model.layers.0.self_attn.k_proj.bias", "model.layers.1.self_attn.v_proj.weight",
             "model.layers.1.mlp.down_proj.weight", "model.norm.weight",
             "model.layers.0.input_layernorm.weight", "model.layers.1.self_attn.o_proj.bias"]
    gen = random.Random(5)
    picks = []
    for b in (0, 1):
        for k in names:
            t = branches[b][1][k]
            if k == "model.embed_tokens.weight":  # a row the batch uses
                idx = exs[2][0][3] * t.shape[1] + gen.randrange(t.shape[1])
            else:
                idx = gen.randrange(t.numel())
            picks.append((b, k, idx))
    worst_fd, _ = tt.finite_difference_check(branches, exs, picks)
    st1, g1 = tt.grads(branches, exs)
    st2, g2 = tt.grads(branches, exs, forward=q3.forward_loop)
    e_loss = abs(st1["loss"] - st2["loss"]) / abs(st1["loss"])
    e_grad = max(rel(g2[b][k].numpy(), g1[b][k].numpy()) for b in (0, 1) for k in g1[b])
    # the optimizer: torch.optim.AdamW + LambdaLR + clip_grad_norm_ vs AdamW by hand
    d = os.path.join(tmp, "selfcheck")
    steps = [exs[:2], exs[1:], exs]
    kw = dict(lr=1e-2, schedule="cosine", warmup=1, max_grad_norm=0.5, weight_decay=0.3)
    a = tt.sft_reference(d, steps, **kw)[0]
    b = tt.sft_reference_manual(d, steps, **kw)
    e_opt = max(rel(b[k].numpy(), a[k].numpy()) for k in a)
    ok = worst_fd < 1e-6 and e_loss < 1e-12 and e_grad < 1e-10 and e_opt < 1e-12
    print(f"  {'ok  ' if ok else 'FAIL'} oracle self-check (float64, K=2 tied+bias): "
          f"{len(picks)} finite differences worst rel {worst_fd:.1e}; autograd through "
          f"forward_loop: loss rel {e_loss:.1e}, worst grad rel {e_grad:.1e}; AdamW by hand "
          f"vs torch.optim.AdamW, 3 steps: weights rel {e_opt:.1e}", flush=True)
    if not ok:
        raise CaseFailure("the oracle disagrees with itself")


# ---- checks -----------------------------------------------------------------------

def check_grads_k1(name, cfg_json, seed, tmp, keep):
    d = os.path.join(tmp, name)
    random_model(d, cfg_json, seed)
    cfg, p = tt.leaf_params(d)
    rng = random.Random(seed)
    lens, masks = grad_batch_masks()
    exs = make_examples([tt.model_of(cfg, p)], rng, lens, masks)
    data = os.path.join(tmp, name + ".jsonl")
    write_data(data, exs)
    keep[name] = (d, exs)  # the K=2 checks build on these even if this check fails
    ref, (gref,) = tt.grads([(cfg, p, 1.0)], exs)
    problems = []
    for chunk in (None, 7):  # default chunking (one chunk here), then 7 rows per chunk
        what = f"grads K=1 {name}" + (f" --loss-chunk {chunk}" if chunk else "")
        gpath = os.path.join(tmp, f"{name}_{chunk}_grads.safetensors")
        try:
            r = sh(["grads", "--model", d, "--data", data, "--out", gpath]
                   + (["--loss-chunk", str(chunk)] if chunk else []), what)
            out = last_json(r.stdout, what)
            got = read_f32_file(gpath, cfg, what)
            worst, wname = compare_tensors(got, gref, TOL_GRAD, what)
            check_stats(what, out, ref, worst, wname)
        except CaseFailure as e:
            problems.append(str(e))
    if problems:
        raise CaseFailure("; ".join(problems))


def check_grads_k2(label, strong_dir, weak_dir, exs, tmp, lambdas=(0.0, 0.3, 0.5, 1.0),
                   chunked=0.3):
    cs, ps = tt.leaf_params(strong_dir)
    cw, pw = tt.leaf_params(weak_dir)
    data = os.path.join(tmp, label + ".jsonl")
    write_data(data, exs)
    problems = []
    runs = [(lam, None) for lam in lambdas] + [(chunked, 5)]
    for lam, chunk in runs:
        gs_path = os.path.join(tmp, f"{label}_{lam}_{chunk}_s.safetensors")
        gw_path = os.path.join(tmp, f"{label}_{lam}_{chunk}_w.safetensors")
        what = f"grads K=2 {label} lambda={lam}" + (f" --loss-chunk {chunk}" if chunk else "")
        try:
            r = sh(["grads", "--model", strong_dir, "--weak", weak_dir, "--lambda", repr(lam),
                    "--data", data, "--out", gs_path, "--out-weak", gw_path]
                   + (["--loss-chunk", str(chunk)] if chunk else []), what)
            out = last_json(r.stdout, what)
            ref, (gs_ref, gw_ref) = tt.grads([(cs, ps, lam), (cw, pw, 1.0 - lam)], exs)
            gs = read_f32_file(gs_path, cs, what + " strong")
            gw = read_f32_file(gw_path, cw, what + " weak")
            es, ns = compare_tensors(gs, gs_ref, TOL_GRAD, what + " strong")
            ew, nw = compare_tensors(gw, gw_ref, TOL_GRAD, what + " weak")
            zero = ""
            if lam == 0.0:
                zero = ", strong grads exactly 0"
            if lam == 1.0:
                zero = ", weak grads exactly 0"
            worst, wn = max((es, "strong " + ns), (ew, "weak " + nw))
            check_stats(what, out, ref, worst, wn,
                        extra=f"; strong {es:.1e} weak {ew:.1e}{zero}")
        except CaseFailure as e:
            problems.append(str(e))
    if problems:
        raise CaseFailure("; ".join(problems))


def run_sft(d, data, out, B, M, lr, warmup, schedule, G, wd, what, extra=()):
    sh(["sft", "--model", d, "--data", data, "--out", out, "--epochs", "1", "--batch", str(B),
        "--micro-batch", str(M), "--lr", repr(lr), "--warmup-steps", str(warmup),
        "--lr-schedule", schedule, "--max-grad-norm", repr(G), "--weight-decay", repr(wd),
        "--no-shuffle", "--seed", "0"] + list(extra), what)
    cfg = q3.read_config(d)
    if q3.read_config(out) != cfg:
        raise CaseFailure(f"{what}: OUT/config.json describes another model")
    got = read_f32_file(os.path.join(out, "model.safetensors"), cfg, f"{what} model")
    with open(os.path.join(out, "metrics.jsonl")) as f:
        metrics = [json.loads(x) for x in f if x.strip()]
    return got, metrics


def check_sft(label, cfg_json, seed, n_ex, B, M, lr, warmup, schedule, G, wd, tmp,
              alternatives, extra=()):
    """alternatives: list of (description, kwargs for sft_reference) that a wrong
    implementation might compute; each must land far from the reference (the check has
    the power to see it) and far from wmss."""
    d = os.path.join(tmp, label)
    random_model(d, cfg_json, seed)
    cfg, p = tt.leaf_params(d)
    rng = random.Random(seed)
    lens = [rng.randrange(2, 31) for _ in range(n_ex)]
    masks = []
    for n in lens:
        k = rng.randrange(0, n - 1)  # prompt prefix; at least one counted position
        m = [0] * k + [1] * (n - k)
        if n > 12 and rng.random() < 0.5:
            m[n // 2] = 0
        masks.append(m)
    masks[1] = None
    exs = make_examples([tt.model_of(cfg, p)], rng, lens, masks, greedy=0.4)
    data = os.path.join(tmp, label + ".jsonl")
    write_data(data, exs)
    steps = [exs[i:i + B] for i in range(0, n_ex, B)]
    kw = dict(lr=lr, schedule=schedule, warmup=warmup, max_grad_norm=G, weight_decay=wd)
    ref_w, recs = tt.sft_reference(d, steps, **kw)
    init = {k: v.detach() for k, v in tt.leaf_params(d)[1].items()}
    # Conditioning: Adam turns float32 noise in near-zero gradient entries into O(lr)
    # weight differences (worst at a first step taken at full lr). The same run in
    # float32 torch must stay well inside the tolerance, or the scenario is unfit.
    f32_w, _ = tt.sft_reference(d, steps, dtype=torch.float32, **kw)
    floor = max(rel(f32_w[k].double().numpy(), ref_w[k].numpy()) for k in ref_w)
    if floor >= TOL_WEIGHT / 10:
        raise CaseFailure(f"{label}: test design: float32 torch lands {floor:.1e} from "
                          f"float64 torch (need < {TOL_WEIGHT / 10:.0e}); pick another "
                          f"seed, a lower lr or a warmup step")
    power = []
    for desc, alt in alternatives:
        kw2 = dict(kw)
        kw2.update(alt)
        alt_w, _ = tt.sft_reference(d, steps, **kw2)
        sep = max(rel(alt_w[k].numpy(), ref_w[k].numpy()) for k in ref_w)
        power.append((desc, sep, alt_w))
        if sep < 10 * TOL_WEIGHT:
            raise CaseFailure(f"{label}: test design: '{desc}' moves the weights only "
                              f"{sep:.1e} from the reference (need >= {10 * TOL_WEIGHT:.0e})")
    what = f"sft {label}"
    out = os.path.join(tmp, label + "_out")
    got, metrics = run_sft(d, data, out, B, M, lr, warmup, schedule, G, wd, what, extra)
    problems = []
    if len(metrics) != len(steps):
        raise CaseFailure(f"{what}: metrics.jsonl has {len(metrics)} lines, expected "
                          f"{len(steps)} optimizer steps")
    e_loss = e_lr = e_norm = 0.0
    for i, (m, r) in enumerate(zip(metrics, recs)):
        for key in ("step", "loss", "lr", "grad_norm"):
            if key not in m:
                problems.append(f"metrics line {i + 1} lacks {key!r}")
        if problems:
            break
        el = abs(m["loss"] - r["loss"]) / abs(r["loss"])
        elr = abs(m["lr"] - r["lr"]) / lr
        en = abs(m["grad_norm"] - r["grad_norm"]) / r["grad_norm"]
        e_loss, e_lr, e_norm = max(e_loss, el), max(e_lr, elr), max(e_norm, en)
        if el >= TOL_LOSS:
            problems.append(f"step {i} loss {m['loss']!r} vs {r['loss']!r} (rel {el:.1e})")
        if elr >= TOL_LR:
            problems.append(f"step {i} lr {m['lr']!r} vs {r['lr']!r}")
        if en >= TOL_NORM:
            problems.append(f"step {i} grad_norm {m['grad_norm']!r} vs pre-clip "
                            f"{r['grad_norm']!r} (rel {en:.1e})")
    if not problems and [m["step"] for m in metrics] != sorted(set(m["step"]
                                                                   for m in metrics)):
        problems.append(f"metrics steps not increasing: {[m['step'] for m in metrics]}")
    e_w, wname = compare_tensors(got, ref_w, TOL_WEIGHT, what)
    # the same error relative to how far the weights moved (informative)
    e_upd = max(rel(got[k] - init[k].numpy(), ref_w[k].numpy() - init[k].numpy())
                for k in ref_w if torch.any(ref_w[k] != init[k]))
    if e_w >= TOL_WEIGHT:
        problems.append(f"final weights {wname} rel err {e_w:.2e}")
    ok = not problems
    norms = ", ".join(f"{r['grad_norm']:.3g}" for r in recs)
    lrs = ", ".join(f"{r['lr']:.3g}" for r in recs)
    clipped = sum(1 for r in recs if G > 0 and r["grad_norm"] > G)
    print(f"  {'ok  ' if ok else 'FAIL'} {what} ({schedule}, {len(steps)} steps of {B} seqs "
          f"in micro-batches of {M}, warmup {warmup}, wd {wd}, clip {G}"
          f"{''.join(' ' + x for x in extra)}): step losses rel "
          f"{e_loss:.1e}, lr rel {e_lr:.1e}, grad_norm rel {e_norm:.1e}; final weights rel "
          f"{e_w:.2e} ({wname}), rel to the update {e_upd:.1e} (float32 torch: {floor:.1e})",
          flush=True)
    print(f"       torch: lr per step [{lrs}], pre-clip grad norms [{norms}]"
          + (f" > {G}: clipped {clipped}/{len(recs)} steps" if G > 0 else ""))
    for desc, sep, alt_w in power:
        dist = max(rel(got[k], alt_w[k].numpy()) for k in alt_w)
        print(f"       power: '{desc}' would put the weights {sep:.1e} from torch "
              f"(wmss is {dist:.1e} from it)")
    if not ok:
        raise CaseFailure(f"{what}: " + "; ".join(problems))


def check_loss_on_all(tmp, keep):
    """--loss-on all: the loss over every next-token position, the prompt included (TRL
    without completion_only_loss). The data keeps its completion masks (prefixes, a hole,
    and an example with no completion token at all, which completion-only training drops);
    the oracle computes the loss with every mask set to all ones. grads K=1 and K=2, and
    an SFT run of 3 AdamW steps. Power: the completion-only reference must sit >= 10x the
    tolerance away, or the check could not tell the two apart."""
    d, exs = keep["untied_gqa_hd16"]
    rng = random.Random(77)
    cfg, p = tt.leaf_params(d)
    exs = list(exs) + [([rng.randrange(cfg.V) for _ in range(6)], [0] * 6)]
    all_exs = [(ids, None) for ids, _ in exs]
    data = os.path.join(tmp, "loss_on_all.jsonl")
    write_data(data, exs)
    problems = []
    # K = 1
    what = "grads K=1 --loss-on all"
    try:
        ref, (gref,) = tt.grads([(cfg, p, 1.0)], all_exs)
        _, (gmask,) = tt.grads([(cfg, p, 1.0)], exs[:-1])
        sep = max(rel(gmask[k].numpy(), gref[k].numpy()) for k in gref)
        if sep < 10 * TOL_GRAD:
            raise CaseFailure(f"{what}: test design: completion-only gradients only {sep:.1e} away")
        gpath = os.path.join(tmp, "loss_on_all_k1.safetensors")
        r = sh(["grads", "--model", d, "--data", data, "--out", gpath, "--loss-on", "all"], what)
        out = last_json(r.stdout, what)
        got = read_f32_file(gpath, cfg, what)
        worst, wname = compare_tensors(got, gref, TOL_GRAD, what)
        check_stats(what, out, ref, worst, wname, extra=f"; completion-only would be {sep:.1e} away")
    except CaseFailure as e:
        problems.append(str(e))
    # K = 2, two unrelated models, lambda 0.3
    what = "grads K=2 --loss-on all lambda=0.3"
    try:
        w_dir = os.path.join(tmp, "weak_loss_on_all")
        random_model(w_dir, CFG_UNTIED, 33)
        cw, pw = tt.leaf_params(w_dir)
        ref, (gs_ref, gw_ref) = tt.grads([(cfg, p, 0.3), (cw, pw, 0.7)], all_exs)
        gs_path = os.path.join(tmp, "loa_s.safetensors")
        gw_path = os.path.join(tmp, "loa_w.safetensors")
        r = sh(["grads", "--model", d, "--weak", w_dir, "--lambda", "0.3", "--data", data,
                "--out", gs_path, "--out-weak", gw_path, "--loss-on", "all", "--loss-chunk", "5"], what)
        out = last_json(r.stdout, what)
        es, ns = compare_tensors(read_f32_file(gs_path, cfg, what), gs_ref, TOL_GRAD, what + " strong")
        ew, nw = compare_tensors(read_f32_file(gw_path, cw, what), gw_ref, TOL_GRAD, what + " weak")
        worst, wn = max((es, "strong " + ns), (ew, "weak " + nw))
        check_stats(what, out, ref, worst, wn, extra=f"; strong {es:.1e} weak {ew:.1e}")
    except CaseFailure as e:
        problems.append(str(e))
    # SFT: 3 steps of 2 sequences, AdamW, warmup, clipping
    what = "sft --loss-on all"
    try:
        sd = os.path.join(tmp, "loa_sft")
        random_model(sd, CFG_SFT, 43)
        c2, p2 = tt.leaf_params(sd)
        r2 = random.Random(43)
        lens = [r2.randrange(4, 25) for _ in range(6)]
        masks = [[0] * (n // 2) + [1] * (n - n // 2) for n in lens]
        masks[3] = [0] * lens[3]  # no completion token: trained only with --loss-on all
        sexs = make_examples([tt.model_of(c2, p2)], r2, lens, masks, greedy=0.4)
        sdata = os.path.join(tmp, "loa_sft.jsonl")
        write_data(sdata, sexs)
        steps = [[(ids, None) for ids, _ in sexs[i:i + 2]] for i in range(0, 6, 2)]
        kw = dict(lr=1e-2, schedule="linear", warmup=1, max_grad_norm=1.0, weight_decay=0.0)
        ref_w, recs = tt.sft_reference(sd, steps, **kw)
        msteps = [[x for x in sexs[i:i + 2] if any(x[1][1:])] for i in range(0, 6, 2)]
        mask_w, _ = tt.sft_reference(sd, msteps, **kw)
        sep = max(rel(mask_w[k].numpy(), ref_w[k].numpy()) for k in ref_w)
        if sep < 10 * TOL_WEIGHT:
            raise CaseFailure(f"{what}: test design: completion-only weights only {sep:.1e} away")
        got, metrics = run_sft(sd, sdata, os.path.join(tmp, "loa_sft_out"), 2, 1, 1e-2, 1, "linear",
                               1.0, 0.0, what, extra=["--loss-on", "all"])
        if len(metrics) != 3:
            raise CaseFailure(f"{what}: {len(metrics)} optimizer steps, expected 3")
        e_loss = max(abs(m["loss"] - r["loss"]) / abs(r["loss"]) for m, r in zip(metrics, recs))
        e_w, wname = compare_tensors(got, ref_w, TOL_WEIGHT, what)
        ok = e_loss < TOL_LOSS and e_w < TOL_WEIGHT
        print(f"  {'ok  ' if ok else 'FAIL'} {what} (3 steps of 2, one example without completion "
              f"tokens): step losses rel {e_loss:.1e}, final weights rel {e_w:.2e} ({wname}); "
              f"completion-only would be {sep:.1e} away", flush=True)
        if not ok:
            raise CaseFailure(f"{what}: step loss rel {e_loss:.1e}, weights {wname} rel {e_w:.2e}")
    except CaseFailure as e:
        problems.append(str(e))
    if problems:
        raise CaseFailure("; ".join(problems))


def main():
    if not (os.path.isfile(WMSS) and os.access(WMSS, os.X_OK)):
        print(f"FAIL: wmss binary not found at {WMSS} (set WMSS)")
        return 1
    t0 = time.time()
    failures = []
    tmp = tempfile.mkdtemp(prefix="wmss_train_parity_")
    keep = {}

    def k1(name, cfg, seed):
        check_grads_k1(name, cfg, seed, tmp, keep)

    def k2_random():  # two unrelated random models, untied GQA
        s_dir, exs = keep["untied_gqa_hd16"]
        w_dir = os.path.join(tmp, "weak_untied")
        random_model(w_dir, CFG_UNTIED, 31)
        check_grads_k2("random_pair", s_dir, w_dir, exs, tmp)

    def k2_close():  # strong = weak + 1e-3 relative jitter, tied MQA with biases
        w_dir, exs = keep["tied_mqa_bias_hd12"]
        base = {k: v.detach() for k, v in tt.leaf_params(w_dir)[1].items()}
        s_dir = os.path.join(tmp, "strong_close")
        random_model(s_dir, CFG_TIED, 32, base=base, jitter=1e-3)
        check_grads_k2("close_pair", s_dir, w_dir, exs, tmp)

    steps = [
        ("oracle self-check", lambda: oracle_self_check(tmp)),
        ("grads untied", lambda: k1("untied_gqa_hd16", CFG_UNTIED, 21)),
        ("grads tied", lambda: k1("tied_mqa_bias_hd12", CFG_TIED, 22)),
        ("grads K=2 random pair", k2_random),
        ("grads K=2 close pair", k2_close),
        ("loss on all positions", lambda: check_loss_on_all(tmp, keep)),
        ("sft linear", lambda: check_sft(
            "linear_warmup_clip", CFG_SFT, 41, n_ex=6, B=2, M=1, lr=1e-2, warmup=1,
            schedule="linear", G=1.0, wd=0.0, tmp=tmp, alternatives=[
                ("no clipping", {"clip": False}),
                ("schedule without warmup", {"warmup": 0})])),
        ("sft cosine", lambda: check_sft(
            "cosine_wd_tied", CFG_TIED, 42, n_ex=12, B=3, M=2, lr=1e-2, warmup=1,
            schedule="cosine", G=0.0, wd=0.5, tmp=tmp, alternatives=[
                ("weight decay on norms and biases too", {"decay_rule": lambda k: True}),
                ("no weight decay", {"weight_decay": 0.0}),
                ("linear instead of cosine", {"schedule": "linear"})],
            extra=["--loss-chunk", "16"])),
    ]
    try:
        for label, fn in steps:
            try:
                fn()
            except KeyError as e:
                failures.append(f"{label}: skipped, the case it builds on failed ({e})")
                print(f"  FAIL {failures[-1]}")
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
    print("all training parity checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
