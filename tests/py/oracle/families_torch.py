"""Independent PyTorch forward pass of four Hugging Face decoder families (test oracle).

Written from the semantics of transformers' models/{qwen3,qwen2,llama,gemma3}/modeling_*.py,
configuration_*.py, modeling_rope_utils.py and masking_utils.py, not from the C code under
test. Plain torch ops (autograd runs through them; float64 works), one sequence at a time
(batch 1, no padding, positions 0..T-1).

Families (config.json "model_type" or "architectures"[0]):

  qwen3   Qwen3ForCausalLM   q/k RMSNorm (weight w) over head_dim before RoPE; q/k/v/o biases
                             iff attention_bias; head_dim default 128.
  qwen2   Qwen2ForCausalLM   no q/k norm; biases on q/k/v always, never on o; head_dim =
                             config head_dim if present else hidden/heads. Sliding-window
                             layers (use_sliding_window with layers >= max_window_layers, or
                             layer_types) are refused.
  llama   LlamaForCausalLM   no q/k norm; q/k/v/o biases iff attention_bias; gate/up/down biases
                             iff mlp_bias; head_dim default hidden/heads.
  gemma3  Gemma3ForCausalLM  (model_type gemma3_text) see below.

Common decoder (qwen3 / qwen2 / llama):
    x = embed[ids]
    per layer: x += o(attn(rope(q), rope(k), v));  x += down(silu(gate h) * up h),
               each branch fed by rmsnorm(x) (input_layernorm / post_attention_layernorm)
    logits = rmsnorm(x, norm) @ lm_head^T      (lm_head = embed_tokens when tied)
    rmsnorm(x, w) = w * (x * rsqrt(mean(x^2) + eps)); attention scale head_dim^-0.5.

Gemma3 text decoder:
    x = embed[ids] * s,  s = float32(sqrt(hidden_size))   (a float32 buffer in transformers,
                                                            cast to the weights' dtype)
    per layer: x += post_attention_layernorm(attn(input_layernorm(x)))
               x += post_feedforward_layernorm(mlp(pre_feedforward_layernorm(x)))
    gemma_rmsnorm(x, w) = (x * rsqrt(mean(x^2) + eps)) * (1 + w), computed in float32 (or
    in the oracle's wider dtype); q_norm / k_norm are gemma_rmsnorms over head_dim before
    RoPE; mlp = down(gelu_tanh(gate x) * up x); attention scale query_pre_attn_scalar^-0.5;
    q/k/v/o biases iff attention_bias; lm_head tied by default (the unscaled table);
    logits = cap * tanh(logits / cap) when final_logit_softcapping is set.
    Layer types: config layer_types, else layer i is sliding unless (i+1) % pattern == 0
    (pattern = sliding_window_pattern, default 6). Sliding layers: query q sees keys k with
    q - W < k <= q (W = sliding_window, masking_utils.sliding_window_overlay) and RoPE base
    rope_local_base_freq without scaling; full layers: causal, rope_theta and rope_scaling.
    attn_logit_softcapping and use_bidirectional_attention are refused.

RoPE: rotate_half convention, cos/sin of cat(f, f), f = pos * inv_freq. inv_freq is built as
transformers builds it, in float32: inv = 1 / base^(arange(0, D, 2) / D) (int64 arange cast
to float32), then by rope type:
    default  as is
    linear   inv / factor
    llama3   wavelen = 2 pi / inv; inv / factor where wavelen > orig / low_freq_factor;
             unchanged where wavelen < orig / high_freq_factor; in between
             (1 - s) inv / factor + s inv with s = (orig / wavelen - low) / (high - low)
other rope types (dynamic, yarn, longrope, ...) are refused. The float32 table is then widened
to the working dtype (angles pos * inv_freq in the working dtype).

Public functions:
    read_config(model_dir) -> Config                     (family, defaults, derived values)
    config_from_dict(raw) -> Config                      (the same from a parsed config.json)
    expected_shapes(cfg) -> dict name -> shape           (every stored parameter)
    load(model_dir, dtype) -> Model                      (q3.Model-compatible namedtuple)
    leaf_params(model_dir, dtype) -> (cfg, dict name -> leaf tensor requiring grad)
    forward(model, ids) or forward(cfg, params, ids) -> (T, V) logits, vectorized (the
        oracle; usable as the forward= hook of train_torch.batch_stats / grads)
    forward_loop(model, ids) -> the same computed position by position with a growing
        key/value list and an explicit window, another formulation (self-check)
    sliding_mask(T, W) / sliding_mask_loop(T, W), llama3_inv_freq_by_hand(...): more
        self-check material
    finite_difference_check(branches, examples, picks, forward) -> (worst rel err, rows)
"""

import collections
import json
import math
import os

import torch

from . import safetensors_np as st
from . import train_torch as tt


class OracleError(Exception):
    pass


# Defaults of each transformers config class (configuration_<family>.py). None marks
# "derived" (num_key_value_heads -> num_attention_heads, head_dim -> hidden / heads).
DEFAULTS = {
    "qwen3": {
        "vocab_size": 151936, "hidden_size": 4096, "intermediate_size": 22016,
        "num_hidden_layers": 32, "num_attention_heads": 32, "num_key_value_heads": 32,
        "head_dim": 128, "hidden_act": "silu", "rms_norm_eps": 1e-6, "rope_theta": 10000.0,
        "tie_word_embeddings": False, "attention_bias": False, "use_sliding_window": False,
        "sliding_window": 4096, "max_window_layers": 28, "rope_scaling": None,
        "layer_types": None,
    },
    "qwen2": {
        "vocab_size": 151936, "hidden_size": 4096, "intermediate_size": 22016,
        "num_hidden_layers": 32, "num_attention_heads": 32, "num_key_value_heads": 32,
        "head_dim": None, "hidden_act": "silu", "rms_norm_eps": 1e-6, "rope_theta": 10000.0,
        "tie_word_embeddings": False, "use_sliding_window": False, "sliding_window": 4096,
        "max_window_layers": 28, "rope_scaling": None, "layer_types": None,
    },
    "llama": {
        "vocab_size": 32000, "hidden_size": 4096, "intermediate_size": 11008,
        "num_hidden_layers": 32, "num_attention_heads": 32, "num_key_value_heads": None,
        "head_dim": None, "hidden_act": "silu", "rms_norm_eps": 1e-6, "rope_theta": 10000.0,
        "tie_word_embeddings": False, "attention_bias": False, "mlp_bias": False,
        "rope_scaling": None,
    },
    "gemma3": {
        "vocab_size": 262208, "hidden_size": 2304, "intermediate_size": 9216,
        "num_hidden_layers": 26, "num_attention_heads": 8, "num_key_value_heads": 4,
        "head_dim": 256, "hidden_activation": "gelu_pytorch_tanh", "rms_norm_eps": 1e-6,
        "rope_theta": 1000000.0, "tie_word_embeddings": True, "attention_bias": False,
        "query_pre_attn_scalar": 256, "sliding_window": 4096, "layer_types": None,
        "final_logit_softcapping": None, "attn_logit_softcapping": None,
        "rope_scaling": None, "rope_local_base_freq": 10000.0, "sliding_window_pattern": 6,
        "use_bidirectional_attention": False,
    },
}

FAMILY_OF = {  # model_type or architectures[0] -> family
    "qwen3": "qwen3", "Qwen3ForCausalLM": "qwen3",
    "qwen2": "qwen2", "Qwen2ForCausalLM": "qwen2",
    "llama": "llama", "LlamaForCausalLM": "llama",
    "gemma3_text": "gemma3", "Gemma3ForCausalLM": "gemma3",
}

Config = collections.namedtuple("Config", [
    "family", "V", "H", "I", "L", "nH", "nKV", "D", "eps", "tied",
    "qkv_bias", "o_bias", "mlp_bias", "qk_norm", "gemma",
    "attn_scale",           # multiplier of q.k
    "embed_scale",          # None or the float32-rounded sqrt(hidden_size)
    "final_softcap",        # None or the cap
    "sliding",              # tuple of bools, one per layer
    "window",               # sliding window W (None when no layer slides)
    "inv_freq_full",        # tuple of float32 values (as Python floats), length D/2
    "inv_freq_local",       # the same for sliding layers (None when none)
])
Model = collections.namedtuple("Model", "cfg w dtype")


def _family(raw):
    mt = raw.get("model_type")
    arch = (raw.get("architectures") or [None])[0]
    fam = FAMILY_OF.get(mt) if mt is not None else FAMILY_OF.get(arch)
    if fam is None:
        raise OracleError(f"model_type {mt!r} / architectures {arch!r}: not a family the "
                          f"oracle knows")
    if arch is not None and FAMILY_OF.get(arch) not in (None, fam):
        raise OracleError(f"architectures {arch!r} does not match model_type {mt!r}")
    return fam


def _rope_spec(rs, theta, where):
    """(rope_type, params dict) from a rope_scaling / rope_parameters object."""
    if rs is None:
        return "default", {}
    if not isinstance(rs, dict):
        raise OracleError(f"{where} must be an object or null")
    rt = rs.get("rope_type", rs.get("type", "default"))
    if rt not in ("default", "linear", "llama3"):
        raise OracleError(f"{where}: rope_type {rt!r} not supported by the oracle")
    return rt, rs


def inv_freq_table(theta, D, rope_type="default", rs=None):
    """inv_freq as transformers computes it (float32), returned as a float32 tensor."""
    inv = 1.0 / (theta ** (torch.arange(0, D, 2, dtype=torch.int64).to(torch.float32) / D))
    if rope_type == "default":
        return inv
    factor = rs["factor"]
    if rope_type == "linear":
        return inv / factor
    if rope_type == "llama3":
        low, high = rs["low_freq_factor"], rs["high_freq_factor"]
        orig = rs["original_max_position_embeddings"]
        low_wl, high_wl = orig / low, orig / high
        wavelen = 2 * math.pi / inv                              # float32 tensor
        out = torch.where(wavelen > low_wl, inv / factor, inv)
        smooth = (orig / wavelen - low) / (high - low)
        smoothed = (1 - smooth) * out / factor + smooth * out
        medium = ~(wavelen < high_wl) * ~(wavelen > low_wl)
        return torch.where(medium, smoothed, out)
    raise OracleError(f"rope_type {rope_type!r}")


def llama3_inv_freq_by_hand(theta, D, j, factor, low, high, orig):
    """Entry j of the llama3 table in plain Python doubles (Meta's reference formulation:
    wavelength cases, smooth interpolation), for checking inv_freq_table."""
    f = 1.0 / theta ** (2 * j / D)
    wl = 2 * math.pi / f
    if wl < orig / high:
        return f
    if wl > orig / low:
        return f / factor
    s = (orig / wl - low) / (high - low)
    return (1 - s) * f / factor + s * f


def read_config(model_dir):
    with open(os.path.join(model_dir, "config.json")) as f:
        return config_from_dict(json.load(f))


def config_from_dict(raw):
    """Config of a parsed config.json, with the family's transformers defaults."""
    fam = _family(raw)
    c = dict(DEFAULTS[fam])
    c.update(raw)
    nH = c["num_attention_heads"]
    nKV = c["num_key_value_heads"]
    if nKV is None:
        nKV = nH
    D = c["head_dim"]
    if fam == "qwen3" and "head_dim" not in raw:
        D = 128
    if D is None:
        D = c["hidden_size"] // nH
    L = c["num_hidden_layers"]
    gemma = fam == "gemma3"
    act = c["hidden_activation"] if gemma else c["hidden_act"]
    want_act = "gelu_pytorch_tanh" if gemma else "silu"
    if act != want_act:
        raise OracleError(f"hidden activation {act!r} not supported for {fam}")

    # RoPE: rope_scaling (classic) or rope_parameters (newer transformers spelling)
    theta = float(c["rope_theta"])
    rs = c.get("rope_scaling")
    rp = raw.get("rope_parameters")
    local_theta = float(c["rope_local_base_freq"]) if gemma else None
    local_spec = ("default", {})
    if isinstance(rp, dict) and gemma and ("full_attention" in rp
                                           or "sliding_attention" in rp):
        full = rp.get("full_attention") or {}
        theta = float(full.get("rope_theta", theta))
        spec = _rope_spec(full, theta, "rope_parameters.full_attention")
        loc = rp.get("sliding_attention") or {}
        local_theta = float(loc.get("rope_theta", local_theta))
        local_spec = _rope_spec(loc, local_theta, "rope_parameters.sliding_attention")
    elif isinstance(rp, dict):
        theta = float(rp.get("rope_theta", theta))
        spec = _rope_spec(rp, theta, "rope_parameters")
    else:
        spec = _rope_spec(rs, theta, "rope_scaling")

    # layer types
    sliding = [False] * L
    window = None
    if gemma:
        if c["attn_logit_softcapping"] is not None:
            raise OracleError("attn_logit_softcapping is set: not supported")
        if c["use_bidirectional_attention"]:
            raise OracleError("use_bidirectional_attention: not supported")
        lt = c["layer_types"]
        if lt is None:
            pat = c["sliding_window_pattern"]
            sliding = [bool((i + 1) % pat) for i in range(L)]
        else:
            kinds = ("sliding_attention", "full_attention")
            if len(lt) != L or any(t not in kinds for t in lt):
                raise OracleError(f"layer_types {lt!r} invalid for {L} layers")
            sliding = [t == "sliding_attention" for t in lt]
        if any(sliding):
            window = int(c["sliding_window"])
            if window < 1:
                raise OracleError("sliding_window must be >= 1")
    elif fam in ("qwen2", "qwen3"):
        lt = c.get("layer_types")
        if lt is not None and any(t != "full_attention" for t in lt):
            raise OracleError("sliding layers in layer_types: not supported")
        if c["use_sliding_window"] and c["sliding_window"] is not None and \
                any(i >= c["max_window_layers"] for i in range(L)):
            raise OracleError("use_sliding_window: not supported")

    inv_full = inv_freq_table(theta, D, spec[0], spec[1])
    inv_local = None
    if any(sliding):
        inv_local = inv_freq_table(local_theta, D, local_spec[0], local_spec[1])

    cap = c["final_logit_softcapping"] if gemma else None
    embed_scale = None
    if gemma:  # torch.tensor(hidden_size ** 0.5): float32
        embed_scale = float(torch.tensor(c["hidden_size"] ** 0.5, dtype=torch.float32))
    attn_scale = (float(c["query_pre_attn_scalar"]) ** -0.5) if gemma else D ** -0.5
    cfg = Config(
        family=fam, V=c["vocab_size"], H=c["hidden_size"], I=c["intermediate_size"], L=L,
        nH=nH, nKV=nKV, D=D, eps=float(c["rms_norm_eps"]),
        tied=bool(c["tie_word_embeddings"]),
        qkv_bias=(True if fam == "qwen2" else bool(c.get("attention_bias", False))),
        o_bias=(False if fam == "qwen2" else bool(c.get("attention_bias", False))),
        mlp_bias=bool(c.get("mlp_bias", False)) if fam == "llama" else False,
        qk_norm=fam in ("qwen3", "gemma3"), gemma=gemma, attn_scale=attn_scale,
        embed_scale=embed_scale, final_softcap=(None if cap is None else float(cap)),
        sliding=tuple(sliding), window=window,
        inv_freq_full=tuple(float(x) for x in inv_full),
        inv_freq_local=None if inv_local is None else tuple(float(x) for x in inv_local))
    if nH % nKV:
        raise OracleError(f"num_attention_heads {nH} not a multiple of num_key_value_heads "
                          f"{nKV}")
    if D % 2:
        raise OracleError(f"head_dim {D} is odd")
    return cfg


def expected_shapes(cfg):
    """Every stored tensor of the checkpoint, with its shape."""
    s = {"model.embed_tokens.weight": (cfg.V, cfg.H), "model.norm.weight": (cfg.H,)}
    if not cfg.tied:
        s["lm_head.weight"] = (cfg.V, cfg.H)
    q, kv = cfg.nH * cfg.D, cfg.nKV * cfg.D
    for i in range(cfg.L):
        p = f"model.layers.{i}."
        s[p + "input_layernorm.weight"] = (cfg.H,)
        s[p + "post_attention_layernorm.weight"] = (cfg.H,)
        if cfg.gemma:
            s[p + "pre_feedforward_layernorm.weight"] = (cfg.H,)
            s[p + "post_feedforward_layernorm.weight"] = (cfg.H,)
        s[p + "self_attn.q_proj.weight"] = (q, cfg.H)
        s[p + "self_attn.k_proj.weight"] = (kv, cfg.H)
        s[p + "self_attn.v_proj.weight"] = (kv, cfg.H)
        s[p + "self_attn.o_proj.weight"] = (cfg.H, q)
        if cfg.qkv_bias:
            s[p + "self_attn.q_proj.bias"] = (q,)
            s[p + "self_attn.k_proj.bias"] = (kv,)
            s[p + "self_attn.v_proj.bias"] = (kv,)
        if cfg.o_bias:
            s[p + "self_attn.o_proj.bias"] = (cfg.H,)
        if cfg.qk_norm:
            s[p + "self_attn.q_norm.weight"] = (cfg.D,)
            s[p + "self_attn.k_norm.weight"] = (cfg.D,)
        s[p + "mlp.gate_proj.weight"] = (cfg.I, cfg.H)
        s[p + "mlp.up_proj.weight"] = (cfg.I, cfg.H)
        s[p + "mlp.down_proj.weight"] = (cfg.H, cfg.I)
        if cfg.mlp_bias:
            s[p + "mlp.gate_proj.bias"] = (cfg.I,)
            s[p + "mlp.up_proj.bias"] = (cfg.I,)
            s[p + "mlp.down_proj.bias"] = (cfg.H,)
    return s


def check_tensors(cfg, shapes):
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


def leaf_params(model_dir, dtype=torch.float64):
    """Stored parameters as leaf tensors requiring grad (a tied head is not separate)."""
    m = load(model_dir, dtype)
    return m.cfg, {k: m.w[k].detach().clone().requires_grad_(True)
                   for k in expected_shapes(m.cfg)}


# ---- the vectorized forward --------------------------------------------------------

def _rmsnorm(x, w, eps, gemma):
    y = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps)
    return y * (1.0 + w) if gemma else w * y


def _linear(x, w, b=None):
    y = x @ w.t()
    return y if b is None else y + b


def _rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


def _cos_sin(inv_freq, T, dtype):
    inv = torch.tensor(inv_freq, dtype=torch.float32).to(dtype)
    pos = torch.arange(T, dtype=torch.int64).to(dtype)
    f = pos[:, None] * inv[None, :]
    emb = torch.cat((f, f), dim=-1)
    return emb.cos(), emb.sin()


def sliding_mask(T, W):
    """(T, T) bool: query q may attend key k (causal, and k > q - W when W is set)."""
    q = torch.arange(T)[:, None]
    k = torch.arange(T)[None, :]
    m = k <= q
    if W is not None:
        m = m & (k > q - W)
    return m


def sliding_mask_loop(T, W):
    """The same mask by an explicit loop over each query's window of keys."""
    m = torch.zeros(T, T, dtype=torch.bool)
    for q in range(T):
        lo = 0 if W is None else max(0, q - W + 1)
        for k in range(lo, q + 1):
            m[q, k] = True
    return m


def _unpack(args):
    if len(args) == 2:
        model, ids = args
        return model.cfg, model.w, ids
    if len(args) == 3:
        return args
    raise TypeError("forward(model, ids) or forward(cfg, params, ids)")


def _head(cfg, w):
    return w["lm_head.weight"] if "lm_head.weight" in w else w["model.embed_tokens.weight"]


def forward(*args):
    """Vectorized forward of one sequence: forward(model, ids) (the train_torch hook) or
    forward(cfg, params, ids). Returns (T, V) logits in the parameters' dtype."""
    cfg, w, ids = _unpack(args)
    dt = w["model.embed_tokens.weight"].dtype
    ids_t = torch.tensor(ids, dtype=torch.int64)
    if ids_t.numel() == 0 or ids_t.min() < 0 or ids_t.max() >= cfg.V:
        raise OracleError(f"token ids must be non-empty and in [0, {cfg.V})")
    T = ids_t.numel()
    x = w["model.embed_tokens.weight"][ids_t]                          # (T, H)
    if cfg.embed_scale is not None:
        x = x * cfg.embed_scale
    rope_full = _cos_sin(cfg.inv_freq_full, T, dt)                     # (T, D) each
    rope_local = _cos_sin(cfg.inv_freq_local, T, dt) if cfg.inv_freq_local else None
    mask_full = sliding_mask(T, None)
    mask_local = sliding_mask(T, cfg.window)
    group = cfg.nH // cfg.nKV

    def nb(name, on):
        return w[name + ".bias"] if on else None

    for i in range(cfg.L):
        p = f"model.layers.{i}."
        a = p + "self_attn."
        h = _rmsnorm(x, w[p + "input_layernorm.weight"], cfg.eps, cfg.gemma)
        q = _linear(h, w[a + "q_proj.weight"], nb(a + "q_proj", cfg.qkv_bias))
        k = _linear(h, w[a + "k_proj.weight"], nb(a + "k_proj", cfg.qkv_bias))
        v = _linear(h, w[a + "v_proj.weight"], nb(a + "v_proj", cfg.qkv_bias))
        q = q.view(T, cfg.nH, cfg.D)
        k = k.view(T, cfg.nKV, cfg.D)
        v = v.view(T, cfg.nKV, cfg.D)
        if cfg.qk_norm:
            q = _rmsnorm(q, w[a + "q_norm.weight"], cfg.eps, cfg.gemma)
            k = _rmsnorm(k, w[a + "k_norm.weight"], cfg.eps, cfg.gemma)
        q, k, v = q.transpose(0, 1), k.transpose(0, 1), v.transpose(0, 1)  # (heads, T, D)
        cos, sin = rope_local if cfg.sliding[i] else rope_full
        q = q * cos + _rotate_half(q) * sin
        k = k * cos + _rotate_half(k) * sin
        k = k.repeat_interleave(group, dim=0)                          # (nH, T, D)
        v = v.repeat_interleave(group, dim=0)
        s = (q @ k.transpose(1, 2)) * cfg.attn_scale                   # (nH, T, T)
        s = s.masked_fill(~(mask_local if cfg.sliding[i] else mask_full), float("-inf"))
        o = (torch.softmax(s, dim=-1) @ v).transpose(0, 1).reshape(T, cfg.nH * cfg.D)
        o = _linear(o, w[a + "o_proj.weight"], nb(a + "o_proj", cfg.o_bias))
        if cfg.gemma:
            o = _rmsnorm(o, w[p + "post_attention_layernorm.weight"], cfg.eps, True)
            x = x + o
            h = _rmsnorm(x, w[p + "pre_feedforward_layernorm.weight"], cfg.eps, True)
        else:
            x = x + o
            h = _rmsnorm(x, w[p + "post_attention_layernorm.weight"], cfg.eps, False)
        m = p + "mlp."
        g = _linear(h, w[m + "gate_proj.weight"], nb(m + "gate_proj", cfg.mlp_bias))
        u = _linear(h, w[m + "up_proj.weight"], nb(m + "up_proj", cfg.mlp_bias))
        g = torch.nn.functional.gelu(g, approximate="tanh") if cfg.gemma else \
            torch.nn.functional.silu(g)
        y = _linear(g * u, w[m + "down_proj.weight"], nb(m + "down_proj", cfg.mlp_bias))
        if cfg.gemma:
            y = _rmsnorm(y, w[p + "post_feedforward_layernorm.weight"], cfg.eps, True)
        x = x + y
    x = _rmsnorm(x, w["model.norm.weight"], cfg.eps, cfg.gemma)
    z = x @ _head(cfg, w).t()                                          # (T, V)
    if cfg.final_softcap is not None:
        z = torch.tanh(z / cfg.final_softcap) * cfg.final_softcap
    return z


# ---- a second formulation ------------------------------------------------------------

def forward_loop(*args):
    """The same model computed another way, for checking `forward`: position by position
    with a growing key/value list of which each query reads only the keys of its window
    (explicit index range), RoPE as a rotation of the pairs (j, j + D/2), RMSNorm as
    x / sqrt(|x|^2 / n + eps), silu as x / (1 + exp(-x)), gelu_tanh written out, explicit
    per-head kv lookup, softmax by hand, softcap by exp."""
    cfg, w, ids = _unpack(args)
    dt = w["model.embed_tokens.weight"].dtype
    D, half = cfg.D, cfg.D // 2
    inv_full = torch.tensor(cfg.inv_freq_full, dtype=torch.float32).to(dt)
    inv_local = (torch.tensor(cfg.inv_freq_local, dtype=torch.float32).to(dt)
                 if cfg.inv_freq_local else None)

    def norm(x, wt):
        r = x / torch.sqrt((x * x).sum(-1, keepdim=True) / x.shape[-1] + cfg.eps)
        return r * (wt + 1) if cfg.gemma else r * wt

    def rope(x, pos, inv):                    # x: (heads, D)
        ang = pos * inv
        c, s = torch.cos(ang), torch.sin(ang)
        x1, x2 = x[:, :half], x[:, half:]
        return torch.cat((x1 * c - x2 * s, x2 * c + x1 * s), dim=-1)

    def lin(x, name, bias):
        y = torch.einsum("oi,i->o", w[name + ".weight"], x)
        return y + w[name + ".bias"] if bias else y

    def act(g):
        if cfg.gemma:
            return 0.5 * g * (1 + torch.tanh(math.sqrt(2 / math.pi) * (g + 0.044715 * g ** 3)))
        return g / (1 + torch.exp(-g))

    caches = [([], []) for _ in range(cfg.L)]
    out = []
    for pos, tok in enumerate(ids):
        x = w["model.embed_tokens.weight"][tok].clone()
        if cfg.embed_scale is not None:
            x = x * cfg.embed_scale
        for i in range(cfg.L):
            p = f"model.layers.{i}."
            a = p + "self_attn."
            h = norm(x, w[p + "input_layernorm.weight"])
            q = lin(h, a + "q_proj", cfg.qkv_bias).reshape(cfg.nH, D)
            k = lin(h, a + "k_proj", cfg.qkv_bias).reshape(cfg.nKV, D)
            v = lin(h, a + "v_proj", cfg.qkv_bias).reshape(cfg.nKV, D)
            if cfg.qk_norm:
                q = norm(q, w[a + "q_norm.weight"])
                k = norm(k, w[a + "k_norm.weight"])
            inv = inv_local if cfg.sliding[i] else inv_full
            q, k = rope(q, pos, inv), rope(k, pos, inv)
            ks, vs = caches[i]
            ks.append(k)
            vs.append(v)
            first = max(0, pos - cfg.window + 1) if cfg.sliding[i] else 0
            K = torch.stack(ks[first:])                              # (n, nKV, D)
            Vv = torch.stack(vs[first:])
            heads = []
            for hq in range(cfg.nH):
                kv = hq * cfg.nKV // cfg.nH
                sc = (K[:, kv, :] @ q[hq]) * cfg.attn_scale
                e = torch.exp(sc - sc.max())
                heads.append((e / e.sum()) @ Vv[:, kv, :])
            o = lin(torch.cat(heads), a + "o_proj", cfg.o_bias)
            if cfg.gemma:
                x = x + norm(o, w[p + "post_attention_layernorm.weight"])
                h = norm(x, w[p + "pre_feedforward_layernorm.weight"])
            else:
                x = x + o
                h = norm(x, w[p + "post_attention_layernorm.weight"])
            m = p + "mlp."
            gu = act(lin(h, m + "gate_proj", cfg.mlp_bias)) \
                * lin(h, m + "up_proj", cfg.mlp_bias)
            y = lin(gu, m + "down_proj", cfg.mlp_bias)
            if cfg.gemma:
                y = norm(y, w[p + "post_feedforward_layernorm.weight"])
            x = x + y
        x = norm(x, w["model.norm.weight"])
        z = _head(cfg, w) @ x
        if cfg.final_softcap is not None:
            c = cfg.final_softcap
            e2 = torch.exp(2 * z / c)
            z = c * (e2 - 1) / (e2 + 1)
        out.append(z)
    return torch.stack(out)


def logits(model_dir, ids):
    """(T, V) float32 logits of the model at model_dir for one sequence."""
    with torch.no_grad():
        return forward(load(model_dir), ids)


def finite_difference_check(branches, examples, picks, forward_fn=forward, h=1e-5):
    """train_torch's central-difference check through this forward pass."""
    return tt.finite_difference_check(branches, examples, picks, h=h, forward=forward_fn)
