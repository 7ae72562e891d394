#!/usr/bin/env bash
# The regime of the built-in task, measured (docs/regime.md): prepares the task (data,
# tokenizer, pretrained M0 evaluated before SFT), trains SFT for 1, 2 and 3 epochs from
# M0 (separate runs, each with its own schedule), evaluates them, scores the per-example
# entropies of M0 (weak) and M1 (strong, 1 epoch) and of SFT-2ep on the training set,
# and prints one JSON line with every number the regime conditions name.
#
#   bash scripts/regime.sh DIR [--quick] [--seed S] [--size K=V,...] [--epochs "1 2 3"]
#
# CPU time of each phase is measured with bash's `times`-style accounting (user+sys of
# the child). Set OMP_NUM_THREADS to choose threads (1 measures CPU time cleanly on a
# shared machine).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WMSS=${WMSS:-$ROOT/build/wmss}
DIR=$1; shift
QUICK=""; SEED=1; SIZE=""; EPOCHS="1 2 3"
while [ $# -gt 0 ]; do
    case $1 in
        --quick) QUICK=--quick; shift ;;
        --seed) SEED=$2; shift 2 ;;
        --size) SIZE=$2; shift 2 ;;
        --epochs) EPOCHS=$2; shift 2 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done
mkdir -p "$DIR"
LOG="$DIR/regime.log"
: > "$LOG"
# cpu NAME CMD...: runs CMD, appends "NAME user+sys wall" to $DIR/times.txt
cpu() {
    local name=$1; shift
    local t0; t0=$(date +%s.%N)
    /usr/bin/time -f "%U %S" -o "$DIR/.t-$name" "$@" >> "$LOG" 2>&1
    local t1; t1=$(date +%s.%N)
    read -r u s < "$DIR/.t-$name"
    printf '%s %.1f %.1f\n' "$name" "$(echo "$u + $s" | bc)" "$(echo "$t1 - $t0" | bc)" >> "$DIR/times.txt"
}
: >> "$DIR/times.txt"
SIZEARG=()
[ -n "$SIZE" ] && SIZEARG=(--size "$SIZE")
# The task (reused when DIR/demo/task already holds this size and seed: demo rebuilds DIR/demo,
# so the task lives in its own demo directory).
cpu prepare "$WMSS" demo $QUICK --seed "$SEED" --out "$DIR/demo" "${SIZEARG[@]}" --prepare-only
T="$DIR/demo/task"
# The fine-tuning settings: the size's (task.json's size_all), with --size's overrides.
read -r LR BATCH MB WARM MAXLEN MAXNEW EB < <(python3 - "$T/task.json" "$SIZE" <<'PY'
import json, sys
s = dict(kv.split("=") for kv in json.load(open(sys.argv[1]))["size_all"].split(","))
if sys.argv[2]:
    s.update(kv.split("=") for kv in sys.argv[2].split(","))
print(s["lr"], s["batch"], s["micro_batch"], s["warmup_ratio"], s["max_len"], s["max_new"], s["eval_batch"])
PY
)
COMMON=(--lr "$LR" --batch "$BATCH" --micro-batch "$MB" --warmup-ratio "$WARM" --seed "$SEED" --max-len "$MAXLEN")
# The runs are independent: on a shared machine they go side by side (CPU time is per run).
sft_eval() {
    local ep=$1
    cpu "sft$ep" "$WMSS" sft --model "$T/m0" --data "$T/train.jsonl" --out "$DIR/sft$ep" --epochs "$ep" --overwrite "${COMMON[@]}"
    cpu "eval-sft$ep" "$WMSS" eval --model "$DIR/sft$ep" --bench gsm8k --data "$T/test.jsonl" --out "$DIR/eval-sft$ep.json" \
        --max-new-tokens "$MAXNEW" --batch "$EB"
    if [ "$ep" = 1 ]; then
        cpu entropy-m1 "$WMSS" entropy --model "$DIR/sft1" --data "$T/train.jsonl" --out "$DIR/ent-m1.jsonl" --max-len "$MAXLEN"
    elif [ "$ep" = 2 ]; then
        cpu entropy-sft2 "$WMSS" entropy --model "$DIR/sft2" --data "$T/train.jsonl" --out "$DIR/ent-sft2.jsonl" --max-len "$MAXLEN"
    fi
}
pids=()
for ep in $EPOCHS; do sft_eval "$ep" & pids+=($!); done
cpu entropy-m0 "$WMSS" entropy --model "$T/m0" --data "$T/train.jsonl" --out "$DIR/ent-m0.jsonl" --max-len "$MAXLEN"
for p in "${pids[@]}"; do wait "$p"; done
cpu select "$WMSS" select --data "$T/train.jsonl" --weak "$DIR/ent-m0.jsonl" --strong "$DIR/ent-m1.jsonl" \
    --out "$DIR/active.jsonl" --stats "$DIR/select-stats.json" --seed "$SEED"
python3 - "$DIR" "$EPOCHS" <<'PY'
import json, os, sys
d, epochs = sys.argv[1], sys.argv[2].split()
task = json.load(open(f"{d}/demo/task/task.json"))
levels = task["test_level"]
def ent(p):
    xs = [json.loads(l) for l in open(p)]
    per_ex = [x["entropy"] for x in xs if x["entropy"] is not None]
    tok = sum(x["entropy"] * x["tokens"] for x in xs if x["entropy"] is not None) / sum(x["tokens"] for x in xs if x["entropy"] is not None)
    return sum(per_ex) / len(per_ex), tok
def acc(p):
    r = json.load(open(p))
    by = {}
    for it in r["items"]:
        l = levels[it["index"]]
        by.setdefault(l, []).append(it["correct"])
    return r["accuracy"], [sum(by[l]) / len(by[l]) for l in sorted(by)]
out = {"seed": task["seed"], "params": task["params"], "vocab": task["vocab"], "corpus_tokens": task["corpus_tokens"],
       "pretrain_curve": [round(x, 4) for x in task["pretrain_curve"]],
       "pretrain_epoch_loss": [round(x, 4) for x in task["pretrain_epoch_loss"]],
       "m0_plain": task["m0_accuracy_plain_chat"][0], "m0_chat": task["m0_accuracy_plain_chat"][1],
       "m0_chat_by_level": task["m0_chat_by_level"]}
for ep in epochs:
    a, by = acc(f"{d}/eval-sft{ep}.json")
    out[f"sft{ep}"] = round(a, 4)
    out[f"sft{ep}_by_level"] = [round(x, 3) for x in by]
hw, hw_tok = ent(f"{d}/ent-m0.jsonl")
hs, hs_tok = ent(f"{d}/ent-m1.jsonl")
out["H_weak_m0"], out["H_strong_m1"] = round(hw, 4), round(hs, 4)
out["H_weak_tokmean"], out["H_strong_tokmean"] = round(hw_tok, 4), round(hs_tok, 4)
if os.path.exists(f"{d}/ent-sft2.jsonl"):
    out["H_sft2"], out["H_sft2_tokmean"] = [round(x, 4) for x in ent(f"{d}/ent-sft2.jsonl")]
w = [json.loads(l)["entropy"] for l in open(f"{d}/ent-m0.jsonl")]
s = [json.loads(l)["entropy"] for l in open(f"{d}/ent-m1.jsonl")]
dh = [b - a for a, b in zip(w, s) if a is not None and b is not None]
out["mean_dH"] = round(sum(dh) / len(dh), 4)
out["mean_abs_dH"] = round(sum(abs(x) for x in dh) / len(dh), 4)
out["abs_dH_over_H_weak"] = round(out["mean_abs_dH"] / hw, 4)
out["share_dH_pos"] = round(sum(x > 0 for x in dh) / len(dh), 4)
st = json.load(open(f"{d}/select-stats.json"))
out["active_unique"], out["n"] = st.get("unique"), st.get("n")
out["gamma_share"] = st.get("share", st.get("term_share"))
times = [l.split() for l in open(f"{d}/times.txt")]
out["cpu_s"], out["wall_s"] = {}, {}
for t in times:  # a reused task's second "prepare" line is short: keep the longest of each
    out["cpu_s"][t[0]] = max(out["cpu_s"].get(t[0], 0), float(t[1]))
    out["wall_s"][t[0]] = max(out["wall_s"].get(t[0], 0), float(t[2]))
print(json.dumps(out))
open(f"{d}/regime.json", "w").write(json.dumps(out, indent=1))
PY
