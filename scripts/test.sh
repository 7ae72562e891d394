#!/usr/bin/env bash
# The whole test suite: install dependencies (the build's and the test oracles'), build the normal and the
# AddressSanitizer+UBSan variants, run every test against both.
# Ends with one "N passed, N failed" line covering both runs.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh test || exit 1
jobs=$(nproc)
make -j"$jobs" >/dev/null || { echo "build failed"; make; exit 1; }
make -j"$jobs" SAN=1 >/dev/null || { echo "sanitizer build failed"; make SAN=1; exit 1; }
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/lsan.supp:print_suppressions=0}
total_p=0; total_f=0
for b in build build-asan; do
    echo "== tests against $b =="
    out=$(WMSS_SAN=$([ $b = build-asan ] && echo 1 || echo 0) bash tests/run.sh "$b" | tee /dev/stderr | tail -n 1)
    p=$(echo "$out" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1/p')
    f=$(echo "$out" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\2/p')
    total_p=$((total_p + ${p:-0})); total_f=$((total_f + ${f:-1}))
done
echo
echo "$total_p passed, $total_f failed"
[ "$total_f" -eq 0 ]
