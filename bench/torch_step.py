#!/usr/bin/python3
"""The PyTorch reference of `wmss bench`: one SFT training step of a Qwen3-like model.

Same model, batch, sequence length and thread count as wmss's step; fp32, CPU, AdamW.
With --device cuda: the same step on the GPU in the usual mixed precision (float32
parameters and AdamW state, bf16 autocast for the forward pass), the step timed
between torch.cuda.synchronize() calls.
The model is written with plain torch ops and nn.Linear, as transformers' Qwen3 does:
embedding, per layer RMSNorm -> q/k/v projections -> per-head RMSNorm of q and k ->
RoPE (rotate-half) -> grouped-query causal attention (scaled_dot_product_attention;
torch 1.13's private _scaled_dot_product_attention where the public one is missing) ->
o_proj -> residual, RMSNorm -> SwiGLU MLP -> residual; final RMSNorm; tied or untied
head; mean cross-entropy over every next-token target (B * (T - 1) of them).

A step is zero_grad + forward + loss + backward + clip_grad_norm_(1.0) + AdamW step (as
wmss's trainer takes it). `warmup` steps run
first and are not timed; the median of `steps` timed steps is reported. Prints one JSON
object: tokens_per_s (B*T / median step seconds), step_s, the torch version and the BLAS
library the process mapped.

    python3 bench/torch_step.py --vocab 32768 --hidden 768 --layers 12 --heads 12 \
        --kv-heads 4 --head-dim 64 --intermediate 2048 [--tied] --batch 4 --seq 512 \
        --steps 3 --warmup 1 --threads 2
"""

import argparse
import json
import math
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class RMSNorm(nn.Module):
    def __init__(self, n, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(n))
        self.eps = eps

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


def causal_attention(q, k, v):
    """q (B, H, T, D), k and v (B, H, T, D) -> (B, H, T, D)."""
    if hasattr(F, "scaled_dot_product_attention"):
        return F.scaled_dot_product_attention(q, k, v, is_causal=True)
    return F._scaled_dot_product_attention(q, k, v, None, 0.0, False, True)[0]


class Layer(nn.Module):
    def __init__(self, a):
        super().__init__()
        C, H, KV, D, I = a.hidden, a.heads, a.kv_heads, a.head_dim, a.intermediate
        self.H, self.KV, self.D = H, KV, D
        self.input_layernorm = RMSNorm(C, a.eps)
        self.q_proj = nn.Linear(C, H * D, bias=False)
        self.k_proj = nn.Linear(C, KV * D, bias=False)
        self.v_proj = nn.Linear(C, KV * D, bias=False)
        self.o_proj = nn.Linear(H * D, C, bias=False)
        self.q_norm = RMSNorm(D, a.eps)
        self.k_norm = RMSNorm(D, a.eps)
        self.post_attention_layernorm = RMSNorm(C, a.eps)
        self.gate_proj = nn.Linear(C, I, bias=False)
        self.up_proj = nn.Linear(C, I, bias=False)
        self.down_proj = nn.Linear(I, C, bias=False)

    def forward(self, x, cos, sin):
        B, T, _ = x.shape
        h = self.input_layernorm(x)
        q = self.q_norm(self.q_proj(h).view(B, T, self.H, self.D)).transpose(1, 2)    # (B, H, T, D)
        k = self.k_norm(self.k_proj(h).view(B, T, self.KV, self.D)).transpose(1, 2)   # (B, KV, T, D)
        v = self.v_proj(h).view(B, T, self.KV, self.D).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        rep = self.H // self.KV  # transformers' repeat_kv
        k = k.repeat_interleave(rep, dim=1)
        v = v.repeat_interleave(rep, dim=1)
        o = causal_attention(q, k, v).transpose(1, 2).reshape(B, T, self.H * self.D)
        x = x + self.o_proj(o)
        h = self.post_attention_layernorm(x)
        return x + self.down_proj(F.silu(self.gate_proj(h)) * self.up_proj(h))


class Model(nn.Module):
    def __init__(self, a):
        super().__init__()
        self.embed_tokens = nn.Embedding(a.vocab, a.hidden)
        self.layers = nn.ModuleList(Layer(a) for _ in range(a.layers))
        self.norm = RMSNorm(a.hidden, a.eps)
        self.lm_head = nn.Linear(a.hidden, a.vocab, bias=False)
        if a.tied:
            self.lm_head.weight = self.embed_tokens.weight
        for p in self.parameters():
            if p.dim() == 2:
                nn.init.normal_(p, std=0.02)
        inv_freq = 1.0 / (a.rope_theta ** (torch.arange(0, a.head_dim, 2).float() / a.head_dim))
        angle = torch.outer(torch.arange(a.seq).float(), inv_freq)
        emb = torch.cat((angle, angle), dim=-1)  # (T, D)
        self.register_buffer("cos", emb.cos(), persistent=False)
        self.register_buffer("sin", emb.sin(), persistent=False)

    def forward(self, ids):
        x = self.embed_tokens(ids)
        for layer in self.layers:
            x = layer(x, self.cos, self.sin)
        return self.lm_head(self.norm(x))


def blas_library():
    try:
        with open("/proc/self/maps") as f:
            libs = {line.split()[-1] for line in f if "blas" in line.lower() and "/" in line}
        return sorted(libs)
    except OSError:
        return []


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--vocab", type=int, default=32768)
    p.add_argument("--hidden", type=int, required=True)
    p.add_argument("--layers", type=int, required=True)
    p.add_argument("--heads", type=int, required=True)
    p.add_argument("--kv-heads", type=int, required=True)
    p.add_argument("--head-dim", type=int, default=64)
    p.add_argument("--intermediate", type=int, required=True)
    p.add_argument("--tied", action="store_true")
    p.add_argument("--batch", type=int, required=True)
    p.add_argument("--seq", type=int, required=True)
    p.add_argument("--steps", type=int, default=3)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--threads", type=int, default=torch.get_num_threads())
    p.add_argument("--eps", type=float, default=1e-6)
    p.add_argument("--rope-theta", type=float, default=1e6)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    a = p.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    dev = torch.device(a.device)
    model = Model(a).to(dev)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-5, weight_decay=0.0)
    ids = torch.randint(0, a.vocab, (a.batch, a.seq), device=dev)
    inputs, targets = ids, ids[:, 1:].reshape(-1)
    cuda = a.device == "cuda"

    def forward():
        return model(inputs)[:, :-1].reshape(-1, a.vocab)  # (B*(T-1), V)

    def step():
        opt.zero_grad(set_to_none=False)
        if cuda:
            with torch.autocast("cuda", dtype=torch.bfloat16):
                logits = forward()
        else:
            logits = forward()
        loss = F.cross_entropy(logits.float(), targets)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        loss = loss.item()  # waits for the step
        if cuda:
            torch.cuda.synchronize()
        return loss

    for _ in range(a.warmup):
        step()
    times = []
    for _ in range(a.steps):
        t0 = time.perf_counter()
        loss = step()
        times.append(time.perf_counter() - t0)
    t = sorted(times)
    med = t[len(t) // 2] if len(t) % 2 else 0.5 * (t[len(t) // 2 - 1] + t[len(t) // 2])
    n_params = sum(p.numel() for p in model.parameters())
    print(json.dumps({
        "tokens_per_s": a.batch * a.seq / med,
        "step_s": med,
        "step_s_all": times,
        "loss": loss if math.isfinite(loss) else None,
        "params": n_params,
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "blas": blas_library() if not cuda else [torch.cuda.get_device_name()],
        "device": a.device,
        "peak_mem_gib": torch.cuda.max_memory_allocated() / 2**30 if cuda else None,
    }))


if __name__ == "__main__":
    main()
