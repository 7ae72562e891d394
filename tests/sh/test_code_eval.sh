#!/usr/bin/env bash
# The code benchmarks end to end through `wmss grade` and the sandbox:
#   - canonical solutions pass: HumanEval 164/164; HumanEval+ base+plus on a fixed subset
#     (the full 164 runs in bench/code_canonical.sh: 82 s with --jobs 2 on 2 cores); MBPP's
#     reference code on a fixed subset of the test split (the full 500: 499, in the bench);
#   - mutated solutions fail on every benchmark (return None, off by one, swapped arguments);
#   - hostile programs are contained and fail with the right reason, the machine unharmed;
#   - multi-sample prediction files (a math and a code benchmark): mean@n and pass@k.
# Limits stay small (1 GiB address space, 10 MiB files, 5 s) so that a failed containment
# could not hurt the machine.
set -u
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
DATA="$WMSS_ROOT/../shared/benchmarks"
[ -d "$DATA" ] || { echo "missing $DATA"; exit 1; }
PY=/usr/bin/python3
fails=0
ok() { echo "ok   $1"; }
bad() { fails=$((fails + 1)); echo "FAIL $1"; }
LIMITS=(--timeout 20 --memory-mb 1024 --file-size-mb 10 --jobs 2)

# Prediction files, made from the data (no program is run here).
$PY - "$DATA" "$T" <<'EOF'
import gzip, json, sys
data, t = sys.argv[1], sys.argv[2]
he = [json.loads(l) for l in gzip.open(data + "/humanevalplus/HumanEvalPlus.jsonl.gz", "rt")]
mb = [json.loads(l) for l in open(data + "/mbpp/mbpp.jsonl")]
mb = [x for x in mb if 11 <= x["task_id"] <= 510]
def write(name, rows):
    with open(f"{t}/{name}.jsonl", "w") as f:
        for r in rows: f.write(json.dumps(r) + "\n")
he_sol = lambda i: he[i]["prompt"] + he[i]["canonical_solution"]
write("he_canon", [{"index": i, "solution": he_sol(i)} for i in range(len(he))])
# HumanEval+ subset: tasks 0-39 but the two slowest (15, 36: seconds of canonical time
# each), and the three whose plus inputs have integers beyond 2**53 (79, 108, 131).
PLUS = [i for i in range(40) if i not in (15, 36)] + [79, 108, 131]
write("hep_canon", [{"index": i, "solution": he_sol(i)} for i in PLUS])
MBPP = list(range(100)) + [330]  # 330 = task 341, whose assert depends on set order
write("mbpp_canon", [{"index": i, "solution": mb[i]["code"]} for i in MBPP])
# Mutants. none: every task; off by one: int-returning tasks; swapped: order matters.
def none(code, ep): return code + f"\n\ndef {ep}(*a, **k):\n    return None\n"
def plus1(code, ep): return code + f"\n\n_wmss_f = {ep}\ndef {ep}(*a, **k):\n    return _wmss_f(*a, **k) + 1\n"
def swap(code, ep): return code + f"\n\n_wmss_f = {ep}\ndef {ep}(a, b, *r):\n    return _wmss_f(b, a, *r)\n"
rows = {"he": [], "hep": [], "mbpp": []}
for i in range(0, 164, 8):
    rows["he"].append({"index": i, "solution": none(he_sol(i), he[i]["entry_point"]), "m": "none"})
for i in (13, 18, 24, 46, 55):
    rows["he"].append({"index": i, "solution": plus1(he_sol(i), he[i]["entry_point"])})
for i in (18, 29, 49):
    rows["he"].append({"index": i, "solution": swap(he_sol(i), he[i]["entry_point"])})
for i in (0, 2, 13, 24):
    for f in (none,):
        rows["hep"].append({"index": i, "solution": f(he_sol(i), he[i]["entry_point"])})
for i in (13, 24):
    rows["hep"].append({"index": i, "solution": plus1(he_sol(i), he[i]["entry_point"])})
rows["hep"].append({"index": 18, "solution": swap(he_sol(18), "how_many_times")})
ep = lambda i: __import__("re").search(r"assert\s+(?:set\()?\s*(\w+)\(", mb[i]["test_list"][0]).group(1)
for i in range(0, 100, 7):
    rows["mbpp"].append({"index": i, "solution": none(mb[i]["code"], ep(i))})
for i in (3, 6, 13, 17, 21):
    rows["mbpp"].append({"index": i, "solution": plus1(mb[i]["code"], ep(i))})
for i in (0, 7, 10, 17):
    rows["mbpp"].append({"index": i, "solution": swap(mb[i]["code"], ep(i))})
for k, v in rows.items():
    for s, r in enumerate(v): r["sample"] = s; r.pop("m", None)
    write(k + "_mut", v)
EOF

grade() {  # NAME BENCH PRED [options]: writes $T/NAME.json
    local name=$1 bench=$2 pred=$3; shift 3
    local t0=$SECONDS
    if ! "$WMSS" grade --bench "$bench" --pred "$pred" --data "$DATA" --out "$T/$name.json" "$@" 2> "$T/$name.err"; then
        bad "$name: $(tail -3 "$T/$name.err")"; return 1
    fi
    echo "     ($name: $((SECONDS - t0)) s)"
}
field() { $PY -c 'import json,sys; r=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$T/$1.json" "$2"; }
failures() { $PY -c '
import json, sys
r = json.load(open(sys.argv[1]))
items = [s for it in r["items"] for s in it.get("samples", [it])]
print("; ".join("%s %s: %s" % (s["task_id"], s["reason"], s["detail"][:80]) for s in items if not s["correct"]))' "$T/$1.json"; }

# ---- canonical solutions ----
if grade he_canon humaneval "$T/he_canon.jsonl" "${LIMITS[@]}"; then
    got=$(field he_canon 'r["correct"], r["n"], r["sandbox"]')
    [ "$got" = "(164, 164, 'namespaces')" ] || [ "$got" = "(164, 164, 'rlimits')" ] \
        && ok "HumanEval canonical solutions: $got" || bad "HumanEval canonical: $got: $(failures he_canon)"
fi
if grade hep_canon humanevalplus "$T/hep_canon.jsonl" "${LIMITS[@]}" --timeout 60; then
    got=$(field hep_canon 'r["correct"], r["n"], sum(i["tests"] for i in r["items"])')
    case "$got" in "(41, 41, "*) ok "HumanEval+ canonical (base + plus, subset): $got (correct, items, inputs)" ;;
        *) bad "HumanEval+ canonical: $got: $(failures hep_canon)" ;; esac
fi
if grade mbpp_canon mbpp "$T/mbpp_canon.jsonl" "${LIMITS[@]}"; then
    got=$(field mbpp_canon 'r["correct"], r["n"]')
    # Task 341 (index 330): its reference returns a set converted to a tuple, whose order
    # Python does not define; the assert expects one order. Every other one passes.
    fl=$(failures mbpp_canon)
    [ "$got" = "(100, 101)" ] && [[ $fl == "341 assertion"* ]] && ok "MBPP reference solutions (subset): $got; failing: $fl" \
        || bad "MBPP reference: $got: $fl"
fi

# ---- mutated solutions ----
for b in he:humaneval hep:humanevalplus mbpp:mbpp; do
    k=${b%%:*}; bench=${b#*:}
    if grade "${k}_mut" "$bench" "$T/${k}_mut.jsonl" "${LIMITS[@]}"; then
        got=$(field "${k}_mut" 'r["correct"], r["predictions"]')
        [[ $got == "(0, "* ]] && ok "$bench: mutated solutions all wrong: $got" || bad "$bench mutants: $got"
    fi
done

# ---- hostile programs (HumanEval/0, one sample each) ----
echo "the caller's file" > "$T/victim.txt"
$PY - "$T" <<'EOF'
import json, sys
t = sys.argv[1]
head = "import os, sys, socket, signal\ndef has_close_elements(numbers, threshold):\n"
bodies = {
    "infinite loop": "    while True: pass\n",
    "fork bomb": "    while True:\n        try: os.fork()\n        except OSError: pass\n",
    "50 GB": "    x = bytearray(50 * 2**30)\n    return True\n",
    "10 GB file": "    with open('big', 'wb') as f:\n        for i in range(10 * 1024): f.write(b'x' * 2**20)\n",
    "network": "    s = socket.socket(); s.settimeout(3); s.connect(('127.0.0.1', 9)); return True\n",
    "read outside": "    return len(open('/etc/shadow').read()) > 0\n",
    "write outside": "    open(%r, 'a').write('pwned')\n    return True\n" % (t + "/victim.txt"),
    "write /tmp": "    open('/tmp/wmss-escape', 'w').write('x')\n    return True\n",
    "kill parent": "    os.kill(os.getppid(), signal.SIGKILL)\n    return None\n",
    "kill everyone": "    os.kill(-1, signal.SIGKILL)\n    return None\n",
    "close stdout": "    os.close(1); os.close(2)\n    return None\n",
    "print 1 GB": "    for i in range(1024): print('x' * 2**20)\n",
    "write 1 GB to fd 1": "    while True: os.write(1, b'x' * 65536)\n",
}
with open(t + "/hostile.jsonl", "w") as f, open(t + "/hostile.names", "w") as g:
    for s, (name, body) in enumerate(bodies.items()):
        f.write(json.dumps({"index": 0, "sample": s, "solution": head + body}) + "\n")
        g.write(name + "\n")
EOF
before=$(ps -u 65534 --no-headers | wc -l)
if grade hostile humaneval "$T/hostile.jsonl" --timeout 5 --memory-mb 1024 --file-size-mb 10 --jobs 2; then
    $PY - "$T" <<'EOF' || fails=$((fails + 1))
import json, sys
t = sys.argv[1]
r = json.load(open(t + "/hostile.json"))
names = open(t + "/hostile.names").read().splitlines()
ns = r["sandbox"] == "namespaces"
want = {  # reason, a word of the detail
    "infinite loop": ("timeout", ""), "fork bomb": ("timeout", ""), "50 GB": ("memory", ""),
    "10 GB file": ("file size", "too large"), "network": ("exception", "unreachable" if ns else ""),
    "read outside": ("exception", "PermissionError"), "write outside": ("exception", "Error"),
    "write /tmp": ("exception", "Read-only" if ns else ""), "kill parent": ("exception", "not permitted"),
    "kill everyone": ("exception", "No such process" if ns else ""), "close stdout": ("assertion", ""),
    "print 1 GB": ("output limit", ""), "write 1 GB to fd 1": ("output limit", ""),
}
samples = r["items"][0]["samples"]
bad = 0
for name, s in zip(names, samples):
    reason, word = want[name]
    good = not s["correct"] and s["reason"] == reason and word in s["detail"]
    bad += not good
    print("%s %-20s -> %s: %s (%.1f s)" % ("ok  " if good else "FAIL", name, s["reason"], s["detail"][:70], s["seconds"]))
assert r["correct"] == 0 and len(samples) == len(names)
sys.exit(1 if bad else 0)
EOF
fi
sleep 1
after=$(ps -u 65534 --no-headers | wc -l)
[ "$after" -le "$before" ] && ok "no sandbox process left ($after of uid 65534)" || bad "processes of uid 65534 left: $after (before $before)"
[ "$(cat "$T/victim.txt")" = "the caller's file" ] && [ ! -e /tmp/wmss-escape ] && ok "no file outside the sandbox changed" \
    || bad "a file outside the sandbox changed"
ls -d "${TMPDIR:-/tmp}"/wmss-sandbox-* 2>/dev/null && bad "sandbox folders left behind" || ok "sandbox folders removed"

# ---- chat-style answers: the code block, reduced to the entry point and what it needs ----
$PY - "$T" <<'EOF2'
import json, sys
ans = ("Sure! Here is the solution:\n```python\nfrom typing import List\nimport math\n\nEPS = 0.0\n\n"
       "def _gap(a, b):\n    return abs(a - b) + EPS\n\n"
       "def has_close_elements(numbers: List[float], threshold: float) -> bool:\n"
       "    s = sorted(numbers)\n    return any(_gap(x, y) < threshold for x, y in zip(s, s[1:]))\n\n"
       "print(has_close_elements([1.0, 2.0], 0.5))\nassert False, 'top-level junk'\nwhile True: pass\n```\n"
       "This works because ...\n```\nshort\n```\n")
rows = [{"index": 0, "output": ans},
        {"index": 0, "output": "    return False\n\ndef unrelated(): pass\n"},  # completion style: cut at \ndef, appended
        {"index": 0, "output": "```python\ndef has_close_elements(numbers, threshold):\n    return False\n```"}]
open(sys.argv[1] + "/chat.jsonl", "w").write("".join(json.dumps(r) + "\n" for r in rows))
EOF2
if grade chat humaneval "$T/chat.jsonl" "${LIMITS[@]}"; then
    got=$(field chat '[(s["correct"], s["reason"]) for s in r["items"][0]["samples"]]')
    [ "$got" = "[(True, ''), (False, 'assertion'), (False, 'assertion')]" ] && ok "chat answers sanitized, completions appended: $got" \
        || bad "extraction: $got"
fi

# ---- the fallback without namespaces (WMSS_SANDBOX=rlimits): limits, group kill, uid drop ----
head -3 "$T/he_canon.jsonl" > "$T/fallback.jsonl"
printf '%s\n' '{"index": 0, "solution": "def has_close_elements(n, t):\n    while True: pass\n"}' >> "$T/fallback.jsonl"
if WMSS_SANDBOX=rlimits grade fallback humaneval "$T/fallback.jsonl" --timeout 5 --memory-mb 1024 --file-size-mb 10 --jobs 2; then
    got=$(field fallback '(r["sandbox"], r["correct"], r["items"][0]["samples"][1]["reason"])')
    [ "$got" = "('rlimits', 3, 'timeout')" ] && ok "rlimits fallback: $got" || bad "rlimits fallback: $got"
fi

# ---- many samples per item ----
# GSM8K item 0 (gold 18): 1 of 3 right; item 1 (gold 3): 3 of 3; by "sample", out of order.
printf '%s\n' '{"index": 0, "sample": 2, "output": "\\boxed{18}"}' '{"index": 0, "sample": 0, "output": "17"}' \
    '{"index": 1, "output": "3"}' '{"index": 0, "sample": 1, "output": "no idea"}' '{"index": 1, "output": "\\boxed{3}"}' \
    '{"index": 1, "output": "The answer is 3."}' > "$T/math_multi.jsonl"
if grade math_multi gsm8k "$T/math_multi.jsonl"; then
    got=$(field math_multi '(r["n"], r["samples"], round(r["accuracy"], 6), {k: round(float(v), 6) for k, v in r["pass_at_k"].items()}, [(i["n_samples"], i["n_correct"], [s["sample"] for s in i["samples"]]) for i in r["items"]])')
    want="(2, 3, 0.666667, {'1': 0.666667, '2': 0.833333, '3': 1.0}, [(3, 1, [0, 1, 2]), (3, 3, [0, 1, 2])])"
    [ "$got" = "$want" ] && ok "gsm8k, 3 samples per item: $got" || bad "gsm8k multi-sample: $got != $want"
fi
# HumanEval items 0 and 2: canonical, a mutant, canonical / mutant, mutant, canonical.
$PY - "$DATA" "$T" <<'EOF'
import gzip, json, sys
he = [json.loads(l) for l in gzip.open(sys.argv[1] + "/humanevalplus/HumanEvalPlus.jsonl.gz", "rt")]
good = lambda i: {"index": i, "completion": he[i]["canonical_solution"]}
wrong = lambda i: {"index": i, "completion": "    return None\n"}
with open(sys.argv[2] + "/code_multi.jsonl", "w") as f:
    for r in (good(0), wrong(0), good(0), wrong(2), wrong(2), good(2)): f.write(json.dumps(r) + "\n")
EOF
if grade code_multi humaneval "$T/code_multi.jsonl" "${LIMITS[@]}"; then
    got=$(field code_multi '(r["n"], r["samples"], round(r["accuracy"], 6), {k: round(float(v), 6) for k, v in r["pass_at_k"].items()}, [(i["n_samples"], i["n_correct"]) for i in r["items"]])')
    want="(2, 3, 0.5, {'1': 0.5, '2': 0.833333, '3': 1.0}, [(3, 2), (3, 1)])"
    [ "$got" = "$want" ] && ok "humaneval, 3 samples per item: $got" || bad "humaneval multi-sample: $got != $want"
fi

echo "$fails failed"
[ "$fails" -eq 0 ]
