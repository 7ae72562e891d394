#!/usr/bin/env bash
# The released code's variants and the NEFTune baseline on a tiny model:
# - wmss run --preset released-code: OUT/settings.json and the printed line carry the four
#   effective settings (selection preset, duplicates kept, joint loss on all positions, no
#   warmup); the active set has exactly |D| lines; the joint phase trains every position
#   and its first step runs at the peak learning rate. Explicit flags override the preset.
# - --loss-on all: every token after an example's first is trained (the data summary).
# - NEFTune: --neftune-alpha 0 is bit-identical to no flag; alpha 5 changes training and is
#   reproducible; joint at lambda 1 with a frozen weak model still equals SFT bit for bit
#   (branch 0 gets the same noise); noise never reaches scoring: a run with NEFTune writes
#   the same entropy files as `wmss entropy` on the same models, and a model's logits and
#   entropies do not depend on how it was trained.
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
    print(json.dumps({"input_ids": p + c, "completion_mask": [0] * len(p) + [1] * len(c)}))
PY
tokens=$($PY -c "import json; print(sum(len(json.loads(l)['input_ids']) for l in open('d.jsonl')))")
targets=$($PY -c "import json; print(sum(sum(json.loads(l)['completion_mask'][1:]) for l in open('d.jsonl')))")
args=(--model m0 --data d.jsonl --lr 5e-3 --batch 4 --micro-batch 2)

# --- wmss run --preset released-code ---------------------------------------------------
"$WMSS" run "${args[@]}" --preset released-code --out rc > rc.log 2>&1 || { cat rc.log; fail "run --preset released-code"; }
grep -q "== wmss run: settings (preset released-code): selection released-code, duplicates kept, joint loss on all positions, warmup none" rc.log \
    || { cat rc.log; fail "the effective settings were not printed"; }
$PY - "$tokens" "$targets" <<'PY' || fail "released-code run"
import json, sys
tokens, targets = int(sys.argv[1]), int(sys.argv[2])
s = json.load(open("rc/settings.json"))
want = {"preset": "released-code", "select_preset": "released-code", "keep_duplicates": True,
        "joint_loss_on": "all", "sft_loss_on": "completion", "warmup_ratio": 0, "warmup_steps": 0}
bad = {k: s.get(k) for k in want if s.get(k) != want[k]}
assert not bad, f"settings.json: {bad}, want {want}"
act = [json.loads(l) for l in open("rc/round-1/active.jsonl")]
assert len(act) == 24, f"active set has {len(act)} lines, want all 24 draws"
st = json.load(open("rc/round-1/select-stats.json"))
assert st["preset"] == "released-code" and st["keep_duplicates"] and st["written"] == 24, st
m = [json.loads(l) for l in open("rc/round-1/joint/metrics.jsonl")]
assert abs(m[0]["lr"] - 5e-3) < 1e-12, f"joint step 1 lr {m[0]['lr']}: warmup"
m1 = [json.loads(l) for l in open("rc/m1/metrics.jsonl")]
assert abs(m1[0]["lr"] - 5e-3) < 1e-12, f"sft step 1 lr {m1[0]['lr']}: warmup"
PY
# The joint phase's data line counts every position after each example's first (the
# active set's tokens), the SFT phase's the completion tokens of D.
grep -q "data d.jsonl: 24 examples, $tokens tokens ($targets trained)" rc.log || { cat rc.log; fail "SFT phase is not completion-only"; }
act_tok=$($PY -c "import json; a=[json.loads(l) for l in open('rc/round-1/active.jsonl')]; print(sum(len(x['input_ids']) for x in a), sum(len(x['input_ids']) - 1 for x in a))")
set -- $act_tok
grep -q "active.jsonl: 24 examples, $1 tokens ($2 trained)" rc.log || { cat rc.log; fail "joint phase did not train every position"; }
echo "ok   run --preset released-code: settings.json and the printed line; 24 of 24 draws kept; joint loss on all positions ($2 of $1 tokens); no warmup"

# The default (paper) records its settings too; explicit flags override the preset.
"$WMSS" run "${args[@]}" --preset released-code --select-preset paper --remove-duplicates --loss-on completion \
    --warmup-ratio 0.5 --rounds 1 --joint-epochs 1 --out ov > ov.log 2>&1 || { cat ov.log; fail "run with overrides"; }
$PY - <<'PY' || fail "overrides"
import json
s = json.load(open("ov/settings.json"))
want = {"preset": "released-code", "select_preset": "paper", "keep_duplicates": False, "joint_loss_on": "completion",
        "warmup_ratio": 0.5, "warmup_steps": None}
bad = {k: s.get(k) for k in want if s.get(k) != want[k]}
assert not bad, f"settings.json with overrides: {bad}, want {want}"
act = [json.loads(l)["wmss_index"] for l in open("ov/round-1/active.jsonl")]
assert len(set(act)) == len(act), "duplicates kept despite --remove-duplicates"
m = [json.loads(l) for l in open("ov/round-1/joint/metrics.jsonl")]
assert m[0]["lr"] < 5e-3, "no warmup despite --warmup-ratio 0.5"
PY
echo "ok   explicit --select-preset, --remove-duplicates, --loss-on, --warmup-ratio override --preset released-code"

# --- --loss-on all on joint and sft ------------------------------------------------------
common=(--data d.jsonl --epochs 1 --batch 8 --micro-batch 3 --lr 1e-2 --warmup-steps 0 --no-shuffle --max-grad-norm 0.5)
"$WMSS" joint --strong rc/m1 --weak m0 "${common[@]}" --loss-on all --out jall > jall.log 2>&1 || { cat jall.log; fail "joint --loss-on all"; }
grep -q "data d.jsonl: 24 examples, $tokens tokens ($((tokens - 24)) trained)" jall.log || { cat jall.log; fail "joint --loss-on all: not every position trained"; }
"$WMSS" sft --model m0 "${common[@]}" --loss-on bogus --out bad > bad.log 2>&1 && fail "--loss-on bogus accepted"
echo "ok   joint --loss-on all trains $((tokens - 24)) of $tokens tokens (completion: $targets); a bad value is refused"

# --- NEFTune -----------------------------------------------------------------------------
"$WMSS" sft --model m0 "${common[@]}" --out s0 > /dev/null 2>&1 || fail "sft"
"$WMSS" sft --model m0 "${common[@]}" --neftune-alpha 0 --out sa0 > /dev/null 2>&1 || fail "sft alpha 0"
cmp s0/model.safetensors sa0/model.safetensors || fail "--neftune-alpha 0 differs from no flag"
$PY -c "
import json
f = lambda p: [(m['loss'], m['grad_norm']) for m in map(json.loads, open(p))]
assert f('s0/metrics.jsonl') == f('sa0/metrics.jsonl')" || fail "--neftune-alpha 0: other losses"
"$WMSS" sft --model m0 "${common[@]}" --neftune-alpha 5 --out s5 > /dev/null 2>&1 || fail "sft alpha 5"
"$WMSS" sft --model m0 "${common[@]}" --neftune-alpha 5 --out s5b > /dev/null 2>&1 || fail "sft alpha 5 again"
cmp -s s0/model.safetensors s5/model.safetensors && fail "--neftune-alpha 5 changed nothing"
cmp s5/model.safetensors s5b/model.safetensors || fail "NEFTune training is not reproducible"
$PY - <<'PY' || fail "NEFTune losses"
import json
a = [json.loads(l)["loss"] for l in open("s0/metrics.jsonl")]
b = [json.loads(l)["loss"] for l in open("s5/metrics.jsonl")]
assert a[0] != b[0], "the first step's loss (same weights) is the same with noise"
PY
"$WMSS" sft --model m0 "${common[@]}" --neftune-alpha nan --out bad > /dev/null 2>&1 && fail "--neftune-alpha nan accepted"
echo "ok   --neftune-alpha 0 == no flag bit for bit; alpha 5 changes the first step's loss and the model, reproducibly"

# Joint at lambda 1 with a frozen weak model == SFT, with NEFTune too.
"$WMSS" sft --model rc/m1 "${common[@]}" --neftune-alpha 5 --out n1 > /dev/null 2>&1 || fail "sft neftune"
"$WMSS" joint --strong rc/m1 --weak m0 --lambda 1 --freeze-weak "${common[@]}" --neftune-alpha 5 --out nj1 > /dev/null 2>&1 || fail "joint neftune"
cmp n1/model.safetensors nj1/model.safetensors || fail "joint(lambda=1, frozen weak, NEFTune) != sft(NEFTune)"
echo "ok   joint at lambda=1 with a frozen weak model == sft with NEFTune, bit for bit"

# Never at scoring: the entropy phases of a NEFTune run equal wmss entropy on the same
# models, and the models' logits/entropies are functions of the weights alone.
"$WMSS" run "${args[@]}" --neftune-alpha 5 --out nr > nr.log 2>&1 || { cat nr.log; fail "run --neftune-alpha 5"; }
grep -q "NEFTune" nr.log || fail "NEFTune not in the printed settings"
"$WMSS" entropy --model m0 --data d.jsonl --out ew.jsonl > /dev/null 2>&1 || fail "entropy m0"
"$WMSS" entropy --model nr/m1 --data d.jsonl --out es.jsonl > /dev/null 2>&1 || fail "entropy m1"
cmp ew.jsonl nr/round-1/entropy-weak.jsonl || fail "weak entropies of a NEFTune run differ from wmss entropy"
cmp es.jsonl nr/round-1/entropy-strong.jsonl || fail "strong entropies of a NEFTune run differ from wmss entropy"
"$WMSS" logits --model s5 --ids "1,2,3,4;5,6,7" --out l1.f32 > /dev/null || fail "logits"
"$WMSS" logits --model s5 --ids "1,2,3,4;5,6,7" --out l2.f32 > /dev/null || fail "logits again"
cmp l1.f32 l2.f32 || fail "logits of a NEFTune-trained model are not deterministic"
$PY -c "import json; s=json.load(open('nr/settings.json')); assert s['neftune_alpha'] == 5 and s['preset'] == 'paper', s" || fail "settings of the NEFTune run"
echo "ok   NEFTune never reaches scoring: a NEFTune run's entropy files == wmss entropy's, bit for bit"
echo "all variant checks passed"
