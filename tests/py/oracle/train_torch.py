"""Training-side test oracle: losses, gradients and AdamW steps of Qwen3 models in PyTorch.

Built on the forward pass of qwen3_torch.py (plain torch ops, so autograd runs through it)
and written from the semantics of PyTorch and transformers, not from the C code under test:

  * Loss of a batch (a list of examples, each run as its own sequence from position 0):
    logits at position t predict token t+1, which counts iff completion_mask[t+1] == 1
    (position 0 is never a target); loss = sum of cross-entropies over counted positions
    / number of counted positions in the whole batch.
  * K branches: z = sum_k w_k z_k (the WD-JT mix is w = (lambda, 1 - lambda)); cross-entropy,
    entropy and top-1 accuracy are those of softmax(z).
  * Gradients: torch autograd. A tied head is the embedding tensor itself, so its gradient
    is embedding + head gradient, under `model.embed_tokens.weight`.
  * Optimizer: torch.optim.AdamW (betas, eps, decoupled weight decay, bias correction) with
    weight decay on every parameter except norm weights and biases (names containing "norm"
    or ending in ".bias"); torch.nn.utils.clip_grad_norm_ over all parameters; learning rate
    LR * lambda(step) with transformers' get_{linear,cosine,constant}_schedule_with_warmup
    lambdas (src/transformers/optimization.py), stepped after each optimizer step.

Public functions:
    leaf_params(model_dir, dtype) -> (cfg, dict name -> leaf tensor requiring grad)
    batch_stats(branches, examples) -> dict(loss tensor, tokens, entropy, accuracy,
                                            correct, ambiguous)
        branches: list of (cfg, params, weight); examples: list of (ids, mask)
    grads(branches, examples) -> (stats, [dict name -> grad tensor per branch])
    lr_lambda(schedule, step, warmup, total)
    decays(name) -> bool
    sft_reference(model_dir, steps_examples, lr, schedule, warmup, max_grad_norm,
                  weight_decay, ...) -> (final params, per-step records)
    sft_reference_manual(...) -> final params: the same with AdamW written out by hand
    finite_difference_check(branches, examples, picks) -> (worst rel err, rows)
"""

import math

import torch

from . import qwen3_torch as q3


def leaf_params(model_dir, dtype=torch.float64):
    """Parameters of the checkpoint at model_dir as leaf tensors that require grad (one
    per stored parameter; a tied head is not a separate parameter)."""
    m = q3.load(model_dir, dtype)
    names = q3.expected_shapes(m.cfg)
    return m.cfg, {k: m.w[k].detach().clone().requires_grad_(True) for k in names}


def model_of(cfg, params):
    w = dict(params)
    dtype = next(iter(params.values())).dtype
    if cfg.tied:
        w["lm_head.weight"] = w["model.embed_tokens.weight"]
    return q3.Model(cfg, w, dtype)


def targets_of(ids, mask):
    """(positions t whose logits are scored, target ids ids[t+1])."""
    if mask is None:
        mask = [1] * len(ids)
    pos = [t for t in range(len(ids) - 1) if mask[t + 1] == 1]
    return pos, [ids[t + 1] for t in pos]


def batch_stats(branches, examples, forward=None):
    """branches: list of (cfg, params, weight). examples: list of (ids, mask or None).
    Returns a dict: loss (0-dim tensor carrying the graph), tokens, entropy (mean nats over
    counted positions), accuracy, correct (count), ambiguous (counted positions whose top
    two mixed logits are within 1e-5 * max|z| of each other: float32 may pick either)."""
    fwd = forward or q3.forward
    models = [(model_of(c, p), w) for c, p, w in branches]
    total = None
    n = 0
    ent = 0.0
    correct = 0
    ambiguous = 0
    for ids, mask in examples:
        pos, tgt = targets_of(ids, mask)
        if not pos:
            continue
        z = None
        for m, w in models:
            zk = fwd(m, ids)[pos]                                   # (n_i, V)
            z = w * zk if z is None else z + w * zk
        tgt_t = torch.tensor(tgt, dtype=torch.int64)
        lse = torch.logsumexp(z, dim=-1)
        ce = lse - z.gather(1, tgt_t[:, None])[:, 0]
        s = ce.sum()
        total = s if total is None else total + s
        n += len(pos)
        with torch.no_grad():
            zd = z.detach()
            p = torch.softmax(zd, dim=-1)
            ent += float((lse.detach() - (p * zd).sum(-1)).sum())
            top2 = zd.topk(2, dim=-1)
            correct += int((top2.indices[:, 0] == tgt_t).sum())
            gap = top2.values[:, 0] - top2.values[:, 1]
            close = gap <= 1e-5 * zd.abs().max()
            # a near tie that involves the target can flip the count either way
            involved = (top2.indices[:, 0] == tgt_t) | (top2.indices[:, 1] == tgt_t)
            ambiguous += int((close & involved).sum())
    if n == 0:
        raise ValueError("batch has no counted positions")
    return {"loss": total / n, "tokens": n, "entropy": ent / n, "accuracy": correct / n,
            "correct": correct, "ambiguous": ambiguous}


def grads(branches, examples, forward=None):
    """Loss statistics and the gradient of every parameter of every branch."""
    for _, p, _ in branches:
        for t in p.values():
            t.grad = None
    st = batch_stats(branches, examples, forward)
    st["loss"].backward()
    out = []
    for _, p, _ in branches:
        out.append({k: (t.grad.detach().clone() if t.grad is not None
                        else torch.zeros_like(t)) for k, t in p.items()})
    st["loss"] = float(st["loss"].detach())
    return st, out


def finite_difference_check(branches, examples, picks, h=1e-5, forward=None):
    """Central differences of the loss for entries picks = [(branch, name, flat index)];
    returns the worst |fd - autograd| / max(|autograd|, 1e-3 * max over picks) and the
    list of (name, fd, ag). Use float64 parameters. forward: as for batch_stats."""
    _, g = grads(branches, examples, forward)
    rows = []
    for b, name, idx in picks:
        t = branches[b][1][name]
        with torch.no_grad():
            flat = t.view(-1)
            old = float(flat[idx])
            flat[idx] = old + h
            lp = float(batch_stats(branches, examples, forward)["loss"])
            flat[idx] = old - h
            lm = float(batch_stats(branches, examples, forward)["loss"])
            flat[idx] = old
        rows.append((name, (lp - lm) / (2 * h), float(g[b][name].view(-1)[idx])))
    scale = max(abs(ag) for _, _, ag in rows)
    worst = max(abs(fd - ag) / max(abs(ag), 1e-3 * scale) for _, fd, ag in rows)
    return worst, rows


# ---- optimizer --------------------------------------------------------------------

def lr_lambda(schedule, step, warmup, total):
    """transformers' schedule lambdas (optimization.py), step 0-based."""
    if step < warmup:
        return float(step) / float(max(1, warmup))
    if schedule == "constant":
        return 1.0
    if schedule == "linear":
        return max(0.0, float(total - step) / float(max(1, total - warmup)))
    if schedule == "cosine":
        progress = float(step - warmup) / float(max(1, total - warmup))
        return max(0.0, 0.5 * (1.0 + math.cos(math.pi * 0.5 * 2.0 * progress)))
    raise ValueError(f"unknown schedule {schedule!r}")


def decays(name):
    """Hugging Face Trainer convention: no weight decay on biases and norm weights."""
    return not ("norm" in name or name.endswith(".bias"))


def sft_reference(model_dir, steps, lr, schedule, warmup, max_grad_norm, weight_decay,
                  betas=(0.9, 0.999), eps=1e-8, decay_rule=decays, clip=True,
                  dtype=torch.float64):
    """Reference SFT run. steps: list (one per optimizer step) of lists of examples.
    Each step's loss is that of one batch of all its examples (sum CE / counted tokens).
    Returns (params dict name -> tensor, records: list of dict(loss, lr, grad_norm))."""
    cfg, params = leaf_params(model_dir, dtype)
    names = list(params)
    dec = [params[k] for k in names if decay_rule(k)]
    nodec = [params[k] for k in names if not decay_rule(k)]
    groups = [{"params": dec, "weight_decay": weight_decay}]
    if nodec:
        groups.append({"params": nodec, "weight_decay": 0.0})
    opt = torch.optim.AdamW(groups, lr=lr, betas=betas, eps=eps)
    total = len(steps)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: lr_lambda(schedule, s, warmup, total))
    records = []
    for exs in steps:
        opt.zero_grad(set_to_none=True)
        st = batch_stats([(cfg, params, 1.0)], exs)
        st["loss"].backward()
        allp = [params[k] for k in names]
        if clip and max_grad_norm > 0:
            norm = float(torch.nn.utils.clip_grad_norm_(allp, max_grad_norm))
        else:
            norm = float(torch.sqrt(sum((p.grad.double() ** 2).sum() for p in allp
                                        if p.grad is not None)))
        cur_lr = opt.param_groups[0]["lr"]
        opt.step()
        sched.step()
        records.append({"loss": float(st["loss"].detach()), "lr": cur_lr, "grad_norm": norm,
                        "tokens": st["tokens"]})
    return {k: v.detach() for k, v in params.items()}, records


def sft_reference_manual(model_dir, steps, lr, schedule, warmup, max_grad_norm,
                         weight_decay, betas=(0.9, 0.999), eps=1e-8):
    """sft_reference written out by hand (a second formulation, to check the first):
    g <- g * min(1, G / (|g| + 1e-6)); p <- p * (1 - lr_s * wd_p);
    m <- b1 m + (1 - b1) g; v <- b2 v + (1 - b2) g^2;
    p <- p - lr_s * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)."""
    cfg, params = leaf_params(model_dir, torch.float64)
    names = list(params)
    m = {k: torch.zeros_like(params[k]) for k in names}
    v = {k: torch.zeros_like(params[k]) for k in names}
    b1, b2 = betas
    total = len(steps)
    for s, exs in enumerate(steps):
        _, (g,) = grads([(cfg, params, 1.0)], exs)
        norm = math.sqrt(sum(float((g[k] ** 2).sum()) for k in names))
        if max_grad_norm > 0:
            c = min(1.0, max_grad_norm / (norm + 1e-6))
            g = {k: x * c for k, x in g.items()}
        lr_s = lr * lr_lambda(schedule, s, warmup, total)
        t = s + 1
        with torch.no_grad():
            for k in names:
                p = params[k]
                if decays(k):
                    p.mul_(1 - lr_s * weight_decay)
                m[k] = b1 * m[k] + (1 - b1) * g[k]
                v[k] = b2 * v[k] + (1 - b2) * g[k] ** 2
                mh = m[k] / (1 - b1 ** t)
                vh = v[k] / (1 - b2 ** t)
                p.sub_(lr_s * mh / (vh.sqrt() + eps))
    return {k: x.detach() for k, x in params.items()}
