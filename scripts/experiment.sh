#!/usr/bin/env bash
# The study of issue 17 on the built-in task: every arm of the comparison harness, the
# lambda sweep and the joint phase's learning rate (1x, 0.3x, 0.1x of SFT's) with and
# without warmup, over several seeds, paired against SFT for 2 epochs. One `wmss demo`
# call (the task is built once; a rerun continues and skips finished arms):
#   bash scripts/experiment.sh [--seeds N] [--out DIR] [extra wmss demo options]
set -euo pipefail
cd "$(dirname "$0")/.."
seeds=5; out=experiment-out; extra=()
while [ $# -gt 0 ]; do
    case $1 in
        --seeds) seeds=$2; shift ;;
        --out) out=$2; shift ;;
        *) extra+=("$1") ;;
    esac
    shift
done
ARMS="m0,m1,sft-2ep,sft-3ep,wmss,wmss-released,ds-only,jt-only,sft-random-subset,sft-restarted,frozen-weak,neftune"
ARMS+=",wmss-weak-early,wmss-continued,wmss[lambda=0.3|0.42|0.6|0.7]"
# lr 1x with warmup 0.05 is `wmss` itself (the training flags' warmup): not run twice
ARMS+=",wmss[warmup=0],wmss[lr=0.3|0.1,warmup=0|0.05]"
bash scripts/deps.sh
make -j"$(nproc)" >/dev/null
exec ./build/wmss demo --out "$out" --seeds "$seeds" --arms "$ARMS" "${extra[@]}"
