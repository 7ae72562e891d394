"""Independent PyTorch forward pass of Hugging Face `Qwen3ForCausalLM` (test oracle).

Written from the semantics of transformers' models/qwen3/modeling_qwen3.py and
configuration_qwen3.py, not from the C code under test. Plain torch ops, one sequence at
a time (batch 1, no padding, positions 0..T-1).

    x   = embed_tokens[ids]                                          (T, H)
    per layer:
      h = rmsnorm(x, input_layernorm)
      q = q_proj(h) -> (T, nH, D) -> rmsnorm over D with q_norm -> RoPE
      k = k_proj(h) -> (T, nKV, D) -> rmsnorm over D with k_norm -> RoPE
      v = v_proj(h) -> (T, nKV, D)
      a = softmax(q k^T * D^-0.5 + causal mask) v   (q head i uses kv head i // (nH/nKV))
      x = x + o_proj(a as (T, nH*D))
      x = x + down(silu(gate(rmsnorm(x, post_attention_layernorm))) * up(...))
    logits = rmsnorm(x, norm) @ lm_head^T      (lm_head = embed_tokens when tied)

rmsnorm(x, w) = w * (x * rsqrt(mean(x^2) + eps)); RoPE: x*cos + rotate_half(x)*sin with
rotate_half(x) = cat(-x[D/2:], x[:D/2]), angles pos * inv_freq,
inv_freq = 1 / theta^(arange(0, D, 2) / D), cos/sin of cat(freqs, freqs).
q/k/v/o projections carry biases iff config.attention_bias (Qwen3 puts it on o_proj too).

Public functions:
    load(model_dir, dtype=torch.float32) -> Model      (config + weights, shape-checked)
    forward(model, ids) -> (T, V) logits, vectorized                        (the oracle)
    forward_loop(model, ids) -> (T, V) logits, position-by-position, another formulation
                                 of the same math (self-check of the oracle)
    logits(model_dir, ids) -> (T, V) float32 logits
"""

import collections
import json
import math
import os

import torch

from . import safetensors_np as st

# Qwen3Config defaults (transformers configuration_qwen3.py). Note two that differ from
# what one might guess: an absent head_dim is 128 (not hidden_size // heads) and an absent
# num_key_value_heads is 32 (only an explicit null means "= num_attention_heads").
QWEN3_DEFAULTS = {
    "vocab_size": 151936, "hidden_size": 4096, "intermediate_size": 22016,
    "num_hidden_layers": 32, "num_attention_heads": 32, "num_key_value_heads": 32,
    "head_dim": 128, "hidden_act": "silu", "rms_norm_eps": 1e-6, "rope_theta": 10000.0,
    "tie_word_embeddings": False, "attention_bias": False, "use_sliding_window": False,
    "rope_scaling": None,
}

Config = collections.namedtuple(
    "Config", "V H I L nH nKV D eps theta tied bias")
Model = collections.namedtuple("Model", "cfg w dtype")


class OracleError(Exception):
    pass


def read_config(model_dir):
    with open(os.path.join(model_dir, "config.json")) as f:
        raw = json.load(f)
    c = dict(QWEN3_DEFAULTS)
    c.update(raw)
    if raw.get("model_type", "qwen3") != "qwen3":
        raise OracleError(f"model_type {raw.get('model_type')!r} is not qwen3")
    if c["hidden_act"] != "silu":
        raise OracleError(f"hidden_act {c['hidden_act']!r} not supported by the oracle")
    if c["use_sliding_window"]:
        raise OracleError("use_sliding_window not supported by the oracle")
    theta = c["rope_theta"]
    rp = raw.get("rope_parameters")
    if isinstance(rp, dict):  # newer transformers spell it this way
        if rp.get("rope_type", "default") != "default":
            raise OracleError(f"rope_type {rp.get('rope_type')!r} not supported")
        theta = rp.get("rope_theta", theta)
    rs = c["rope_scaling"]
    if rs and rs.get("rope_type", rs.get("type", "default")) != "default":
        raise OracleError(f"rope_scaling {rs!r} not supported by the oracle")
    nkv = c["num_key_value_heads"]
    if nkv is None:
        nkv = c["num_attention_heads"]
    # head_dim: Qwen3Config's default is 128 (not hidden_size // heads); a present but
    # null value falls back to hidden_size // heads as the RoPE code does.
    d = raw["head_dim"] if "head_dim" in raw else QWEN3_DEFAULTS["head_dim"]
    if d is None:
        d = c["hidden_size"] // c["num_attention_heads"]
    cfg = Config(V=c["vocab_size"], H=c["hidden_size"], I=c["intermediate_size"],
                 L=c["num_hidden_layers"], nH=c["num_attention_heads"], nKV=nkv, D=d,
                 eps=float(c["rms_norm_eps"]), theta=float(theta),
                 tied=bool(c["tie_word_embeddings"]), bias=bool(c["attention_bias"]))
    if cfg.nH % cfg.nKV:
        raise OracleError(f"num_attention_heads {cfg.nH} not a multiple of "
                          f"num_key_value_heads {cfg.nKV}")
    if cfg.D % 2:
        raise OracleError(f"head_dim {cfg.D} is odd")
    return cfg


def expected_shapes(cfg):
    """Every tensor name a Qwen3ForCausalLM checkpoint holds, with its shape."""
    s = {"model.embed_tokens.weight": (cfg.V, cfg.H), "model.norm.weight": (cfg.H,)}
    if not cfg.tied:
        s["lm_head.weight"] = (cfg.V, cfg.H)
    for i in range(cfg.L):
        p = f"model.layers.{i}."
        s[p + "input_layernorm.weight"] = (cfg.H,)
        s[p + "post_attention_layernorm.weight"] = (cfg.H,)
        s[p + "self_attn.q_proj.weight"] = (cfg.nH * cfg.D, cfg.H)
        s[p + "self_attn.k_proj.weight"] = (cfg.nKV * cfg.D, cfg.H)
        s[p + "self_attn.v_proj.weight"] = (cfg.nKV * cfg.D, cfg.H)
        s[p + "self_attn.o_proj.weight"] = (cfg.H, cfg.nH * cfg.D)
        if cfg.bias:
            s[p + "self_attn.q_proj.bias"] = (cfg.nH * cfg.D,)
            s[p + "self_attn.k_proj.bias"] = (cfg.nKV * cfg.D,)
            s[p + "self_attn.v_proj.bias"] = (cfg.nKV * cfg.D,)
            s[p + "self_attn.o_proj.bias"] = (cfg.H,)
        s[p + "self_attn.q_norm.weight"] = (cfg.D,)
        s[p + "self_attn.k_norm.weight"] = (cfg.D,)
        s[p + "mlp.gate_proj.weight"] = (cfg.I, cfg.H)
        s[p + "mlp.up_proj.weight"] = (cfg.I, cfg.H)
        s[p + "mlp.down_proj.weight"] = (cfg.H, cfg.I)
    return s


def check_tensors(cfg, shapes):
    """shapes: dict name -> shape found in the checkpoint. Raises on any missing,
    unexpected or mis-shaped tensor. A tied model may carry lm_head.weight (ignored)."""
    exp = expected_shapes(cfg)
    missing = sorted(set(exp) - set(shapes))
    extra = sorted(set(shapes) - set(exp) - ({"lm_head.weight"} if cfg.tied else set()))
    if missing or extra:
        raise OracleError(f"tensor names: missing {missing[:6]}, unexpected {extra[:6]}")
    for k, s in exp.items():
        if tuple(shapes[k]) != s:
            raise OracleError(f"{k}: shape {tuple(shapes[k])}, expected {s}")


def load(model_dir, dtype=torch.float32):
    cfg = read_config(model_dir)
    w = st.read_dir(model_dir)
    check_tensors(cfg, {k: tuple(v.shape) for k, v in w.items()})
    w = {k: v.to(dtype) for k, v in w.items()}
    if cfg.tied:
        w["lm_head.weight"] = w["model.embed_tokens.weight"]
    return Model(cfg, w, dtype)


def _rmsnorm(x, weight, eps):
    var = x.pow(2).mean(-1, keepdim=True)
    return weight * (x * torch.rsqrt(var + eps))


def _linear(x, w, b=None):
    y = x @ w.t()
    return y if b is None else y + b


def _rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


def _rope_cos_sin(cfg, T, dtype):
    # As Qwen3RotaryEmbedding: inv_freq from int64 arange -> float, angles = inv_freq ⊗ pos.
    inv_freq = 1.0 / (cfg.theta ** (torch.arange(0, cfg.D, 2, dtype=torch.int64).to(dtype)
                                    / cfg.D))
    pos = torch.arange(T, dtype=torch.int64).to(dtype)
    freqs = pos[:, None] * inv_freq[None, :]                       # (T, D/2)
    emb = torch.cat((freqs, freqs), dim=-1)                        # (T, D)
    return emb.cos(), emb.sin()


def forward(model, ids):
    """Vectorized forward of one sequence. ids: list of ints. Returns (T, V) logits."""
    cfg, w, dt = model.cfg, model.w, model.dtype
    ids_t = torch.tensor(ids, dtype=torch.int64)
    if ids_t.numel() == 0 or ids_t.min() < 0 or ids_t.max() >= cfg.V:
        raise OracleError(f"token ids must be non-empty and in [0, {cfg.V})")
    T = ids_t.numel()
    x = w["model.embed_tokens.weight"][ids_t]                          # (T, H)
    cos, sin = _rope_cos_sin(cfg, T, dt)                               # (T, D)
    causal = torch.ones(T, T, dtype=torch.bool).tril()
    group = cfg.nH // cfg.nKV
    scale = cfg.D ** -0.5
    for i in range(cfg.L):
        p = f"model.layers.{i}."
        b = (lambda n: w[p + n + ".bias"]) if cfg.bias else (lambda n: None)
        h = _rmsnorm(x, w[p + "input_layernorm.weight"], cfg.eps)
        q = _linear(h, w[p + "self_attn.q_proj.weight"], b("self_attn.q_proj"))
        k = _linear(h, w[p + "self_attn.k_proj.weight"], b("self_attn.k_proj"))
        v = _linear(h, w[p + "self_attn.v_proj.weight"], b("self_attn.v_proj"))
        q = _rmsnorm(q.view(T, cfg.nH, cfg.D), w[p + "self_attn.q_norm.weight"], cfg.eps)
        k = _rmsnorm(k.view(T, cfg.nKV, cfg.D), w[p + "self_attn.k_norm.weight"], cfg.eps)
        v = v.view(T, cfg.nKV, cfg.D)
        q = q.transpose(0, 1)                                          # (nH, T, D)
        k = k.transpose(0, 1)                                          # (nKV, T, D)
        v = v.transpose(0, 1)
        q = q * cos + _rotate_half(q) * sin
        k = k * cos + _rotate_half(k) * sin
        k = k.repeat_interleave(group, dim=0)                          # (nH, T, D)
        v = v.repeat_interleave(group, dim=0)
        s = (q @ k.transpose(1, 2)) * scale                            # (nH, T, T)
        s = s.masked_fill(~causal, float("-inf"))
        a = torch.softmax(s, dim=-1) @ v                               # (nH, T, D)
        a = a.transpose(0, 1).reshape(T, cfg.nH * cfg.D)
        x = x + _linear(a, w[p + "self_attn.o_proj.weight"], b("self_attn.o_proj"))
        h = _rmsnorm(x, w[p + "post_attention_layernorm.weight"], cfg.eps)
        g = _linear(h, w[p + "mlp.gate_proj.weight"])
        u = _linear(h, w[p + "mlp.up_proj.weight"])
        x = x + _linear(torch.nn.functional.silu(g) * u, w[p + "mlp.down_proj.weight"])
    x = _rmsnorm(x, w["model.norm.weight"], cfg.eps)
    return x @ w["lm_head.weight"].t()                                 # (T, V)


def forward_loop(model, ids):
    """The same model computed another way, for checking `forward`: position by
    position with a growing key/value list, RoPE as a rotation of the pairs
    (j, j + D/2) by angle pos * theta^(-2j/D), RMSNorm as x / (|x| / sqrt(n)),
    silu as x / (1 + exp(-x)), explicit per-head kv lookup, softmax by hand."""
    cfg, w = model.cfg, model.w
    D, half = cfg.D, cfg.D // 2

    def norm(x, wt):
        n = x.shape[-1]
        return wt * x / torch.sqrt((x * x).sum(-1, keepdim=True) / n + cfg.eps)

    def rope(x, pos):                       # x: (heads, D)
        j = torch.arange(half, dtype=x.dtype)
        ang = pos * torch.exp(-(2.0 * j / D) * math.log(cfg.theta))
        c, s = torch.cos(ang), torch.sin(ang)
        x1, x2 = x[:, :half], x[:, half:]
        return torch.cat((x1 * c - x2 * s, x2 * c + x1 * s), dim=-1)

    def lin(x, name, bias):
        y = torch.einsum("oi,i->o", w[name + ".weight"], x)
        return y + w[name + ".bias"] if bias else y

    caches = [([], []) for _ in range(cfg.L)]
    out = []
    for pos, tok in enumerate(ids):
        x = w["model.embed_tokens.weight"][tok].clone()
        for i in range(cfg.L):
            p = f"model.layers.{i}."
            h = norm(x, w[p + "input_layernorm.weight"])
            q = lin(h, p + "self_attn.q_proj", cfg.bias).reshape(cfg.nH, D)
            k = lin(h, p + "self_attn.k_proj", cfg.bias).reshape(cfg.nKV, D)
            v = lin(h, p + "self_attn.v_proj", cfg.bias).reshape(cfg.nKV, D)
            q = rope(norm(q, w[p + "self_attn.q_norm.weight"]), pos)
            k = rope(norm(k, w[p + "self_attn.k_norm.weight"]), pos)
            ks, vs = caches[i]
            ks.append(k)
            vs.append(v)
            K = torch.stack(ks)                                    # (pos+1, nKV, D)
            Vv = torch.stack(vs)
            heads = []
            for hq in range(cfg.nH):
                kv = hq * cfg.nKV // cfg.nH
                sc = (K[:, kv, :] @ q[hq]) / math.sqrt(D)          # (pos+1,)
                e = torch.exp(sc - sc.max())
                heads.append((e / e.sum()) @ Vv[:, kv, :])
            a = torch.cat(heads)
            x = x + lin(a, p + "self_attn.o_proj", cfg.bias)
            h = norm(x, w[p + "post_attention_layernorm.weight"])
            g = lin(h, p + "mlp.gate_proj", False)
            u = lin(h, p + "mlp.up_proj", False)
            x = x + lin(g / (1 + torch.exp(-g)) * u, p + "mlp.down_proj", False)
        x = norm(x, w["model.norm.weight"])
        out.append(w["lm_head.weight"] @ x)
    return torch.stack(out)


def logits(model_dir, ids):
    """(T, V) float32 logits of Qwen3ForCausalLM at model_dir for one sequence."""
    with torch.no_grad():
        return forward(load(model_dir), ids)
