#!/usr/bin/python3
"""Qwen2.5 / Llama 3 / Gemma 3 (and Qwen3) parity: wmss logits and gradients against an
independent PyTorch oracle.

Oracle: tests/py/oracle/families_torch.py (plain torch, written from transformers'
modeling/configuration code of Qwen2ForCausalLM, LlamaForCausalLM, Gemma3ForCausalLM and
Qwen3ForCausalLM), plugged into train_torch's loss as its forward= hook, in float64.

Before comparing with wmss the oracle checks itself: the vectorized forward against a
position-by-position formulation (explicit window ranges, RoPE as pair rotations, norms,
activations, softmax and softcap written out) on an oracle-written model of every case's
config (so these run even where wmss refuses the case); the sliding mask against an
explicit loop; the llama3 inv_freq table (float32, as transformers builds it) against
Meta's formulation in Python doubles, entry by entry, with every llama3 regime (kept,
interpolated, divided) exercised; the linear table against inv/factor; the Gemma embedding
scale as the float32-rounded sqrt(hidden); its Qwen3 path against the separate Qwen3 oracle
(qwen3_torch.py); central finite differences of the float64 loss for 12 gradient entries
of a Gemma 3 model (softcap, untied, a sliding and a full layer); and power checks: on each
case the feature it is there for (window, llama3 scaling, linear scaling, softcap) moves
the logits by > 1%.

Drives (models from `wmss init-model --config`, then every norm weight and bias randomized by
the oracle's safetensors writer: Gemma norms 0.5 N(0,1), as (1 + w) is applied, others
1 + 0.3 N(0,1); biases 0.3 N(0,1)):
    wmss logits --model M --ids "a,b;c,d" --out F        per sequence max|d|/max|ref| < 1e-4
    wmss grads --model M --data D --out G                 every tensor < 1e-3, loss < 1e-5
    wmss grads --model S --weak W --lambda 0.3 --data D --out GS --out-weak GW  (one pair
                                                          per family)
and checks that wmss refuses, naming config.json and the field: Qwen2 use_sliding_window,
Llama rope_scaling yarn / dynamic, Gemma 3 attn_logit_softcapping, an unknown hidden_act /
hidden_activation. A config.json with the optional fields left out must be read with each
transformers config class's defaults (forward check on an oracle-written model).
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
from oracle import families_torch as ft  # noqa: E402
from oracle import qwen3_torch as q3  # noqa: E402
from oracle import safetensors_np as st  # noqa: E402
from wmss_cli import CaseFailure, last_json, rel, sh, write_data  # noqa: E402
from oracle import train_torch as tt  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(HERE))
WMSS = os.environ.get("WMSS") or os.path.join(ROOT, "build", "wmss")
TOL_LOGITS = 1e-4
TOL_GRAD = 1e-3
TOL_LOSS = 1e-5
SEQ_LENS = [1, 9, 23, 40]
LAMBDA = 0.3

torch.set_num_threads(max(1, min(4, os.cpu_count() or 1)))


# ---- cases ----------------------------------------------------------------------------

def qwen2(**kw):
    c = {"architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2",
         "initializer_range": 0.25, "hidden_act": "silu", "max_position_embeddings": 512,
         "rms_norm_eps": 1e-6, "rope_theta": 1000000.0, "use_sliding_window": False}
    c.update(kw)
    return c


def llama(**kw):
    c = {"architectures": ["LlamaForCausalLM"], "model_type": "llama",
         "initializer_range": 0.25, "hidden_act": "silu", "max_position_embeddings": 512,
         "rms_norm_eps": 1e-5, "rope_theta": 10000.0, "attention_bias": False,
         "mlp_bias": False}
    c.update(kw)
    return c


def gemma3(**kw):
    c = {"architectures": ["Gemma3ForCausalLM"], "model_type": "gemma3_text",
         "initializer_range": 0.25, "hidden_activation": "gelu_pytorch_tanh",
         "max_position_embeddings": 512, "rms_norm_eps": 1e-6, "rope_theta": 1000000.0,
         "rope_local_base_freq": 10000.0, "final_logit_softcapping": None,
         "attn_logit_softcapping": None, "rope_scaling": None}
    c.update(kw)
    return c


def qwen3(**kw):
    c = {"architectures": ["Qwen3ForCausalLM"], "model_type": "qwen3",
         "initializer_range": 0.25, "hidden_act": "silu", "max_position_embeddings": 512,
         "rms_norm_eps": 1e-6, "rope_theta": 10000.0}
    c.update(kw)
    return c


LLAMA3_64 = {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
             "high_freq_factor": 4.0, "original_max_position_embeddings": 64}

# name, config, seed, what a power check must see move the logits (or None), K=2 pair?
CASES = [
    # sliding_window / max_window_layers present but use_sliding_window false: no window
    ("qwen2_gqa_untied", qwen2(
        vocab_size=151, hidden_size=48, intermediate_size=96, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, tie_word_embeddings=False,
        sliding_window=4, max_window_layers=0), 11, None, True),
    ("qwen2_mqa_tied_hd16", qwen2(
        vocab_size=97, hidden_size=32, intermediate_size=64, num_hidden_layers=3,
        num_attention_heads=4, num_key_value_heads=1, head_dim=16, rms_norm_eps=1e-5,
        tie_word_embeddings=True, rope_theta=10000.0), 12, None, False),
    ("llama_gqa_bias_mlpbias_llama3", llama(
        vocab_size=211, hidden_size=64, intermediate_size=96, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, attention_bias=True, mlp_bias=True,
        tie_word_embeddings=False, rope_scaling=dict(LLAMA3_64)), 21, "rope", True),
    ("llama_mqa_tied_llama3_type", llama(  # old spelling "type"; head_dim 8, theta 5e5
        vocab_size=131, hidden_size=32, intermediate_size=48, num_hidden_layers=3,
        num_attention_heads=4, num_key_value_heads=1, tie_word_embeddings=True,
        rope_theta=500000.0, rope_scaling={
            "type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
            "original_max_position_embeddings": 16}), 22, "rope", False),
    ("llama_mha_hd16_attnbias", llama(
        vocab_size=101, hidden_size=48, intermediate_size=80, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=4, head_dim=16, attention_bias=True,
        tie_word_embeddings=False), 23, None, False),
    ("llama_mlpbias_tied_llama3", llama(
        vocab_size=89, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
        num_attention_heads=2, num_key_value_heads=1, mlp_bias=True, tie_word_embeddings=True,
        rope_scaling=dict(LLAMA3_64, original_max_position_embeddings=32)), 24, "rope", False),
    ("gemma3_types_linear_tied", gemma3(
        vocab_size=173, hidden_size=48, intermediate_size=96, num_hidden_layers=3,
        num_attention_heads=4, num_key_value_heads=2, head_dim=16, query_pre_attn_scalar=24,
        sliding_window=5, layer_types=["sliding_attention", "full_attention",
                                       "sliding_attention"],
        rope_scaling={"rope_type": "linear", "factor": 4.0}, tie_word_embeddings=True),
     31, "window+rope", True),
    ("gemma3_pattern2_untied", gemma3(
        vocab_size=120, hidden_size=32, intermediate_size=64, num_hidden_layers=4,
        num_attention_heads=2, num_key_value_heads=1, head_dim=24, query_pre_attn_scalar=10,
        sliding_window=8, sliding_window_pattern=2, tie_word_embeddings=False),
     32, "window", False),
    ("gemma3_softcap_untied", gemma3(
        vocab_size=90, hidden_size=32, intermediate_size=48, num_hidden_layers=2,
        num_attention_heads=2, num_key_value_heads=1, head_dim=16, query_pre_attn_scalar=20,
        sliding_window=6, layer_types=["sliding_attention", "full_attention"],
        final_logit_softcapping=2.5, tie_word_embeddings=False), 34, "window+softcap", True),
    ("gemma3_mha_pattern3_linear8", gemma3(
        vocab_size=150, hidden_size=64, intermediate_size=128, num_hidden_layers=3,
        num_attention_heads=4, num_key_value_heads=4, head_dim=32, query_pre_attn_scalar=48,
        sliding_window=4, sliding_window_pattern=3, rope_theta=10000.0,
        rope_local_base_freq=100.0, rope_scaling={"rope_type": "linear", "factor": 8.0},
        tie_word_embeddings=True), 33, "window+rope", False),
    ("qwen3_gqa_bias", qwen3(
        vocab_size=100, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, head_dim=16, attention_bias=True,
        tie_word_embeddings=False), 41, None, False),
]

# config.json with optional fields left out: read with the config class's defaults
MINIMAL = [
    ("qwen2 defaults (head_dim = hidden/heads, untied, eps 1e-6, theta 1e4)", {
        "architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "vocab_size": 64,
        "hidden_size": 32, "intermediate_size": 48, "num_hidden_layers": 2,
        "num_attention_heads": 4, "num_key_value_heads": 2}),
    ("llama defaults (kv heads = heads, head_dim = hidden/heads, no biases, untied)", {
        "architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": 64,
        "hidden_size": 32, "intermediate_size": 48, "num_hidden_layers": 2,
        "num_attention_heads": 4}),
    ("gemma3 defaults (kv heads 4, head_dim 256, query_pre_attn_scalar 256, tied, "
     "pattern 6, window 4096, theta 1e6 / 1e4)", {
         "architectures": ["Gemma3ForCausalLM"], "model_type": "gemma3_text",
         "vocab_size": 64, "hidden_size": 32, "intermediate_size": 48,
         "num_hidden_layers": 2, "num_attention_heads": 8}),
]

# (label, case it derives from, fields replaced, field wmss must name)
REFUSALS = [
    ("qwen2 use_sliding_window", "qwen2_gqa_untied",
     {"use_sliding_window": True, "sliding_window": 4, "max_window_layers": 0},
     "use_sliding_window"),
    ("llama rope_scaling yarn", "llama_mha_hd16_attnbias",
     {"rope_scaling": {"rope_type": "yarn", "factor": 4.0,
                       "original_max_position_embeddings": 32}}, "rope_scaling"),
    ("llama rope_scaling dynamic", "llama_mha_hd16_attnbias",
     {"rope_scaling": {"type": "dynamic", "factor": 2.0}}, "rope_scaling"),
    ("gemma3 attn_logit_softcapping", "gemma3_types_linear_tied",
     {"attn_logit_softcapping": 50.0}, "attn_logit_softcapping"),
    ("llama unknown hidden_act", "llama_mha_hd16_attnbias",
     {"hidden_act": "bogus_act"}, "hidden_act"),
    ("qwen2 unknown hidden_act", "qwen2_mqa_tied_hd16",
     {"hidden_act": "bogus_act"}, "hidden_act"),
    ("gemma3 unknown hidden_activation", "gemma3_types_linear_tied",
     {"hidden_activation": "bogus_act"}, "hidden_activation"),
]


# ---- wmss ---------------------------------------------------------------------------

def run(args, timeout=300):
    try:
        return subprocess.run([WMSS] + args, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise CaseFailure(f"wmss {args[0]} timed out")


def wmss_logits(model_dir, seqs, V, tmp):
    out = os.path.join(tmp, "logits.bin")
    if os.path.exists(out):
        os.remove(out)
    ids = ";".join(",".join(str(t) for t in s) for s in seqs)
    sh(["logits", "--model", model_dir, "--ids", ids, "--out", out], "logits")
    a = np.fromfile(out, dtype="<f4")
    n = sum(len(s) for s in seqs) * V
    if a.size != n:
        raise CaseFailure(f"logits file has {a.size} floats, expected {n} (sum T_i * V)")
    res, pos = [], 0
    for s in seqs:
        res.append(a[pos:pos + len(s) * V].reshape(len(s), V))
        pos += len(s) * V
    return res


# ---- models and data -------------------------------------------------------------------

def write_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f)


def randomize_norms_biases(model_dir, seed):
    """Rewrite the model's safetensors (single file) with every norm weight and bias random,
    in the tensor's own dtype, by the oracle's writer."""
    cfg = ft.read_config(model_dir)
    tensors, _ = st.read_dir_raw(model_dir)
    for f in os.listdir(model_dir):
        if f.endswith(".safetensors") or f == st.INDEX_NAME:
            os.remove(os.path.join(model_dir, f))
    g = torch.Generator().manual_seed(seed)
    out = {}
    for k, v in tensors.items():
        if k.endswith("norm.weight"):
            n = torch.randn(v.shape, generator=g)
            v = st.raw_from_float(0.5 * n if cfg.gemma else 1 + 0.3 * n, v.dtype)
        elif k.endswith(".bias"):
            v = st.raw_from_float(0.3 * torch.randn(v.shape, generator=g), v.dtype)
        out[k] = v
    st.write(os.path.join(model_dir, st.SINGLE_NAME), out, {"format": "pt"})


def oracle_written_model(d, cfg_json, seed):
    """A model directory written entirely by the oracle: F32, matrices 0.25 N(0,1),
    norms as in randomize_norms_biases, biases 0.3 N(0,1)."""
    os.makedirs(d)
    write_json(os.path.join(d, "config.json"), cfg_json)
    c = ft.read_config(d)
    g = torch.Generator().manual_seed(seed)
    ts = {}
    for k, shape in ft.expected_shapes(c).items():
        n = torch.randn(shape, generator=g)
        if k.endswith("norm.weight"):
            t = 0.5 * n if c.gemma else 1 + 0.3 * n
        elif k.endswith(".bias"):
            t = 0.3 * n
        else:
            t = 0.25 * n
        ts[k] = st.raw_from_float(t, "F32")
    st.write(os.path.join(d, st.SINGLE_NAME), ts, {"format": "pt"})
    return c


def make_model(d, cfg_json, seed, tmp):
    p = os.path.join(tmp, f"cfg_{os.path.basename(d)}.json")
    write_json(p, cfg_json)
    sh(["init-model", "--config", p, "--out", d, "--seed", str(seed), "--dtype", "float32"],
       "init-model")
    # what wmss wrote must still describe the requested model (else both sides could agree
    # on something else)
    with open(os.path.join(d, "config.json")) as f:
        got = json.load(f)
    for k, v in cfg_json.items():
        if k == "initializer_range":
            continue
        if k not in got or got[k] != v:
            raise CaseFailure(f"init-model config.json: {k} = {got.get(k, '<absent>')!r}, "
                              f"asked for {v!r}")
    randomize_norms_biases(d, seed + 1000)


def make_seqs(V, rng):
    seqs = [[rng.randrange(V) for _ in range(n)] for n in SEQ_LENS]
    seqs[-1][0], seqs[-1][-1] = 0, V - 1
    return seqs


def grad_examples(model, rng):
    """Lengths 2, 5, 17, 40: one target only; no mask field; a prompt prefix; a prefix and a
    hole. Next tokens are the model's argmax with probability 0.6, so accuracy is neither 0
    nor 1."""
    m17 = [0] * 6 + [1] * 11
    m40 = [0] * 9 + [1] * 31
    for t in range(22, 28):
        m40[t] = 0
    out = []
    with torch.no_grad():
        for n, mask in zip([2, 5, 17, 40], [[0, 1], None, m17, m40]):
            ids = [rng.randrange(model.cfg.V)]
            while len(ids) < n:
                if rng.random() < 0.6:
                    ids.append(int(ft.forward(model, ids)[-1].argmax()))
                else:
                    ids.append(rng.randrange(model.cfg.V))
            out.append((ids, mask))
    return out



# ---- comparisons ------------------------------------------------------------------------


def read_grads(path, cfg, what):
    raw, _ = st.read_raw(path)
    exp = ft.expected_shapes(cfg)
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


def worst_grad(got, ref, what):
    worst, wname = 0.0, ""
    for k, r in ref.items():
        r = r.detach().to(torch.float64).numpy()
        if not np.any(r):
            if np.any(got[k]):
                raise CaseFailure(f"{what}: {k} should be exactly zero")
            continue
        e = rel(got[k], r)
        if e > worst or not wname:
            worst, wname = e, k
    return worst, wname


def stats_problems(out, ref):
    problems = []
    for key in ("loss", "tokens", "entropy", "accuracy"):
        if key not in out:
            return [f"stdout JSON lacks {key!r}"]
    e_loss = abs(out["loss"] - ref["loss"]) / abs(ref["loss"])
    e_ent = abs(out["entropy"] - ref["entropy"]) / abs(ref["entropy"])
    n = ref["tokens"]
    lo = (ref["correct"] - ref["ambiguous"]) / n
    hi = (ref["correct"] + ref["ambiguous"]) / n
    if e_loss >= TOL_LOSS:
        problems.append(f"loss {out['loss']!r} vs {ref['loss']!r} (rel {e_loss:.2e})")
    if out["tokens"] != n:
        problems.append(f"tokens {out['tokens']} vs {n}")
    if e_ent >= TOL_LOSS:
        problems.append(f"entropy rel {e_ent:.2e}")
    if not lo - 1e-9 <= out["accuracy"] <= hi + 1e-9:
        problems.append(f"accuracy {out['accuracy']!r} vs {ref['correct']}/{n}")
    return problems, e_loss


# ---- oracle self-checks ------------------------------------------------------------------

def self_check_tables():
    """Sliding mask vs a loop; llama3 and linear inv_freq tables vs hand computations;
    the Gemma embedding scale."""
    for T, W in [(1, 4), (7, 1), (20, 4), (40, 5), (33, 8), (12, None)]:
        if not torch.equal(ft.sliding_mask(T, W), ft.sliding_mask_loop(T, W)):
            raise CaseFailure(f"sliding mask T={T} W={W}: vectorized != loop")
    m = ft.sliding_mask(10, 3)  # spot values: q=5 sees exactly 3, 4, 5
    if [k for k in range(10) if m[5, k]] != [3, 4, 5]:
        raise CaseFailure("sliding mask W=3: query 5 does not see exactly keys 3..5")
    regimes = set()
    worst = 0.0
    for _, c, *_ in CASES:
        rs = c.get("rope_scaling")
        if not rs or rs.get("rope_type", rs.get("type")) != "llama3":
            continue
        D = c.get("head_dim") or c["hidden_size"] // c["num_attention_heads"]
        theta = c["rope_theta"]
        args = (rs["factor"], rs["low_freq_factor"], rs["high_freq_factor"],
                rs["original_max_position_embeddings"])
        table = ft.inv_freq_table(theta, D, "llama3", rs)
        for j in range(D // 2):
            want = ft.llama3_inv_freq_by_hand(theta, D, j, *args)
            worst = max(worst, abs(float(table[j]) - want) / want)
            wl = 2 * math.pi * theta ** (2 * j / D)
            regimes.add("kept" if wl < args[3] / args[2] else
                        "divided" if wl > args[3] / args[1] else "interpolated")
    if worst > 2e-6 or regimes != {"kept", "divided", "interpolated"}:
        raise CaseFailure(f"llama3 inv_freq: worst rel {worst:.1e} vs hand, regimes "
                          f"{sorted(regimes)}")
    lin = ft.inv_freq_table(1e6, 16, "linear", {"factor": 4.0})
    hand = [1.0 / (1e6 ** (2 * j / 16)) / 4.0 for j in range(8)]
    e_lin = max(abs(float(a) - b) / b for a, b in zip(lin, hand))
    if e_lin > 2e-6:
        raise CaseFailure(f"linear inv_freq: rel {e_lin:.1e} vs hand")
    s = ft.config_from_dict({"model_type": "gemma3_text", "hidden_size": 48,
                             "num_attention_heads": 4, "num_key_value_heads": 2,
                             "head_dim": 16, "num_hidden_layers": 1}).embed_scale
    s32 = float(np.float32(math.sqrt(48)))
    if s != s32 or s == math.sqrt(48):
        raise CaseFailure(f"gemma embed scale {s!r}, expected float32(sqrt(48)) {s32!r}")
    print(f"  ok   oracle tables: sliding mask = loop (6 shapes); llama3 inv_freq vs hand "
          f"worst rel {worst:.1e} over regimes {sorted(regimes)}; linear rel {e_lin:.1e}; "
          f"gemma embed scale float32 {s!r}",
          flush=True)


def self_check_case(name, d, seqs, power):
    """forward vs forward_loop (float64) and the power checks of the case's feature."""
    m = ft.load(d, torch.float64)
    cfg = m.cfg
    with torch.no_grad():
        ref = ft.forward(m, seqs[-1])
        e_loop = rel(ft.forward_loop(m, seqs[-1]).numpy(), ref.numpy())
        moves = []
        for what in (power or "").split("+"):
            if not what:
                continue
            if what == "window":
                alt = cfg._replace(window=10 ** 6)
            elif what == "rope":
                with open(os.path.join(d, "config.json")) as f:
                    theta = float(json.load(f)["rope_theta"])
                base = ft.inv_freq_table(theta, cfg.D)  # unscaled
                alt = cfg._replace(inv_freq_full=tuple(float(x) for x in base))
            elif what == "softcap":
                alt = cfg._replace(final_softcap=None)
            else:
                raise AssertionError(what)
            e = rel(ft.forward(alt, m.w, seqs[-1]).numpy(), ref.numpy())
            moves.append(f"{what} {e:.1e}")
            if e < 1e-2:
                raise CaseFailure(f"{name}: power check: without {what} the logits move only "
                                  f"{e:.1e}")
    if e_loop > 1e-12:
        raise CaseFailure(f"{name}: oracle forward vs forward_loop rel {e_loop:.1e}")
    return f"loop rel {e_loop:.0e}" + (f", feature moves logits: {', '.join(moves)}"
                                       if moves else "")


def self_check_qwen3(d):
    """families_torch on a Qwen3 model against the separate Qwen3 oracle."""
    a = ft.load(d, torch.float64)
    b = q3.load(d, torch.float64)
    rng = random.Random(5)
    seq = [rng.randrange(a.cfg.V) for _ in range(23)]
    with torch.no_grad():
        e = rel(ft.forward(a, seq).numpy(), q3.forward(b, seq).numpy())
    # qwen3_torch builds inv_freq in the working dtype, families_torch in float32 as
    # transformers does: ~1e-8 apart in float64
    if e > 1e-6:
        raise CaseFailure(f"families_torch vs qwen3_torch on Qwen3: rel {e:.1e}")
    return e


def self_check_fd(d, exs):
    cfg, p = ft.leaf_params(d)
    names = ["model.layers.0.input_layernorm.weight", "model.layers.0.self_attn.q_norm.weight",
             "model.layers.1.self_attn.k_norm.weight",
             "model.layers.0.post_attention_layernorm.weight",
             "model.layers.1.pre_feedforward_layernorm.weight",
             "model.layers.0.post_feedforward_layernorm.weight", "model.norm.weight",
             "model.layers.0.self_attn.k_proj.weight", "model.layers.1.self_attn.q_proj.weight",
             "model.layers.1.mlp.down_proj.weight", "lm_head.weight",
             "model.embed_tokens.weight"]
    gen = random.Random(9)
    picks = []
    for k in names:
        t = p[k]
        if k == "model.embed_tokens.weight":  # a row the batch uses
            idx = exs[2][0][4] * t.shape[1] + gen.randrange(t.shape[1])
        else:
            idx = gen.randrange(t.numel())
        picks.append((0, k, idx))
    worst, _ = ft.finite_difference_check([(cfg, p, 1.0)], exs, picks)
    if worst > 1e-6:
        raise CaseFailure(f"finite differences vs autograd (Gemma 3, float64): worst rel "
                          f"{worst:.1e}")
    return worst, len(picks)


# ---- checks against wmss -----------------------------------------------------------------

def check_logits(name, d, seqs, tmp):
    m = ft.load(d, torch.float64)
    got = wmss_logits(d, seqs, m.cfg.V, tmp)
    worst, parts = 0.0, []
    with torch.no_grad():
        for s, g in zip(seqs, got):
            ref = ft.forward(m, s).numpy()
            if not np.all(np.isfinite(g)):
                raise CaseFailure(f"{name}: non-finite logits from wmss (T={len(s)})")
            e = rel(g.astype(np.float64), ref)
            worst = max(worst, e)
            parts.append(f"T={len(s)}:{e:.1e}")
    if worst >= TOL_LOGITS:
        raise CaseFailure(f"{name}: logits rel err {worst:.2e} ({' '.join(parts)})")
    return worst, " ".join(parts)


def check_grads(name, d, exs, tmp):
    cfg, p = ft.leaf_params(d)
    data = os.path.join(tmp, name + ".jsonl")
    write_data(data, exs)
    gpath = os.path.join(tmp, name + "_g.safetensors")
    r = sh(["grads", "--model", d, "--data", data, "--out", gpath], f"grads {name}")
    out = last_json(r.stdout, f"grads {name}")
    ref, (gref,) = tt.grads([(cfg, p, 1.0)], exs, forward=ft.forward)
    worst, wname = worst_grad(read_grads(gpath, cfg, f"grads {name}"), gref, name)
    problems, e_loss = stats_problems(out, ref)
    if worst >= TOL_GRAD:
        problems.append(f"gradient {wname} rel err {worst:.2e}")
    if problems:
        raise CaseFailure(f"grads {name}: " + "; ".join(problems))
    return worst, wname, e_loss


def check_grads_k2(name, strong, weak, exs, tmp):
    cs, ps = ft.leaf_params(strong)
    cw, pw = ft.leaf_params(weak)
    data = os.path.join(tmp, name + "_k2.jsonl")
    write_data(data, exs)
    gs_path = os.path.join(tmp, name + "_gs.safetensors")
    gw_path = os.path.join(tmp, name + "_gw.safetensors")
    r = sh(["grads", "--model", strong, "--weak", weak, "--lambda", repr(LAMBDA),
            "--data", data, "--out", gs_path, "--out-weak", gw_path], f"grads K=2 {name}")
    out = last_json(r.stdout, f"grads K=2 {name}")
    ref, (gs_ref, gw_ref) = tt.grads([(cs, ps, LAMBDA), (cw, pw, 1.0 - LAMBDA)], exs,
                                     forward=ft.forward)
    es, ns = worst_grad(read_grads(gs_path, cs, "strong"), gs_ref, name + " strong")
    ew, nw = worst_grad(read_grads(gw_path, cw, "weak"), gw_ref, name + " weak")
    problems, e_loss = stats_problems(out, ref)
    if max(es, ew) >= TOL_GRAD:
        problems.append(f"gradient rel err strong {ns} {es:.2e}, weak {nw} {ew:.2e}")
    if problems:
        raise CaseFailure(f"grads K=2 {name}: " + "; ".join(problems))
    return es, ew, e_loss


def run_case(name, cfg_json, seed, power, k2, tmp, made):
    # the oracle against itself, on a model it wrote (independent of wmss)
    od = os.path.join(tmp, name + "_oracle")
    cfg = oracle_written_model(od, cfg_json, seed)
    made[name + "_oracle"] = od
    rng = random.Random(seed)
    seqs = make_seqs(cfg.V, rng)
    selfc = self_check_case(name, od, seqs, power)
    extra = ""
    if cfg.family == "qwen3":
        extra = f"; = qwen3_torch rel {self_check_qwen3(od):.0e}"
    print(f"  ok   {name}: oracle self-check {selfc}{extra}", flush=True)
    d = os.path.join(tmp, name)
    make_model(d, cfg_json, seed, tmp)
    made[name] = d
    problems = []
    try:
        e, parts = check_logits(name, d, seqs, tmp)
        print(f"  ok   {name}: logits worst rel {e:.2e} ({parts})", flush=True)
    except CaseFailure as ex:
        problems.append(str(ex))
        print(f"  FAIL {ex}", flush=True)
    exs = grad_examples(ft.load(d), rng)
    try:
        e, wn, el = check_grads(name, d, exs, tmp)
        print(f"  ok   {name}: grads K=1 worst rel {e:.2e} ({wn}), loss rel {el:.1e}",
              flush=True)
    except CaseFailure as ex:
        problems.append(str(ex))
        print(f"  FAIL {ex}", flush=True)
    if k2:
        try:
            w = d + "_weak"
            make_model(w, cfg_json, seed + 500, tmp)
            es, ew, el = check_grads_k2(name, d, w, exs, tmp)
            print(f"  ok   {name}: grads K=2 lambda={LAMBDA} worst rel strong {es:.2e} "
                  f"weak {ew:.2e}, loss rel {el:.1e}", flush=True)
        except CaseFailure as ex:
            problems.append(str(ex))
            print(f"  FAIL {ex}", flush=True)
    if problems:
        raise CaseFailure(f"{name}: " + "; ".join(p[:300] for p in problems))


def check_minimal(tmp):
    problems = []
    for i, (label, cfg_json) in enumerate(MINIMAL):
        d = os.path.join(tmp, f"minimal_{i}")
        c = oracle_written_model(d, cfg_json, 200 + i)
        rng = random.Random(200 + i)
        seqs = [[rng.randrange(c.V) for _ in range(n)] for n in (1, 7, 30)]
        try:
            e, _ = check_logits(label, d, seqs, tmp)
            print(f"  ok   {label}: logits worst rel {e:.2e}", flush=True)
        except CaseFailure as ex:
            problems.append(str(ex))
            print(f"  FAIL {ex}", flush=True)
    if problems:
        raise CaseFailure("; ".join(problems))


def check_refusals(made, tmp):
    problems = []
    cases = {n: c for n, c, *_ in CASES}
    for i, (label, base, fields, field) in enumerate(REFUSALS):
        src = made.get(base)
        if src is None:
            problems.append(f"{label}: skipped, case {base} was not built")
            print(f"  FAIL {problems[-1]}", flush=True)
            continue
        if run(["logits", "--model", src, "--ids", "1,2,3", "--score"]).returncode != 0:
            problems.append(f"{label}: skipped, wmss does not accept the base config {base}")
            print(f"  FAIL {problems[-1]}", flush=True)
            continue
        cfg_json = dict(cases[base], **fields)
        d = os.path.join(tmp, f"refuse_{i}")
        os.makedirs(d)
        shutil.copy(os.path.join(src, st.SINGLE_NAME), d)
        write_json(os.path.join(d, "config.json"), cfg_json)
        why = []
        try:  # the oracle refuses it too
            ft.read_config(d)
            why.append("the oracle accepts it")
        except ft.OracleError:
            pass
        r = run(["logits", "--model", d, "--ids", "1,2,3", "--score"])
        msg = (r.stderr + r.stdout).strip()
        if r.returncode == 0:
            why.append("wmss logits accepted it")
        elif "config.json" not in msg or field not in msg:
            why.append(f"wmss logits message does not name config.json and {field}: "
                       f"{msg[-200:]!r}")
        p = os.path.join(tmp, f"refuse_{i}.json")
        write_json(p, cfg_json)
        r2 = run(["init-model", "--config", p, "--out", d + "_init", "--seed", "1"])
        msg2 = (r2.stderr + r2.stdout).strip()
        if r2.returncode == 0:
            why.append("wmss init-model accepted it")
        elif field not in msg2:
            why.append(f"wmss init-model message does not name {field}: {msg2[-200:]!r}")
        if why:
            problems.append(f"{label}: " + "; ".join(why))
            print(f"  FAIL {problems[-1]}", flush=True)
        else:
            print(f"  ok   refused: {label}: {msg.splitlines()[-1][:150]}", flush=True)
    if problems:
        raise CaseFailure("; ".join(problems))


def main():
    if not (os.path.isfile(WMSS) and os.access(WMSS, os.X_OK)):
        print(f"FAIL: wmss binary not found at {WMSS} (set WMSS)")
        return 1
    t0 = time.time()
    failures = []
    made = {}
    tmp = tempfile.mkdtemp(prefix="wmss_families_parity_")

    def case(n, c, s, pw, k2):
        run_case(n, c, s, pw, k2, tmp, made)

    def fd():  # on an oracle-written model (independent of wmss)
        n = "gemma3_softcap_untied"
        d = os.path.join(tmp, "fd_" + n)
        oracle_written_model(d, next(c for m, c, *_ in CASES if m == n), 77)
        exs = grad_examples(ft.load(d), random.Random(1))
        worst, k = self_check_fd(d, exs)
        print(f"  ok   oracle finite differences ({n} config, float64): {k} entries, worst rel "
              f"{worst:.1e}", flush=True)

    steps = [("oracle tables", self_check_tables), ("oracle finite differences", fd)]
    steps += [(f"case {n}", (lambda n=n, c=c, s=s, pw=pw, k2=k2: case(n, c, s, pw, k2)))
              for n, c, s, pw, k2 in CASES]
    steps += [("config defaults", lambda: check_minimal(tmp)),
              ("refusals", lambda: check_refusals(made, tmp))]
    try:
        for label, fn in steps:
            try:
                fn()
            except KeyError as e:
                failures.append(f"{label}: skipped, the case it builds on failed ({e})")
                print(f"  FAIL {failures[-1]}", flush=True)
            except (CaseFailure, ft.OracleError, st.SafetensorsError, OSError,
                    ValueError) as e:
                failures.append(f"{label}: {e}")
                if not str(e).startswith(label.replace("case ", "")):
                    print(f"  FAIL {failures[-1]}", flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"({time.time() - t0:.1f} s)")
    if failures:
        print(f"{len(failures)} failure(s):")
        for f in failures:
            print(f"  - {f[:400]}")
        return 1
    print("all model-family parity checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
