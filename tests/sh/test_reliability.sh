#!/usr/bin/env bash
# Divergence and one writer per output (issue 14). A run whose learning rate makes it
# diverge stops at the first non-finite loss or gradient norm with a message naming the
# step and branch, writes no final model, sets the checkpoint of the bad weights aside,
# and --resume with a sane rate from the last good checkpoint finishes. Two concurrent
# runs into one directory: exactly one proceeds, the other fails at once naming the
# holder's pid; after kill -9 of the holder a new run takes the directory with --resume.
set -u
T=$(mktemp -d); trap 'kill -9 $(jobs -p) 2>/dev/null; rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
PY=/usr/bin/python3
cd "$T"
"$WMSS" init-model --out base --vocab-size 50 --layers 2 --seed 3 > /dev/null || fail "init-model"
$PY - <<'PY'
import json, random
r = random.Random(0)
with open("mem.jsonl", "w") as f:
    for i in range(8):
        p = [r.randrange(1, 50) for _ in range(4)]; c = [r.randrange(1, 50) for _ in range(6)]
        f.write(json.dumps({"input_ids": p + c, "completion_mask": [0] * 4 + [1] * 6}) + "\n")
PY

# 1. Divergence: warmup from lr 0, so step 1 is sane and step 2's update explodes.
C=(--model base --data mem.jsonl --out div --epochs 5 --batch 4 --warmup-steps 2 --save-every 1 --keep-checkpoints 3)
"$WMSS" sft "${C[@]}" --lr 1e30 > div.log 2>&1 && fail "a diverging run exited 0"
grep -Eq "step [0-9]+: the (loss|gradient norm) is not finite .* in branch 0, the model" div.log || fail "no message: $(cat div.log)"
grep -q "resume from the last good checkpoint div/checkpoint-1" div.log || fail "no checkpoint named: $(cat div.log)"
[ -e div/model.safetensors ] && fail "a final model was written"
[ -d div/checkpoint-1 ] || fail "the good checkpoint is gone: $(ls div)"
$PY -c '
import json
for l in open("div/metrics.jsonl"): json.loads(l, parse_constant=lambda c: 1 / 0)' || fail "metrics.jsonl holds a bare nan/inf"
echo "ok   diverging run stopped: $(tail -1 div.log | cut -c1-160)"
"$WMSS" sft "${C[@]}" --lr 1e-3 --resume > res.log 2>&1 || fail "resume with a sane rate: $(cat res.log)"
grep -q "resuming from div/checkpoint-1" res.log || fail "did not resume from checkpoint-1: $(cat res.log)"
"$WMSS" logits --model div --ids 1,2,3 --score > /dev/null || fail "the resumed model does not load"
echo "ok   --resume from checkpoint-1 with --lr 1e-3 finished"
# A finished run resumed again says so (not "last loss 0.0000").
"$WMSS" sft "${C[@]}" --lr 1e-3 --resume > again.log 2>&1 || fail "resume of a finished run"
grep -q "already finished at step 10" again.log || fail "finished run: $(cat again.log)"
echo "ok   resuming a finished run: $(tail -1 again.log)"

# 2. Lock: a long run holds big/; a second run fails at once naming its pid.
$PY -c '
import json
with open("big.jsonl", "w") as f:
    for i in range(64): f.write(json.dumps({"input_ids": list(range(1, 49)), "completion_mask": [0] + [1] * 47}) + "\n")'
L=(--model base --data big.jsonl --out big --epochs 400 --batch 8 --micro-batch 1 --lr 1e-4 --save-every 1)
"$WMSS" sft "${L[@]}" > holder.log 2>&1 &
holder=$!
# Any checkpoint: with --save-every 1 and 2 kept, checkpoint-1 lives for two steps only.
have_ckpt() { compgen -G "big/checkpoint-[0-9]*" > /dev/null; }
for _ in $(seq 900); do have_ckpt && break; sleep 0.2; done  # slow under ASan
have_ckpt || fail "the first run wrote no checkpoint: $(cat holder.log)"
t0=$(date +%s.%N)
"$WMSS" sft "${L[@]}" --resume > second.log 2>&1 && fail "a second writer proceeded"
dt=$($PY -c "print(round($(date +%s.%N) - $t0, 2))")
grep -q "big is in use by another wmss run (pid $holder" second.log || fail "no holder pid: $(cat second.log)"
$PY -c "import sys; sys.exit(0 if $dt < 10 else 1)" || fail "the second run took ${dt}s to fail"
kill -0 $holder 2>/dev/null || fail "the holder stopped"
echo "ok   second writer refused in ${dt}s: $(tail -1 second.log | cut -c1-120)"
"$WMSS" sft "${L[@]}" --overwrite > third.log 2>&1 && fail "--overwrite took a held directory"
grep -q "pid $holder" third.log || fail "--overwrite: $(cat third.log)"
# kill -9: the kernel drops the lock; a new run takes the directory with --resume.
kill -9 $holder; wait $holder 2>/dev/null
[ -e big/.wmss.lock ] || fail "no lock file"
L2=(--model base --data big.jsonl --out big --epochs 400 --batch 8 --micro-batch 1 --lr 1e-4 --save-every 1)
"$WMSS" sft "${L2[@]}" --resume > taker.log 2>&1 &
taker=$!
for _ in $(seq 900); do grep -q "resuming from" taker.log && break; sleep 0.2; done
grep -q "resuming from big/checkpoint-" taker.log || fail "the new run did not resume: $(cat taker.log)"
kill -9 $taker; wait $taker 2>/dev/null
echo "ok   after kill -9 of the holder a new run took big/ with --resume"
