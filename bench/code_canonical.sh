#!/usr/bin/env bash
# The code benchmarks' canonical / reference solutions graded in full through the sandbox
# (the test, tests/sh/test_code_eval.sh, runs fixed subsets): HumanEval (164), HumanEval+
# base + plus (164, with --jobs 1 and --jobs 2: the timing in the README) and MBPP's test
# split (500). Not part of the test suite.
#   bash bench/code_canonical.sh [BUILD_DIR]      (default: build)
set -eu
cd "$(dirname "$0")/.."
WMSS=${WMSS:-$PWD/${1:-build}/wmss}
DATA=${WMSS_BENCHMARKS:-$PWD/../shared/benchmarks}
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
/usr/bin/python3 - "$DATA" "$T" <<'PY'
import gzip, json, sys
data, t = sys.argv[1], sys.argv[2]
he = [json.loads(l) for l in gzip.open(data + "/humanevalplus/HumanEvalPlus.jsonl.gz", "rt")]
mb = [x for x in map(json.loads, open(data + "/mbpp/mbpp.jsonl")) if 11 <= x["task_id"] <= 510]
with open(t + "/he.jsonl", "w") as f:
    for i, x in enumerate(he): f.write(json.dumps({"index": i, "solution": x["prompt"] + x["canonical_solution"]}) + "\n")
with open(t + "/mbpp.jsonl", "w") as f:
    for i, x in enumerate(mb): f.write(json.dumps({"index": i, "solution": x["code"]}) + "\n")
PY
run() {  # LABEL BENCH PRED [options]
    local label=$1 bench=$2 pred=$3; shift 3
    local t0 t1
    t0=$(date +%s.%N)
    "$WMSS" grade --bench "$bench" --pred "$pred" --data "$DATA" --out "$T/r.json" "$@" 2> "$T/err" || { cat "$T/err"; exit 1; }
    t1=$(date +%s.%N)
    /usr/bin/python3 - "$T/r.json" "$label" "$t0" "$t1" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
bad = [(i["task_id"], i["reason"], i["detail"][:60]) for i in r["items"] if not i["correct"]]
print("%-28s %3d / %3d correct  %6.1f s  %s" % (sys.argv[2], r["correct"], r["n"], float(sys.argv[4]) - float(sys.argv[3]),
      "failing: %s" % bad if bad else ""))
PY
}
echo "cores: $(nproc); load: $(cut -d' ' -f1-3 /proc/loadavg)"
run "humaneval --jobs 2" humaneval "$T/he.jsonl" --jobs 2
run "humanevalplus --jobs 1" humanevalplus "$T/he.jsonl" --jobs 1
run "humanevalplus --jobs 2" humanevalplus "$T/he.jsonl" --jobs 2
run "mbpp --jobs 2" mbpp "$T/mbpp.jsonl" --jobs 2
