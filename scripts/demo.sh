#!/usr/bin/env bash
# The main job on the built-in default (no downloads): installs what the build needs
# (scripts/deps.sh without the test oracles), builds
# wmss, and runs the built-in WMSS-versus-SFT experiment (`wmss demo`): a synthetic
# reasoning task, its tokenizer, a pretrained tiny base model, SFT for 2 epochs vs WMSS
# (1 SFT epoch + 1 weak-driven epoch), both evaluated; prints the comparison table and
# writes the report to demo-out/report (summary.md, loss.svg, accuracy.svg).
#   bash scripts/demo.sh [wmss demo options, e.g. --quick --seed 2 --out DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
make -j"$(nproc)" >/dev/null
exec ./build/wmss demo "$@"
