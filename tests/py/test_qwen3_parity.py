#!/usr/bin/python3
"""Qwen3 forward parity and model-file round trips: wmss against independent oracles.

Oracles (tests/py/oracle/): a safetensors reader/writer written from the format spec and
a plain-PyTorch forward of Hugging Face's Qwen3ForCausalLM. Drives the wmss CLI:
    wmss init-model --config CFG --out DIR --seed N --dtype D
    wmss logits --model DIR --ids "1,2;3" --out FILE
    wmss convert --model IN --out OUT --dtype D [--max-shard-size BYTES]
Cases: tiny random configs covering GQA/MQA/MHA, tied and untied heads, head_dim !=
hidden/heads, attention biases, F32/BF16/F16 storage; each run on init-model's weights
and on a copy (written by the oracle's writer) whose norm weights and biases are
randomized too, so that a mix-up between any two of them shows. Metric per sequence:
max|wmss - torch| / max|torch| < 1e-4. Then: same-dtype convert is bit-identical and
gives identical logits; sharded convert (>= 3 shards) has a valid index and identical
tensors and logits; F32 -> BF16 (and F16) conversion rounds to nearest even exactly as
torch / numpy do, including ties and subnormals; BF16 -> F32 widens exactly. And
config.json is read as transformers reads it: absent optional fields take Qwen3Config's
defaults (head_dim 128), rope_parameters may replace rope_theta, and rms_norm_eps is
checked on a model whose activations are small enough for it to matter.
Environment: WMSS = path of the wmss binary (default build/wmss). Exit status 1 on failure.
"""

import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from oracle import qwen3_torch as q3  # noqa: E402
from oracle import safetensors_np as st  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(HERE))
WMSS = os.environ.get("WMSS") or os.path.join(ROOT, "build", "wmss")
TOL = 1e-4
ST_DTYPE = {"float32": "F32", "bfloat16": "BF16", "float16": "F16"}

torch.set_num_threads(max(1, min(4, os.cpu_count() or 1)))


class CaseFailure(Exception):
    pass


def base_config(**kw):
    c = {"architectures": ["Qwen3ForCausalLM"], "model_type": "qwen3",
         "initializer_range": 0.5, "rms_norm_eps": 1e-6, "rope_theta": 10000.0,
         "max_position_embeddings": 512, "hidden_act": "silu"}
    c.update(kw)
    return c


# name, config, stored dtype, seed
CASES = [
    ("gqa_untied_f32_hd32", base_config(
        vocab_size=97, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, head_dim=32,
        tie_word_embeddings=False), "float32", 11),
    ("mha_tied_bf16_bias", base_config(
        vocab_size=131, hidden_size=48, intermediate_size=96, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=4, head_dim=12,
        tie_word_embeddings=True, attention_bias=True, rope_theta=1000000.0),
     "bfloat16", 12),
    ("mqa_untied_f16_hd8", base_config(
        vocab_size=50, hidden_size=32, intermediate_size=40, num_hidden_layers=3,
        num_attention_heads=8, num_key_value_heads=1, head_dim=8, rms_norm_eps=1e-5,
        tie_word_embeddings=False), "float16", 13),
    ("gqa_tied_f32_bias_hd16", base_config(
        vocab_size=300, hidden_size=40, intermediate_size=24, num_hidden_layers=2,
        num_attention_heads=6, num_key_value_heads=3, head_dim=16,
        tie_word_embeddings=True, attention_bias=True), "float32", 14),
]


def sh(args, what):
    try:
        r = subprocess.run([WMSS] + args, capture_output=True, text=True, timeout=300)
    except subprocess.TimeoutExpired:
        raise CaseFailure(f"{what}: wmss {' '.join(args[:1])} timed out")
    if r.returncode != 0:
        tail = (r.stderr or r.stdout).strip().splitlines()[-5:]
        raise CaseFailure(f"{what}: wmss {' '.join(args)} exited {r.returncode}: "
                          + " | ".join(tail))
    return r


def init_model(cfg, out, seed, dtype, tmp):
    p = os.path.join(tmp, f"cfg_{seed}.json")
    with open(p, "w") as f:
        json.dump(cfg, f)
    sh(["init-model", "--config", p, "--out", out, "--seed", str(seed), "--dtype", dtype],
       "init-model")


def wmss_logits(model_dir, seqs, V, tmp):
    out = os.path.join(tmp, "logits.bin")
    if os.path.exists(out):
        os.remove(out)
    ids = ";".join(",".join(str(t) for t in s) for s in seqs)
    sh(["logits", "--model", model_dir, "--ids", ids, "--out", out], "logits")
    a = np.fromfile(out, dtype="<f4")
    n = sum(len(s) for s in seqs) * V
    if a.size * 4 != os.path.getsize(out) or a.size != n:
        raise CaseFailure(f"logits file has {os.path.getsize(out)} bytes, expected {n * 4} "
                          f"(sum T_i * V * 4)")
    res, pos = [], 0
    for s in seqs:
        res.append(a[pos:pos + len(s) * V].reshape(len(s), V))
        pos += len(s) * V
    return res


def make_seqs(V, rng):
    lens = [1, 7, 70, 129]
    seqs = [[rng.randrange(V) for _ in range(n)] for n in lens]
    seqs[3][0], seqs[3][-1] = 0, V - 1  # the id range's ends
    return seqs


def parity(label, model_dir, seqs, tmp):
    """wmss logits vs the oracle for each sequence (all in one wmss batch)."""
    model = q3.load(model_dir)
    got = wmss_logits(model_dir, seqs, model.cfg.V, tmp)
    worst, parts = 0.0, []
    with torch.no_grad():
        for s, g in zip(seqs, got):
            ref = q3.forward(model, s).numpy()
            if not np.all(np.isfinite(g)):
                raise CaseFailure(f"{label}: non-finite logits from wmss (T={len(s)})")
            rel = float(np.abs(g.astype(np.float64) - ref).max() / np.abs(ref).max())
            worst = max(worst, rel)
            parts.append(f"T={len(s)}:{rel:.1e}")
    ok = worst < TOL
    print(f"  {'ok  ' if ok else 'FAIL'} {label}: worst rel err {worst:.3e} ({' '.join(parts)})")
    if not ok:
        raise CaseFailure(f"{label}: logits differ from the oracle, worst rel err {worst:.3e}")
    return got


def check_config(cfg, model_dir):
    with open(os.path.join(model_dir, "config.json")) as f:
        got = json.load(f)
    for k, v in cfg.items():
        if k not in got:
            raise CaseFailure(f"config.json lacks {k!r}")
        same = (abs(got[k] - v) <= 1e-12 * abs(v)) if isinstance(v, float) else got[k] == v
        if not same:
            raise CaseFailure(f"config.json: {k} = {got[k]!r}, expected {v!r}")


def check_init(cfg, model_dir, dtype):
    tensors, _ = st.read_dir_raw(model_dir)
    c = q3.read_config(model_dir)
    q3.check_tensors(c, {k: v.shape for k, v in tensors.items()})
    wrong = [k for k, v in tensors.items() if v.dtype != ST_DTYPE[dtype]]
    if wrong:
        raise CaseFailure(f"tensors not stored as {ST_DTYPE[dtype]}: {wrong[:4]}")
    r = cfg["initializer_range"]
    for k, v in tensors.items():
        if k.endswith("norm.weight") or k.endswith(".bias"):
            continue
        a = st.raw_to_numpy(v).astype(np.float64)
        if a.size >= 1000 and not (abs(a.std() - r) < 0.15 * r and abs(a.mean()) < 0.1 * r):
            raise CaseFailure(f"{k}: init mean {a.mean():.3g} std {a.std():.3g}, expected "
                              f"normal(0, {r})")
    return tensors


def perturbed_copy(src_dir, dst_dir, seed):
    """Copy of a model dir with every norm weight set to 1 + 0.3 N(0,1) and every bias to
    0.5 N(0,1), stored in the tensor's own dtype, written by the oracle's writer."""
    os.makedirs(dst_dir)
    shutil.copy(os.path.join(src_dir, "config.json"), dst_dir)
    tensors, _ = st.read_dir_raw(src_dir)
    g = torch.Generator().manual_seed(seed)
    out = {}
    for k, v in tensors.items():
        if k.endswith("norm.weight"):
            v = st.raw_from_float(1 + 0.3 * torch.randn(v.shape, generator=g), v.dtype)
        elif k.endswith(".bias"):
            v = st.raw_from_float(0.5 * torch.randn(v.shape, generator=g), v.dtype)
        out[k] = v
    st.write(os.path.join(dst_dir, "model.safetensors"), out, {"format": "pt"})


def same_raw(a_dir, b_dir, what):
    a, _ = st.read_dir_raw(a_dir)
    b, _ = st.read_dir_raw(b_dir)
    if set(a) != set(b):
        raise CaseFailure(f"{what}: tensor names differ: only in input "
                          f"{sorted(set(a) - set(b))[:4]}, only in output "
                          f"{sorted(set(b) - set(a))[:4]}")
    bad = [k for k in a if a[k] != b[k]]
    if bad:
        raise CaseFailure(f"{what}: {len(bad)} tensors not bit-identical, e.g. {bad[:3]}")
    return len(a)


def same_logits(x, y, what):
    for s, (a, b) in enumerate(zip(x, y)):
        if a.tobytes() != b.tobytes():
            raise CaseFailure(f"{what}: logits of sequence {s} differ (max abs diff "
                              f"{np.abs(a - b).max():.3e}), expected identical")


def run_case(name, cfg, dtype, seed, tmp, keep):
    rng = random.Random(seed)
    d = os.path.join(tmp, name)
    init_model(cfg, d, seed, dtype, tmp)
    try:  # checked after parity, so that a config nit does not hide the numbers
        check_config(cfg, d)
        check_init(cfg, d, dtype)
        init_problem = None
    except CaseFailure as e:
        init_problem = e
    V = cfg["vocab_size"]
    seqs = make_seqs(V, rng)
    parity(f"{name} (init-model weights)", d, seqs, tmp)
    dp = d + "_perturbed"
    perturbed_copy(d, dp, seed)
    keep[name] = (dp, seqs, V, dtype)  # the file checks below run even if parity fails
    parity(f"{name} (random norms/biases)", dp, seqs, tmp)
    if init_problem is not None:
        raise CaseFailure(f"init-model output: {init_problem}")


def check_seed(cfg, tmp):
    a, b, c = (os.path.join(tmp, x) for x in ("seed_a", "seed_b", "seed_c"))
    init_model(cfg, a, 5, "float32", tmp)
    init_model(cfg, b, 5, "float32", tmp)
    init_model(cfg, c, 6, "float32", tmp)
    same_raw(a, b, "init-model twice with one seed")
    ta, _ = st.read_dir_raw(a)
    tc, _ = st.read_dir_raw(c)
    if ta["model.embed_tokens.weight"] == tc["model.embed_tokens.weight"]:
        raise CaseFailure("init-model with seeds 5 and 6 gave identical embeddings")
    print("  ok   init-model: same seed -> identical tensors, other seed -> different")


def check_round_trip(name, entry, tmp):
    src, seqs, V, dtype = entry
    got = wmss_logits(src, seqs, V, tmp)
    out = os.path.join(tmp, name + "_rt")
    sh(["convert", "--model", src, "--out", out, "--dtype", dtype], "convert")
    if q3.read_config(out) != q3.read_config(src):
        raise CaseFailure(f"round trip {name}: config.json changed the model")
    n = same_raw(src, out, f"round trip {name}")
    same_logits(got, wmss_logits(out, seqs, V, tmp), f"round trip {name}")
    print(f"  ok   round trip {name} ({dtype}): {n} tensors bit-identical, logits identical")


SHARD_RE = re.compile(r"model-(\d{5})-of-(\d{5})\.safetensors")


def check_sharded(name, entry, tmp):
    src, seqs, V, dtype = entry
    got = wmss_logits(src, seqs, V, tmp)
    raw, _ = st.read_dir_raw(src)
    sizes = {k: len(v.data) for k, v in raw.items()}
    total = sum(sizes.values())
    limit = max(max(sizes.values()), total // 5)
    out = os.path.join(tmp, name + "_sharded")
    sh(["convert", "--model", src, "--out", out, "--dtype", dtype,
        "--max-shard-size", str(limit)], "convert --max-shard-size")
    files = sorted(f for f in os.listdir(out) if f.endswith(".safetensors"))
    if os.path.exists(os.path.join(out, st.SINGLE_NAME)):
        raise CaseFailure(f"sharded {name}: model.safetensors next to the shards")
    m = [SHARD_RE.fullmatch(f) for f in files]
    n = len(files)
    if not all(m) or [int(x.group(1)) for x in m] != list(range(1, n + 1)) \
            or any(int(x.group(2)) != n for x in m):
        raise CaseFailure(f"sharded {name}: shard names {files}")
    if n < 3:
        raise CaseFailure(f"sharded {name}: {n} shards with limit {limit} of {total} bytes, "
                          f"expected >= 3")
    tensors, info = st.read_dir_raw(out)  # validates the index against the shards
    index = info["index"]
    if index is None:
        raise CaseFailure(f"sharded {name}: no {st.INDEX_NAME}")
    if set(info["files"]) != set(files):
        raise CaseFailure(f"sharded {name}: index names files {info['files']}, dir has {files}")
    if set(index["weight_map"]) != set(raw):
        raise CaseFailure(f"sharded {name}: weight_map does not cover exactly the tensors")
    ts = (index.get("metadata") or {}).get("total_size")
    if ts is not None and int(ts) != total:
        raise CaseFailure(f"sharded {name}: metadata.total_size {ts}, tensors hold {total}")
    for f in files:
        held = [k for k, v in index["weight_map"].items() if v == f]
        nbytes = sum(sizes[k] for k in held)
        if nbytes > limit and len(held) > 1:
            raise CaseFailure(f"sharded {name}: {f} holds {nbytes} bytes > limit {limit}")
    same_raw(src, out, f"sharded {name}")
    same_logits(got, wmss_logits(out, seqs, V, tmp), f"sharded {name}")
    parity(f"{name} sharded dir", out, seqs[:2], tmp)
    back = os.path.join(tmp, name + "_unsharded")
    sh(["convert", "--model", out, "--out", back, "--dtype", dtype], "convert sharded input")
    same_raw(src, back, f"sharded -> single {name}")
    print(f"  ok   sharded {name}: {n} shards (limit {limit} of {total} bytes), index valid, "
          f"tensors and logits identical, sharded -> single identical")


EDGE_F32_BITS = [
    0x3F808000, 0x3F818000, 0xBF808000, 0xBF818000,   # ties: to even (down, up, -down, -up)
    0x3F808001, 0x3F807FFF, 0x3F7FFFFF, 0x3FFFFFFF,   # near ties; carry into the exponent
    0x00000001, 0x00008000, 0x00018000, 0x007FFFFF,   # subnormals (tie down, tie up, carry)
    0x80000001, 0x80018000, 0x00000000, 0x80000000,   # negative subnormals, +-0
    0x7F7F7FFF, 0x7F7E8000, 0xFF7E8000, 0x00800000,   # largest finite neighbourhood, min normal
    0x3DCCCCCD, 0xC0490FDB, 0x4B800001, 0x33800000,   # 0.1, -pi, 2^24+2, 2^-24
]


def torch_bf16_bits(a):
    return torch.from_numpy(np.array(a, dtype=np.float32, copy=True)).to(
        torch.bfloat16).view(torch.int16).numpy().view(np.uint16)


def check_dtype_conversion(name, entry, tmp):
    src, seqs, V, dtype = entry
    assert dtype == "float32"
    # A copy whose embedding row 0 starts with rounding edge cases (token 0 is then
    # unusable for logits, so only the conversion is checked on it).
    edge = os.path.join(tmp, name + "_edge")
    os.makedirs(edge)
    shutil.copy(os.path.join(src, "config.json"), edge)
    raw, _ = st.read_dir_raw(src)
    e = raw["model.embed_tokens.weight"]
    vals = np.frombuffer(e.data, dtype="<u4").copy()
    vals[:len(EDGE_F32_BITS)] = EDGE_F32_BITS
    raw["model.embed_tokens.weight"] = st.RawTensor("F32", e.shape, vals.astype("<u4").tobytes())
    st.write(os.path.join(edge, "model.safetensors"), raw)

    bf = os.path.join(tmp, name + "_bf16")
    sh(["convert", "--model", edge, "--out", bf, "--dtype", "bfloat16"], "convert to bfloat16")
    conv, _ = st.read_dir_raw(bf)
    if set(conv) != set(raw):
        raise CaseFailure("F32 -> BF16: tensor names changed")
    nvals = 0
    for k, v in raw.items():
        c = conv[k]
        if c.dtype != "BF16" or c.shape != v.shape:
            raise CaseFailure(f"F32 -> BF16: {k} is {c.dtype} {c.shape}")
        want = torch_bf16_bits(st.raw_to_numpy(v).ravel())
        have = np.frombuffer(c.data, dtype="<u2")
        bad = np.nonzero(want != have)[0]
        if bad.size:
            i = bad[0]
            f32 = np.frombuffer(v.data, dtype="<u4")[i]
            raise CaseFailure(f"F32 -> BF16: {k}[{i}] f32 0x{f32:08X} -> 0x{have[i]:04X}, "
                              f"torch gives 0x{want[i]:04X} ({bad.size} values differ)")
        nvals += have.size
    print(f"  ok   F32 -> BF16: {nvals} values bit-identical to torch .to(bfloat16) "
          f"({len(EDGE_F32_BITS)} rounding edge cases included)")

    wide = os.path.join(tmp, name + "_bf16_f32")
    sh(["convert", "--model", bf, "--out", wide, "--dtype", "float32"], "convert to float32")
    back, _ = st.read_dir_raw(wide)
    for k, v in conv.items():
        want = (np.frombuffer(v.data, dtype="<u2").astype(np.uint32) << 16).astype("<u4")
        if back[k].dtype != "F32" or back[k].data != want.tobytes():
            raise CaseFailure(f"BF16 -> F32: {k} not widened exactly")
    print("  ok   BF16 -> F32: exact widening")

    f16 = os.path.join(tmp, name + "_f16")
    sh(["convert", "--model", src, "--out", f16, "--dtype", "float16"], "convert to float16")
    conv16, _ = st.read_dir_raw(f16)
    raw, _ = st.read_dir_raw(src)
    nsub = 0
    for k, v in raw.items():
        a = st.raw_to_numpy(v).ravel()
        want = torch.from_numpy(a.copy()).to(torch.float16).numpy().view(np.uint16)
        have = np.frombuffer(conv16[k].data, dtype="<u2")
        if conv16[k].dtype != "F16" or not np.array_equal(want, have):
            raise CaseFailure(f"F32 -> F16: {k} differs from torch .to(float16)")
        nsub += int(np.count_nonzero((want & 0x7C00) == 0))
    print(f"  ok   F32 -> F16: bit-identical to torch .to(float16) ({nsub} zero/subnormal)")

    bf_plain = os.path.join(tmp, name + "_plain_bf16")
    sh(["convert", "--model", src, "--out", bf_plain, "--dtype", "bfloat16"], "convert")
    parity(f"{name} converted to BF16", bf_plain, seqs, tmp)


def random_model(d, cfg, seed, scale=None):
    """A model directory written entirely by the oracle (config as given, F32 tensors
    shaped as transformers reads the config, norms 1 + 0.3 N(0,1), the rest 0.5 N(0,1);
    scale: dict tensor name -> factor applied on top)."""
    os.makedirs(d)
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(cfg, f)
    c = q3.read_config(d)
    g = torch.Generator().manual_seed(seed)
    ts = {}
    for k, shape in q3.expected_shapes(c).items():
        t = torch.randn(shape, generator=g)
        t = 1 + 0.3 * t if k.endswith("norm.weight") else 0.5 * t
        ts[k] = st.raw_from_float(t * (scale or {}).get(k, 1.0), "F32")
    st.write(os.path.join(d, "model.safetensors"), ts, {"format": "pt"})
    return c


def check_hf_config_reading(tmp):
    """config.json spellings wmss must read as transformers does: optional fields left
    out (Qwen3Config defaults: head_dim 128, rms_norm_eps 1e-6, rope_theta 10000, untied,
    no attention bias) and the newer rope_parameters object in place of rope_theta; and
    a model whose activations are small enough that rms_norm_eps matters."""
    variants = [
        ("config without optional fields", {
            "architectures": ["Qwen3ForCausalLM"], "model_type": "qwen3", "vocab_size": 64,
            "hidden_size": 32, "intermediate_size": 48, "num_hidden_layers": 1,
            "num_attention_heads": 2, "num_key_value_heads": 1}),
        ("config with rope_parameters", base_config(
            vocab_size=70, hidden_size=32, intermediate_size=48, num_hidden_layers=2,
            num_attention_heads=4, num_key_value_heads=2, head_dim=16, rms_norm_eps=1e-5,
            tie_word_embeddings=False,
            rope_parameters={"rope_type": "default", "rope_theta": 1000000.0})),
    ]
    del variants[1][1]["rope_theta"]
    # Activations small enough that rms_norm_eps matters (embeddings and layer 0's q/k
    # projections scaled by 1e-3): a wrong eps, or eps outside the square root, shows.
    variants.append(("small activations, eps-sensitive", base_config(
        vocab_size=60, hidden_size=32, intermediate_size=48, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, head_dim=8, rms_norm_eps=1e-5,
        tie_word_embeddings=False)))
    small = {"model.embed_tokens.weight": 1e-3, "model.layers.0.self_attn.q_proj.weight": 1e-3,
             "model.layers.0.self_attn.k_proj.weight": 1e-3}
    problems = []
    for i, (label, cfg) in enumerate(variants):
        d = os.path.join(tmp, f"hfcfg_{i}")
        c = random_model(d, cfg, 100 + i, small if i == 2 else None)
        rng = random.Random(100 + i)
        seqs = [[rng.randrange(c.V) for _ in range(n)] for n in (1, 7, 70)]
        try:
            parity(label, d, seqs, tmp)
        except CaseFailure as e:
            problems.append(str(e))
    if problems:
        raise CaseFailure("; ".join(problems))


def main():
    if not (os.path.isfile(WMSS) and os.access(WMSS, os.X_OK)):
        print(f"FAIL: wmss binary not found at {WMSS} (set WMSS)")
        return 1
    failures = []
    keep = {}
    tmp = tempfile.mkdtemp(prefix="wmss_qwen3_parity_")
    try:
        steps = [(f"case {n}", (lambda n=n, c=c, d=d, s=s: run_case(n, c, d, s, tmp, keep)))
                 for n, c, d, s in CASES]
        steps.append(("seed", lambda: check_seed(CASES[0][1], tmp)))
        steps.append(("config.json reading, eps", lambda: check_hf_config_reading(tmp)))
        for n in ("gqa_untied_f32_hd32", "mha_tied_bf16_bias", "mqa_untied_f16_hd8"):
            steps.append((f"round trip {n}", lambda n=n: check_round_trip(n, keep[n], tmp)))
        steps.append(("sharded", lambda: check_sharded("gqa_untied_f32_hd32",
                                                       keep["gqa_untied_f32_hd32"], tmp)))
        steps.append(("dtype", lambda: check_dtype_conversion(
            "gqa_untied_f32_hd32", keep["gqa_untied_f32_hd32"], tmp)))
        for label, fn in steps:
            try:
                fn()
            except KeyError as e:
                failures.append(f"{label}: skipped, its model case failed ({e})")
                print(f"  FAIL {failures[-1]}")
            except (CaseFailure, q3.OracleError, st.SafetensorsError, OSError) as e:
                failures.append(f"{label}: {e}")
                print(f"  FAIL {failures[-1]}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if failures:
        print(f"{len(failures)} failure(s)")
        return 1
    print("all Qwen3 parity checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
