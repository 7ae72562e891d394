#!/usr/bin/env python3
"""CPU-vs-CUDA parity of whole models through the wmss CLI (run by scripts/gpu-check.sh on
a GPU machine; with GPU_CHECK_DEVICE=cpu it runs both sides on the CPU, to check the
script itself). For each family (qwen3, qwen2, llama, gemma3), a small random model:

  logits   `wmss logits` of three packed sequences (one past Gemma's sliding window)
  grads    `wmss grads` K=1 (SFT) and K=2 (WD-JT: strong + weak, lambda 0.5)
  adamw    `wmss sft` for 3 optimizer steps (lr 1e-3, float32 save): the parameters

Each is compared as ||cuda - cpu|| / ||cpu|| over the whole tensor set, against the
tolerance of the CUDA math mode (WMSS_CUDA_MATH):
  fp32  1e-5 logits, 1e-4 grads and parameters: float32 everywhere; only the summation
        order differs (cuBLAS vs OpenBLAS, atomics in the embedding gradient)
  tf32  5e-3 / 2e-2: operands rounded to 10-bit mantissas (2^-11 ~ 5e-4 relative each),
        accumulated over a few layers and both passes
  bf16  2e-2 / 5e-2: operands rounded to 7-bit mantissas (2^-8 ~ 4e-3 relative each);
        the error grows through the layers and the backward pass, and the relative error
        of a gradient is larger where the gradient is small
The parameters after 3 AdamW steps are compared as the change from the initial weights
(||delta_cuda - delta_cpu|| / ||delta_cpu||): Adam's normalized update amplifies tiny
gradient differences where v is small, so the tolerance is that of the gradients.
Prints one line per check and exits 1 if any fails.
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "py", "oracle"))
import safetensors_np  # noqa: E402

WMSS = os.environ.get("WMSS", "build-cuda/wmss")
GPU = os.environ.get("GPU_CHECK_DEVICE", "cuda")
MATH = os.environ.get("WMSS_CUDA_MATH", "bf16")
TOL = {"fp32": (1e-5, 1e-4), "tf32": (5e-3, 2e-2), "bf16": (2e-2, 5e-2)}[MATH]
FAMILIES = {
    "qwen3": [],
    "qwen2": [],
    "llama": [],
    "gemma3": ["--config", None],  # sliding window of 6, soft-capping: written below
}
failed = 0
results = []


def run(*args, env=None):
    p = subprocess.run([WMSS, *args], capture_output=True, text=True, env=env)
    if p.returncode != 0:
        raise RuntimeError(f"wmss {' '.join(args)}: exit {p.returncode}\n{p.stderr[-2000:]}")
    return p


def rel(a, b):
    a = np.asarray(a, np.float64).ravel()
    b = np.asarray(b, np.float64).ravel()
    if not np.all(np.isfinite(a)):
        return float("inf")
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-30))


def check(name, err, tol):
    global failed
    ok = err <= tol
    failed += not ok
    results.append({"check": name, "rel": err, "tol": tol, "ok": ok})
    print(f"{'ok  ' if ok else 'FAIL'} {name}: rel {err:.3e} (tol {tol:.0e})", flush=True)


def flat(d):
    return np.concatenate([d[k].numpy().ravel() for k in sorted(d)])


def family(tmp, fam):
    mdir, wdir = os.path.join(tmp, fam), os.path.join(tmp, fam + "-weak")
    common = ["--vocab-size", "512", "--layers", "3", "--hidden-size", "128", "--heads", "4", "--kv-heads", "2",
              "--head-dim", "32", "--intermediate-size", "256"]
    extra = []
    if fam == "gemma3":
        cfg = os.path.join(tmp, "gemma.json")
        with open(cfg, "w") as f:
            json.dump({"sliding_window": 6, "final_logit_softcapping": 30.0}, f)
        extra = ["--config", cfg]
    run("init-model", "--arch", fam, "--out", mdir, "--seed", "1", *common, *extra)
    run("init-model", "--arch", fam, "--out", wdir, "--seed", "2", *common, *extra)
    rng = np.random.default_rng(0)
    data = os.path.join(tmp, fam + ".jsonl")
    with open(data, "w") as f:
        for _ in range(6):
            p = rng.integers(1, 512, rng.integers(3, 12)).tolist()
            c = rng.integers(1, 512, rng.integers(5, 30)).tolist()
            f.write(json.dumps({"input_ids": p + c, "completion_mask": [0] * len(p) + [1] * len(c)}) + "\n")
    ids = "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20;30,31,32;40,41,42,43,44,45,46,47"
    out = {}
    for dev in ("cpu", GPU):
        tag = "cpu" if dev == "cpu" and len(out) == 0 else "gpu"
        lf = os.path.join(tmp, f"{fam}-{tag}.f32")
        run("logits", "--device", dev, "--model", mdir, "--ids", ids, "--out", lf)
        g1 = os.path.join(tmp, f"{fam}-{tag}-g1.safetensors")
        run("grads", "--device", dev, "--model", mdir, "--data", data, "--out", g1)
        g2s, g2w = (os.path.join(tmp, f"{fam}-{tag}-g2{x}.safetensors") for x in ("s", "w"))
        run("grads", "--device", dev, "--model", mdir, "--weak", wdir, "--lambda", "0.5", "--data", data,
            "--out", g2s, "--out-weak", g2w)
        sdir = os.path.join(tmp, f"{fam}-{tag}-sft")
        run("sft", "--device", dev, "--model", mdir, "--data", data, "--out", sdir, "--epochs", "1", "--batch", "2",
            "--micro-batch", "2", "--lr", "1e-3", "--warmup-steps", "0", "--lr-schedule", "constant",
            "--dtype", "float32")
        out[tag] = dict(logits=np.fromfile(lf, "<f4"), g1=flat(safetensors_np.read(g1)),
                        g2s=flat(safetensors_np.read(g2s)), g2w=flat(safetensors_np.read(g2w)),
                        params=flat(safetensors_np.read_dir(sdir)))
    init = flat(safetensors_np.read_dir(mdir))
    c, g = out["cpu"], out["gpu"]
    check(f"{fam} logits", rel(g["logits"], c["logits"]), TOL[0])
    check(f"{fam} grads K=1", rel(g["g1"], c["g1"]), TOL[1])
    check(f"{fam} grads K=2 strong", rel(g["g2s"], c["g2s"]), TOL[1])
    check(f"{fam} grads K=2 weak", rel(g["g2w"], c["g2w"]), TOL[1])
    check(f"{fam} 3 AdamW steps (update)", rel(g["params"] - init, c["params"] - init), TOL[1])


def main():
    with tempfile.TemporaryDirectory() as tmp:
        for fam in FAMILIES:
            try:
                family(tmp, fam)
            except Exception as ex:  # a failing command is a failed check, not a crash
                print(str(ex)[-1500:], file=sys.stderr)
                check(f"{fam}: {str(ex).splitlines()[0][:150]}", float("inf"), 0)
    out = os.environ.get("OUT")
    if out:
        with open(os.path.join(out, f"parity_{MATH}.json"), "w") as f:
            json.dump(results, f, indent=1)
    print(f"{len(results) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
