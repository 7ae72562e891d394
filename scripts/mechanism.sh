#!/usr/bin/env bash
# Where the weak-driven phase helps or hurts, measured on a finished comparison (issue 17,
# docs/experiment.md): the logit statistics of the paper's Tables 6-7 (`wmss stats`) of M0,
# M1, SFT-2ep and the joint arms' strong models over the training set's completion
# positions, and the joint phase's mixed loss against each model's own loss (strong, weak), by tenth
# of the phase, next to the step-matched SFT arms' losses.
#
#   bash scripts/mechanism.sh DIR [--seeds "1 2"] [--arms "wmss frozen-weak ..."]
#
# DIR is a `wmss demo` output (DIR/task, DIR/compare) or a `wmss compare` output given
# with --model M0 --data FILE. Writes DIR/mechanism/ (one JSON per model and seed) and
# prints a markdown report (also DIR/mechanism/mechanism.md).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WMSS=${WMSS:-$ROOT/build/wmss}
DIR=$1; shift
SEEDS=1; ARMS="wmss wmss-released frozen-weak jt-only"; M0=""; DATA=""; MAXLEN=320
while [ $# -gt 0 ]; do
    case $1 in
        --seeds) SEEDS=$2; shift 2 ;;
        --arms) ARMS=$2; shift 2 ;;
        --model) M0=$2; shift 2 ;;
        --data) DATA=$2; shift 2 ;;
        --max-len) MAXLEN=$2; shift 2 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done
CMP=$DIR/compare
[ -d "$CMP" ] || CMP=$DIR
[ -n "$M0" ] || M0=$DIR/task/m0
[ -n "$DATA" ] || DATA=$DIR/task/train.jsonl
for p in "$M0" "$DATA"; do [ -e "$p" ] || { echo "mechanism.sh: $p does not exist" >&2; exit 2; }; done
OUT=$DIR/mechanism
mkdir -p "$OUT"
stats() {  # NAME MODEL: the model's statistics with M0 as the reference
    local f=$OUT/$1.json
    [ -s "$f" ] || "$WMSS" stats --model "$2" --ref "$M0" --data "$DATA" --max-len "$MAXLEN" --out "$f" > /dev/null
}
for s in $SEEDS; do
    sd=$CMP/seed-$s
    stats "m1-seed$s" "$sd/shared/m1"
    stats "sft-2ep-seed$s" "$sd/shared/sft2"
    for a in $ARMS; do
        [ -f "$sd/arms/$a/model.safetensors" ] && stats "$a-seed$s" "$sd/arms/$a"
    done
done
python3 - "$CMP" "$OUT" "$SEEDS" "$ARMS" <<'PY' | tee "$OUT/mechanism.md"
import json, os, sys
cmp, out, seeds, arms = sys.argv[1], sys.argv[2], sys.argv[3].split(), sys.argv[4].split()
names = ["m1", "sft-2ep"] + arms
keys = ["entropy", "max_prob", "target_logit", "nontarget_logit", "gap", "logit_std", "centered_norm"]
def mean(xs):
    xs = [x for x in xs if x is not None]
    return sum(xs) / len(xs) if xs else None
print("## Logit statistics over the training set's completion positions (mean over seeds %s)\n" % ",".join(seeds))
print("| model | " + " | ".join(keys) + " | dH vs M0 (mean) | share dH<0 |")
print("|---" * (len(keys) + 3) + "|")
ref = None
rows = {}
for n in names:
    js = [json.load(open(f"{out}/{n}-seed{s}.json")) for s in seeds if os.path.exists(f"{out}/{n}-seed{s}.json")]
    if not js:
        continue
    ref = ref or js[0]["ref"]
    rows[n] = [mean([j[k] for j in js]) for k in keys] + [mean([j["dH"]["mean"] for j in js]),
                                                         mean([j["dH"]["share_negative"] for j in js])]
if ref:
    print("| M0 (weak) | " + " | ".join(f"{ref[k]:.4f}" for k in keys) + " | | |")
for n, r in rows.items():
    print(f"| {n} | " + " | ".join("" if v is None else f"{v:.4f}" for v in r) + " |")
print()
print("## Joint phase: the mixed loss (what is optimized) against each model's own loss\n")
print("Mean over seeds of each tenth of the phase's steps; SFT arms (one model) show their loss.\n")
print("| arm | quantity | " + " | ".join(f"{k+1}/10" for k in range(10)) + " |")
print("|---|---|" + "---|" * 10)
def tenths(rows, key):
    n = len(rows)
    if n == 0:
        return [None] * 10
    return [mean([r.get(key) for r in rows[k * n // 10:max((k + 1) * n // 10, k * n // 10 + 1)]]) for k in range(10)]
for a in arms + ["sft-restarted", "sft-random-subset", "ds-only"]:
    per = {"loss": [], "strong_loss": [], "weak_loss": []}
    for s in seeds:
        p = f"{cmp}/seed-{s}/arms/{a}/metrics.jsonl"
        if not os.path.exists(p):
            continue
        rows = [json.loads(l) for l in open(p) if l.strip()]
        rows = [r for r in rows if "loss" in r and "step" in r]
        for k in per:
            if any(k in r for r in rows):
                per[k].append(tenths(rows, k))
    for k, curves in per.items():
        if curves:
            m = [mean([c[i] for c in curves]) for i in range(10)]
            label = {"strong_loss": "strong's own loss", "weak_loss": "weak's own loss"}.get(
                k, "mixed loss" if per["strong_loss"] else "loss")
            print(f"| {a} | {label} | " + " | ".join("" if v is None else f"{v:.4f}" for v in m) + " |")
PY
