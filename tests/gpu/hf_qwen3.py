#!/usr/bin/env python3
"""A Qwen3 model built by transformers (on the GPU machine: torch + transformers) from the
same weights gives the same logits as `wmss logits --device cuda` (scripts/gpu-check.sh).
The model directory is written by `wmss init-model` (random weights, Qwen3 config);
transformers loads it with AutoModelForCausalLM in float32 on the GPU (eager attention,
TF32 off) and its logits are the reference. Tolerance: the CUDA math mode's logits
tolerance of tests/gpu/parity.py. Prints one line and exits 1 on failure."""
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch

WMSS = os.environ.get("WMSS", "build-cuda/wmss")
MATH = os.environ.get("WMSS_CUDA_MATH", "bf16")
TOL = {"fp32": 1e-5, "tf32": 5e-3, "bf16": 2e-2}[MATH]


def main():
    from transformers import AutoModelForCausalLM

    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    dev = "cuda" if torch.cuda.is_available() else "cpu"
    with tempfile.TemporaryDirectory() as tmp:
        mdir = os.path.join(tmp, "q3")
        subprocess.run([WMSS, "init-model", "--arch", "qwen3", "--out", mdir, "--seed", "5", "--vocab-size", "4096",
                        "--layers", "4", "--hidden-size", "256", "--heads", "8", "--kv-heads", "4", "--head-dim", "64",
                        "--intermediate-size", "704"], check=True, capture_output=True)
        rng = np.random.default_rng(1)
        seqs = [rng.integers(0, 4096, n).tolist() for n in (37, 5, 120)]
        lf = os.path.join(tmp, "l.f32")
        ids = ";".join(",".join(map(str, s)) for s in seqs)
        subprocess.run([WMSS, "logits", "--device", os.environ.get("GPU_CHECK_DEVICE", "cuda"), "--model", mdir,
                        "--ids", ids, "--out", lf], check=True, capture_output=True)
        ours = np.fromfile(lf, "<f4").reshape(-1, 4096)
        model = AutoModelForCausalLM.from_pretrained(mdir, torch_dtype=torch.float32, attn_implementation="eager")
        model = model.to(dev).eval()
        ref = []
        with torch.no_grad():
            for s in seqs:
                ref.append(model(torch.tensor([s], device=dev)).logits[0].float().cpu().numpy())
        ref = np.concatenate(ref)
        err = float(np.linalg.norm(ours.astype(np.float64) - ref) / np.linalg.norm(ref))
        worst = float(np.abs(ours - ref).max())
        ok = np.isfinite(err) and err <= TOL
        print(f"{'ok  ' if ok else 'FAIL'} transformers Qwen3 vs wmss logits ({MATH}): rel {err:.3e} "
              f"(tol {TOL:.0e}), max abs {worst:.3e}, transformers on {dev}")
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
