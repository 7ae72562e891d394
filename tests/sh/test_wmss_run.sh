#!/usr/bin/env bash
# The WMSS method end to end on a tiny model: `wmss run` (SFT -> entropy x2 -> select
# -> joint) finishes, every phase's outputs exist and load, the final model differs
# from M1, the log shows the active-set statistics; a rerun continues from the last
# finished phase; Ctrl-C during joint training and a rerun give the same final model
# as an uninterrupted run. Also: joint training at lambda = 1 with a frozen weak model
# is bitwise an SFT step; each branch's own loss in the joint metrics.
set -u
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
PY=/usr/bin/python3
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1  # bitwise comparisons below
cd "$T"
"$WMSS" init-model --out m0 --vocab-size 80 --layers 2 --hidden-size 32 --heads 4 --kv-heads 2 --head-dim 8 \
    --intermediate-size 64 --seed 5 > /dev/null || fail "init-model"
$PY - <<'PY' > d.jsonl
import json, random
r = random.Random(2)
for i in range(24):
    p = [r.randrange(1, 80) for _ in range(r.randrange(3, 8))]
    c = [r.randrange(1, 80) for _ in range(r.randrange(2, 9))]
    print(json.dumps({"input_ids": p + c, "completion_mask": [0] * len(p) + [1] * len(c), "id": "ex%d" % i}))
PY
args=(--model m0 --data d.jsonl --lr 5e-3 --batch 4 --micro-batch 2 --warmup-ratio 0 --sft-epochs 2 --joint-epochs 2)

"$WMSS" run "${args[@]}" --out run > run.log 2>&1 || { cat run.log; fail "wmss run"; }
for f in m1/config.json m1/model.safetensors m1/metrics.jsonl round-1/entropy-weak.jsonl round-1/entropy-strong.jsonl \
         round-1/active.jsonl round-1/select-stats.json round-1/joint/model.safetensors round-1/joint/metrics.jsonl \
         final/model.safetensors final/config.json; do
    [ -s "run/$f" ] || fail "missing run/$f"
done
for m in run/m1 run/round-1/joint run/final; do
    "$WMSS" logits --model "$m" --ids 1,2,3 --score > /dev/null || fail "$m does not load"
done
cmp -s run/m1/model.safetensors run/final/model.safetensors && fail "final model equals M1"
grep -q "select: |D| 24, draws 24, unique" run.log || fail "no active-set statistics in the log"
grep -q '"strong_loss".*"weak_loss"' run/round-1/joint/metrics.jsonl || fail "joint metrics lack the branches' own losses"
n_active=$(wc -l < run/round-1/active.jsonl)
unique=$($PY -c "import json; print(json.load(open('run/round-1/select-stats.json'))['unique'])")
[ "$n_active" -eq "$unique" ] || fail "active set has $n_active lines, stats say $unique"
$PY - <<'PY' || fail "active set"
import json
src = [json.loads(l) for l in open("d.jsonl")]
act = [json.loads(l) for l in open("run/round-1/active.jsonl")]
idx = [a.pop("wmss_index") for a in act]
assert len(set(idx)) == len(idx), "duplicates"
assert all(a == src[i] for a, i in zip(act, idx)), "lines differ from the data"
ents = [json.loads(l) for l in open("run/round-1/entropy-weak.jsonl")]
assert [e["id"] for e in ents] == ["ex%d" % i for i in range(24)], "ids not carried"
PY
echo "ok   wmss run: all phases written and loadable; final != M1; active set $n_active of 24 (log: $(grep 'select: ' run.log))"

# Rerun after removing the last phases: earlier phases are not redone, the result is the same.
cp run/final/model.safetensors first-final.safetensors
rm -rf run/round-1/joint run/final run/round-1/select-stats.json run/round-1/active.jsonl
"$WMSS" run "${args[@]}" --out run > rerun.log 2>&1 || { cat rerun.log; fail "rerun"; }
grep -q "phase 1 already done" rerun.log || fail "phase 1 was redone"
grep -q "entropy of the" rerun.log && fail "entropy was recomputed"
cmp run/final/model.safetensors first-final.safetensors || fail "rerun final differs from the first run's"
echo "ok   rerun continues from the first unfinished phase"

# An uninterrupted reference, and a run interrupted by Ctrl-C during joint training.
"$WMSS" run "${args[@]}" --joint-epochs 40 --out ref > ref.log 2>&1 || fail "reference run"
"$WMSS" run "${args[@]}" --joint-epochs 40 --out int > int.log 2>&1 &
pid=$!
for i in $(seq 1 200); do [ -f int/round-1/joint/metrics.jsonl ] && [ "$(wc -l < int/round-1/joint/metrics.jsonl)" -ge 5 ] && break; sleep 0.05; done
kill -INT $pid; wait $pid; rc=$?
if [ $rc -eq 0 ]; then
    echo "note: the run finished before Ctrl-C arrived; interrupt check skipped"
else
    [ $rc -eq 130 ] || { cat int.log; fail "interrupted run exited $rc"; }
    "$WMSS" run "${args[@]}" --joint-epochs 40 --out int > int2.log 2>&1 || { cat int2.log; fail "rerun after Ctrl-C"; }
    grep -q "resuming from" int2.log || fail "joint training did not resume"
    cmp ref/final/model.safetensors int/final/model.safetensors || fail "interrupted + resumed run differs from the reference"
    echo "ok   Ctrl-C during joint training, rerun resumes: final model bit-identical to an uninterrupted run"
fi

# lambda = 1 with a frozen weak model: bitwise the same strong weights as SFT.
common=(--data d.jsonl --epochs 1 --batch 8 --micro-batch 3 --lr 1e-2 --warmup-steps 0 --no-shuffle --max-grad-norm 0.5)
"$WMSS" sft --model run/m1 "${common[@]}" --out s1 > /dev/null 2>&1 || fail "sft"
"$WMSS" joint --strong run/m1 --weak m0 --lambda 1 --freeze-weak "${common[@]}" --out j1 > /dev/null 2>&1 || fail "joint"
cmp s1/model.safetensors j1/model.safetensors || fail "joint(lambda=1, frozen weak) != sft"
echo "ok   joint at lambda=1 with a frozen weak model == sft, bit for bit (3 steps, clipping on)"

# Each branch's own loss in the joint metrics: the strong model's is SFT's loss (the same
# weights, step by step); a frozen weak model's depends on the batch alone (the same at
# lambda 0.5 and 1); both start at what SFT of that model logs before its first update.
"$WMSS" sft --model m0 "${common[@]}" --out s0 > /dev/null 2>&1 || fail "sft of m0"
"$WMSS" joint --strong run/m1 --weak m0 --lambda 0.5 --freeze-weak "${common[@]}" --out j3 > /dev/null 2>&1 || fail "joint 3"
$PY - <<'PY' || fail "branch losses in the joint metrics"
import json
m = {d: [json.loads(l) for l in open(d + "/metrics.jsonl")] for d in ("s1", "s0", "j1", "j3")}
close = lambda a, b: abs(a - b) <= 2e-6 * abs(b)
assert len(m["j1"]) == len(m["s1"]) == 3, [len(v) for v in m.values()]
for a, b in zip(m["j1"], m["s1"]):
    assert close(a["strong_loss"], b["loss"]) and close(a["loss"], b["loss"]), (a, b)
for a, b in zip(m["j1"], m["j3"]):
    assert a["weak_loss"] == b["weak_loss"] and a["weak_entropy"] == b["weak_entropy"], (a, b)
assert close(m["j3"][0]["weak_loss"], m["s0"][0]["loss"]), (m["j3"][0], m["s0"][0])
assert close(m["j3"][0]["strong_loss"], m["s1"][0]["loss"]), (m["j3"][0], m["s1"][0])
assert m["j3"][1]["strong_loss"] != m["j1"][1]["strong_loss"], "lambda changed nothing"
assert all(0 <= x["weak_token_accuracy"] <= 1 for x in m["j3"])
PY
echo "ok   joint metrics: strong_loss = SFT's loss step by step; a frozen weak model's weak_loss independent of lambda and = SFT's first loss"

# Joint training updates the weak model too unless frozen; --save-weak keeps it.
"$WMSS" joint --strong run/m1 --weak m0 --lambda 0.5 "${common[@]}" --out j2 --save-weak > /dev/null 2>&1 || fail "joint 2"
[ -f j2/weak/model.safetensors ] || fail "--save-weak wrote no weak model"
cmp -s j2/weak/model.safetensors m0/model.safetensors && fail "the weak model was not updated"
echo "all wmss run checks passed"
