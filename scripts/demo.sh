#!/usr/bin/env bash
# The main job on the built-in default (no downloads): installs what the build needs
# (scripts/deps.sh without the test oracles), builds
# wmss, and runs the built-in experiment (`wmss demo`): a synthetic reasoning task, its
# tokenizer, a pretrained tiny base model M0, then the comparison harness with the arms
# M0, M1 (1 SFT epoch), SFT for 2 epochs and WMSS (1 SFT epoch + 1 weak-driven epoch),
# all evaluated; prints the table and writes the report to demo-out/compare/report
# (summary.md, regime.md: the conditions of the paper's setting and whether they held,
# results.json, accuracy, paired-difference, loss and dH charts).
#   bash scripts/demo.sh [wmss demo options, e.g. --quick --seed 2 --out DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
make -j"$(nproc)" >/dev/null
exec ./build/wmss demo "$@"
