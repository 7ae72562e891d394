#!/usr/bin/env bash
# wmss sft end to end on tiny models: it learns (memorizes 8 examples), saves a model
# directory that loads, refuses to overwrite a previous run, resumes bit for bit from
# a checkpoint and after Ctrl-C, and a kill -9 during checkpoint writes never leaves an
# unloadable newest checkpoint.
set -u
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
PY=/usr/bin/python3
cd "$T"

"$WMSS" init-model --out base --vocab-size 50 --layers 2 --seed 3 >/dev/null || fail "init-model"
$PY - <<'PY' > mem.jsonl
import json, random
r = random.Random(0)
for i in range(8):
    p = [r.randrange(1, 50) for _ in range(r.randrange(3, 8))]
    c = [r.randrange(1, 50) for _ in range(r.randrange(3, 10))]
    print(json.dumps({"input_ids": p + c, "completion_mask": [0] * len(p) + [1] * len(c)}))
PY

# 1. Learning: 8 examples memorized.
"$WMSS" sft --model base --data mem.jsonl --out mem --epochs 120 --batch 8 --micro-batch 3 --lr 1e-2 \
    --warmup-steps 0 --lr-schedule constant > sft.log 2>&1 || { cat sft.log; fail "sft"; }
loss=$($PY -c "import json; print(json.loads(open('mem/metrics.jsonl').readlines()[-1])['loss'])")
$PY -c "import sys; sys.exit(0 if $loss < 0.05 else 1)" || fail "final loss $loss >= 0.05"
echo "ok   memorized 8 examples: final loss $loss"
n=$(wc -l < mem/metrics.jsonl); [ "$n" -eq 120 ] || fail "metrics.jsonl has $n lines, want 120"
$PY - <<'PY' || fail "metrics fields"
import json
for line in open("mem/metrics.jsonl"):
    m = json.loads(line)
    for k in ("step", "epoch", "loss", "lr", "grad_norm", "tokens_per_s", "entropy", "token_accuracy"):
        assert k in m, k
PY
# The saved directory loads and assigns high probability to the memorized completions.
"$WMSS" logits --model mem --ids "$($PY -c "import json; print(','.join(map(str, json.loads(open('mem.jsonl').readline())['input_ids'])))")" --score > score.txt || fail "trained model does not load"
echo "ok   trained model loads: $(cat score.txt)"

# 2. A second run into the same directory is refused.
"$WMSS" sft --model base --data mem.jsonl --out mem --epochs 1 > refuse.log 2>&1 && fail "overwrote a finished run"
grep -q "already holds a model" refuse.log || fail "no clear refusal: $(cat refuse.log)"
echo "ok   refuses to overwrite a finished run"

# 3. Resume from a checkpoint: bit-identical to a straight run (one thread).
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
common=(--model base --data mem.jsonl --epochs 3 --batch 3 --micro-batch 2 --lr 3e-3 --warmup-ratio 0.3
        --lr-schedule cosine --max-grad-norm 0.5 --weight-decay 0.1 --seed 7)
"$WMSS" sft "${common[@]}" --out straight > /dev/null 2>&1 || fail "straight run"
"$WMSS" sft "${common[@]}" --out split --save-every 4 --keep-checkpoints 5 > /dev/null 2>&1 || fail "checkpointed run"
[ -d split/checkpoint-4 ] && [ -d split/checkpoint-8 ] || fail "checkpoints missing: $(ls split)"
mkdir resumed && cp -r split/checkpoint-4 resumed/ && head -n 4 split/metrics.jsonl > resumed/metrics.jsonl
"$WMSS" sft "${common[@]}" --out resumed --resume > resume.log 2>&1 || { cat resume.log; fail "resume"; }
cmp straight/model.safetensors resumed/model.safetensors || fail "resumed weights differ from the straight run"
cmp <(cut -d, -f1-5 straight/metrics.jsonl) <(cut -d, -f1-5 resumed/metrics.jsonl) || fail "metrics differ after resume"
echo "ok   resume from checkpoint-4 of 9 steps: weights bit-identical to a straight run"

# 4. Ctrl-C writes a checkpoint; --resume finishes with the same weights.
"$WMSS" init-model --out base2 --vocab-size 300 --layers 2 --hidden-size 64 --seed 4 >/dev/null
$PY - <<'PY' > big.jsonl
import json, random
r = random.Random(1)
for i in range(64):
    ids = [r.randrange(1, 300) for _ in range(r.randrange(40, 120))]
    print(json.dumps({"input_ids": ids}))
PY
common2=(--model base2 --data big.jsonl --epochs 8 --batch 4 --micro-batch 2 --lr 1e-3 --seed 3)
"$WMSS" sft "${common2[@]}" --out straight2 > /dev/null 2>&1 || fail "straight run 2"
"$WMSS" sft "${common2[@]}" --out int2 > int.log 2>&1 &
pid=$!
sleep 1.5
kill -INT $pid
wait $pid; rc=$?
if [ $rc -eq 0 ]; then
    echo "note: the run finished before Ctrl-C arrived; interrupt check skipped"
else
    [ $rc -eq 130 ] || { cat int.log; fail "interrupted run exited $rc, want 130"; }
    grep -q "continue with --resume" int.log || fail "no resume hint: $(tail -2 int.log)"
    ls -d int2/checkpoint-* > /dev/null || fail "no checkpoint after Ctrl-C"
    "$WMSS" sft "${common2[@]}" --out int2 --resume > /dev/null 2>&1 || fail "resume after Ctrl-C"
    cmp straight2/model.safetensors int2/model.safetensors || fail "weights after Ctrl-C + resume differ"
    echo "ok   Ctrl-C at $(grep -o 'step [0-9]*' int.log | tail -1): checkpoint, resume, bit-identical weights"
fi

# 5. kill -9 while checkpoints are being written: the newest checkpoint always loads.
for delay in 0.3 0.7 1.1 1.6; do
    rm -rf k9
    "$WMSS" sft "${common2[@]}" --out k9 --save-every 1 --keep-checkpoints 2 > /dev/null 2>&1 &
    pid=$!
    sleep $delay
    kill -9 $pid; wait $pid 2>/dev/null
    latest=$(ls -d k9/checkpoint-* 2>/dev/null | sed 's/.*checkpoint-//' | sort -n | tail -1)
    [ -n "$latest" ] || continue
    "$WMSS" logits --model "k9/checkpoint-$latest" --ids 1,2,3 --score > /dev/null || fail "checkpoint-$latest unloadable after kill -9"
    "$WMSS" sft "${common2[@]}" --out k9 --resume > /dev/null 2>&1 || fail "resume after kill -9 at checkpoint-$latest"
    cmp straight2/model.safetensors k9/model.safetensors || fail "weights after kill -9 + resume differ"
    echo "ok   kill -9 after ${delay}s: checkpoint-$latest loads, resume gives identical weights"
done
echo "all sft checks passed"
