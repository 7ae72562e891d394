#!/usr/bin/env bash
# The multi-seed experiment (the shape of the paper's Table 2) and a lambda sweep:
# for each seed, `wmss demo --variants all --lambdas ...` runs SFT 2 epochs, WMSS,
# WD-DS only, WD-JT only, the step-matched controls and WD-JT on the active set at each
# lambda; then the results are aggregated to mean +- standard deviation over seeds.
#   bash scripts/experiment.sh [--quick] [--seeds N] [--lambdas 0.3,0.5,0.7,0.9] [--out DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
seeds=5; lambdas=0.3,0.5,0.7,0.9; out=experiment-out; quick=
while [ $# -gt 0 ]; do
    case $1 in
        --quick) quick=--quick ;;
        --seeds) seeds=$2; shift ;;
        --lambdas) lambdas=$2; shift ;;
        --out) out=$2; shift ;;
        *) echo "usage: $0 [--quick] [--seeds N] [--lambdas LIST] [--out DIR]" >&2; exit 2 ;;
    esac
    shift
done
bash scripts/deps.sh
make -j"$(nproc)" >/dev/null
mkdir -p "$out"
for s in $(seq 1 "$seeds"); do
    echo "== seed $s of $seeds"
    ./build/wmss demo $quick --seed "$s" --variants all --lambdas "$lambdas" --out "$out/seed-$s" \
        > "$out/seed-$s.txt" 2> "$out/seed-$s.log"
    tail -n 14 "$out/seed-$s.txt"
done
/usr/bin/python3 scripts/aggregate.py "$out"/seed-*/results.json | tee "$out/table.md"
