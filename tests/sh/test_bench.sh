#!/usr/bin/env bash
# wmss bench smoke test: the smallest size, one timed step, with the PyTorch reference.
# Checks the JSON line's keys and that every number is positive and finite; no timing
# assertions (machines are shared and noisy). Also: a bad --sizes is a usage error.
set -u
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
PY=/usr/bin/python3

"$WMSS" bench --sizes 1m --steps 1 --json > "$T/out.jsonl" 2> "$T/err.txt" || { cat "$T/err.txt"; fail "wmss bench"; }
$PY - "$T/out.jsonl" <<'PY' || fail "bench JSON"
import json, math, sys
lines = [l for l in open(sys.argv[1]) if l.strip()]
assert len(lines) == 1, "%d lines, want 1" % len(lines)
r = json.loads(lines[0])
assert r["size"] == "1m", r["size"]
keys = ["params", "fwd_tokens_per_s", "sft_tokens_per_s", "joint_tokens_per_s", "torch_sft_tokens_per_s",
        "step_gflop", "step_gflops", "sgemm_gflops", "sft_vs_torch", "step_vs_sgemm", "joint_vs_sft_time"]
for k in keys:
    v = r[k]
    assert isinstance(v, (int, float)) and math.isfinite(v) and v > 0, "%s = %r" % (k, v)
assert 0.9e6 < r["params"] < 1.3e6, r["params"]
assert r["threads"] >= 1 and r["steps"] == 1 and r["batch"] * r["seq"] > 0
assert r["blas"] and r["torch_blas"], (r["blas"], r["torch_blas"])
print("ok   wmss bench --sizes 1m --steps 1 --json: sft %.0f tok/s, torch %.0f tok/s (%.2fx), %.1f GFLOP/s = %.0f%% of "
      "sgemm %.1f" % (r["sft_tokens_per_s"], r["torch_sft_tokens_per_s"], r["sft_vs_torch"], r["step_gflops"],
                      100 * r["step_vs_sgemm"], r["sgemm_gflops"]))
PY

"$WMSS" bench --sizes 3m --no-torch > /dev/null 2>&1
[ $? -eq 2 ] || fail "--sizes 3m should be a usage error (exit 2)"
echo "ok   unknown size is a usage error"
