#!/usr/bin/env bash
# wmss grade end to end: a handful of hand-made predictions per benchmark (expected
# verdicts written by hand), the report's fields, the default benchmarks folder, and bad
# input (malformed line, index out of range, duplicate (index, sample), unknown bench, missing
# field) failing with a message naming file:line without touching an existing report.
set -u
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
DATA="$WMSS_ROOT/../shared/benchmarks"
[ -d "$DATA" ] || { echo "missing $DATA"; exit 1; }
fails=0; n=0
ok() { n=$((n + 1)); echo "ok   $1"; }
bad() { n=$((n + 1)); fails=$((fails + 1)); echo "FAIL $1"; }

# grade NAME BENCH VERDICTS  (predictions on stdin; VERDICTS e.g. "1 0 1" by index order)
grade() {
    local name=$1 bench=$2 want=$3
    cat > "$T/$name.jsonl"
    if ! "$WMSS" grade --bench "$bench" --pred "$T/$name.jsonl" --data "$DATA" --out "$T/$name.json" 2> "$T/err"; then
        bad "$name: exit status $?: $(cat "$T/err")"; return
    fi
    local got
    got=$(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert set(["accuracy", "n", "items"]) <= set(r), r.keys()
items = r["items"]
assert r["n"] == len(items)
assert abs(r["accuracy"] - sum(i["correct"] for i in items) / len(items)) < 1e-12
assert [i["index"] for i in items] == sorted(i["index"] for i in items)
for i in items: assert set(["index", "extracted", "gold", "correct"]) <= set(i)
print(" ".join(str(int(i["correct"])) for i in items))' "$T/$name.json" 2>&1)
    if [ "$got" == "$want" ]; then ok "$name: $got"; else bad "$name: verdicts '$got', want '$want'"; fi
}

# GSM8K: gold 18, 3, 70000 (items 0-2).
grade gsm8k gsm8k "1 1 1 0" <<'EOF'
{"index": 0, "output": "She sells 16 - 3 - 4 = 9 eggs and makes 9 * 2 = $18.\nThe answer is 18."}
{"index": 2, "output": "The profit is \\boxed{\\$70,000}."}
{"index": 1, "output": "It takes 2 + 1 = 3 bolts in total."}
{"index": 3, "output": "He runs 3 * 3 * 60 = 541 meters."}
EOF
# SVAMP: gold "8.0", "333.0", "2.0" as float strings.
grade svamp svamp "1 1 0" <<'EOF'
{"index": 0, "output": "Each person ate \\boxed{8} crackers."}
{"index": 1, "output": "The answer is 333."}
{"index": 2, "output": "So the answer is 3."}
EOF
# MAWPS: gold 1.8333333333333335, -15.0, 12.0, ..., 0.75 (item 5): relative tolerance 1e-6.
grade mawps mawps "1 0 1 1" <<'EOF'
{"index": 0, "output": "3 - 1.1666666666666667 = \\boxed{\\frac{11}{6}}"}
{"index": 1, "output": "The change is \\boxed{15}."}
{"index": 2, "output": "The answer is 12.0"}
{"index": 5, "output": "She has 3/4 left, so \\boxed{0.750000}"}
EOF
grade mawps-tol mawps "1 0" <<'EOF'
{"index": 0, "output": "\\boxed{1.833333}"}
{"index": 27, "output": "\\boxed{0.889}"}
EOF
# AQuA: gold A (options 23.65 1000 35.62 2.65 1023.65), C (60 m .. 64 m), D, C.
grade aqua aqua "1 1 0 1" <<'EOF'
{"index": 0, "output": "The difference is 23.65, so the answer is (A)."}
{"index": 1, "output": "The perimeter is \\boxed{62} m."}
{"index": 2, "output": "The answer is B"}
{"index": 3, "output": "So the answer is \\boxed{C}"}
EOF
# MATH-500: item 0 (3, pi/2), 1 p - q, 2 14/3, 4 \text{Evelyn}, 7 90^\circ.
grade math500 math500 "1 1 0 1 1" <<'EOF'
{"index": 0, "output": "So the point is $\\boxed{(3, \\tfrac{\\pi}{2})}$."}
{"index": 1, "output": "\\boxed{p-q}"}
{"index": 2, "output": "\\boxed{\\frac{13}{3}}"}
{"index": 4, "output": "\\boxed{\\textbf{Evelyn}}"}
{"index": 7, "output": "The angle is \\boxed{90}."}
EOF
# AIME 2025: item 0 is 70, item 19 is 336^\circ.
grade aime2025 aime2025 "1 1" <<'EOF'
{"index": 19, "output": "\\boxed{336}"}
{"index": 0, "output": "The sum is \\boxed{70}."}
EOF
# AMC 2023: item 0 is 27, item 15 is -1.
grade amc23 amc23 "0 1" <<'EOF'
{"index": 0, "output": "They meet \\boxed{18} miles from B."}
{"index": 15, "output": "\\boxed{-1}"}
EOF

# Report fields.
python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert r["bench"] == "gsm8k" and r["checker"] == "numeric" and r["n"] == 4 and abs(r["accuracy"] - 0.75) < 1e-12, r
it = r["items"][2]
assert it == {"index": 2, "extracted": "\\$70,000", "gold": "70000", "correct": True, "method": "boxed"}, it
assert r["items"][0]["method"] == "answer-is" and r["items"][1]["method"] == "last-number", r["items"]' "$T/gsm8k.json" \
    && ok "report fields" || bad "report fields"

# The default benchmarks folder: found from the executable (build/ in a checkout with
# shared/ beside it); --data may also name the folder; WMSS_BENCHMARKS overrides.
if (cd / && "$WMSS" grade --bench gsm8k --pred "$T/gsm8k.jsonl" --out "$T/default.json" 2>/dev/null) &&
    cmp -s <(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["accuracy"])' "$T/default.json") \
           <(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["accuracy"])' "$T/gsm8k.json"); then
    ok "default folder"
else bad "default folder"; fi
WMSS_BENCHMARKS="$DATA" "$WMSS" grade --bench svamp --pred "$T/svamp.jsonl" --out "$T/env.json" 2>/dev/null \
    && ok "WMSS_BENCHMARKS" || bad "WMSS_BENCHMARKS"
"$WMSS" grade --bench svamp --pred "$T/svamp.jsonl" --data "$DATA/svamp/test.json" --out "$T/file.json" 2>/dev/null \
    && ok "--data FILE" || bad "--data FILE"

# Bad input: exit 1 or 2, the message names the place, an existing report is untouched.
echo '{"keep": true}' > "$T/keep.json"
expect() {  # NAME NEEDLE BENCH PREDICTIONS [extra args for wmss grade]
    local name=$1 needle=$2 bench=$3; shift 3
    printf "$1" > "$T/bad.jsonl"; shift
    "$WMSS" grade --bench "$bench" --pred "$T/bad.jsonl" --data "$DATA" --out "$T/keep.json" "$@" 2> "$T/err"
    local rc=$?
    if [ $rc -ne 1 ] && [ $rc -ne 2 ]; then bad "$name: exit status $rc"; return; fi
    if ! grep -qF -- "$needle" "$T/err"; then bad "$name: stderr lacks '$needle': $(cat "$T/err")"; return; fi
    if [ "$(cat "$T/keep.json")" != '{"keep": true}' ]; then bad "$name: report overwritten"; return; fi
    ok "$name: $(head -c 200 "$T/err")"
}
expect "malformed line" "bad.jsonl:2: invalid JSON" gsm8k '{"index": 0, "output": "1"}\n{"index": 1, "output": \n'
expect "index out of range" "bad.jsonl:3: index 1319 is out of range" gsm8k '{"index": 0, "output": "1"}\n\n{"index": 1319, "output": "1"}\n'
expect "negative index" "bad.jsonl:1: index -1" gsm8k '{"index": -1, "output": "1"}\n'
expect "fractional index" "bad.jsonl:1" gsm8k '{"index": 1.5, "output": "1"}\n'
expect "string index" "bad.jsonl:1" gsm8k '{"index": "3", "output": "1"}\n'
expect "duplicate sample" "bad.jsonl:3: index 4 sample 0 appears twice (first on line 1)" gsm8k '{"index": 4, "output": "1", "sample": 0}\n{"index": 5, "output": "2"}\n{"index": 4, "output": "3", "sample": 0}\n'
expect "missing output" "bad.jsonl:1: \"output\"" gsm8k '{"index": 0}\n'
expect "null output" "bad.jsonl:1" gsm8k '{"index": 0, "output": null}\n'
expect "not an object" "bad.jsonl:1" gsm8k '[1, 2]\n'
expect "no predictions" "no predictions" gsm8k '\n\n'
expect "unknown bench" "unknown benchmark \"gsm9k\"" gsm9k '{"index": 0, "output": "1"}\n'
expect "missing data" "/nonexistent.json" gsm8k '{"index": 0, "output": "1"}\n' --data /nonexistent.json
expect "wrong data file" "\"question\"" gsm8k '{"index": 0, "output": "1"}\n' --data "$DATA/math500/test.jsonl"
expect "empty --data" "empty" gsm8k '{"index": 0, "output": "1"}\n' --data ""
printf '[{"question": "q", "answer": "no hashes"}]' > "$T/nohash.json"
expect "gold without ####" "nohash.json: item 0" gsm8k '{"index": 0, "output": "1"}\n' --data "$T/nohash.json"
printf '[{"instruction": "q", "answer": "F"}]' > "$T/badletter.json"
expect "bad AQuA gold" "is not an option letter" aqua '{"index": 0, "output": "1"}\n' --data "$T/badletter.json"
printf '{"question": "q", "answer": "x"}\n{"question": "q", "answer": [1]}\n' > "$T/badgold.jsonl"
expect "bad gold line" "badgold.jsonl:2" aime2025 '{"index": 0, "output": "1"}\n' --data "$T/badgold.jsonl"
WMSS_BENCHMARKS=/nonexistent "$WMSS" grade --bench gsm8k --pred "$T/gsm8k.jsonl" --out "$T/keep.json" 2> "$T/err"; rc=$?
[ $rc -eq 1 ] && grep -q "WMSS_BENCHMARKS=/nonexistent is not a folder" "$T/err" && ok "bad WMSS_BENCHMARKS" || bad "bad WMSS_BENCHMARKS: $(cat "$T/err")"
"$WMSS" grade --bench gsm8k --pred "$T/gsm8k.jsonl" 2> "$T/err"; rc=$?
[ $rc -eq 2 ] && grep -q "required" "$T/err" && ok "usage error" || bad "usage error: $rc"

echo "$((n - fails)) of $n passed"
[ $fails -eq 0 ]
