#!/usr/bin/env bash
# Runs every test against one build directory and ends with "N passed, N failed".
#   tests/run.sh [BUILD_DIR]        (default: build)
# Test kinds: tests/c/test_*.c (compiled to BUILD/tests/), tests/py/test_*.py (Debian's
# python3 with python3-torch as oracle), tests/sh/test_*.sh, tests/js/test_*.mjs (node).
# Each test gets WMSS (the binary) and BUILD in its environment.
set -u
cd "$(dirname "$0")/.."
BUILD=${1:-build}
export WMSS="$PWD/$BUILD/wmss" BUILD="$PWD/$BUILD" WMSS_ROOT="$PWD"
export PYTHONDONTWRITEBYTECODE=1
PY=/usr/bin/python3
[ -n "${WMSS_TEST_FILTER:-}" ] || WMSS_TEST_FILTER=.
passed=0; failed=0; failures=()
logdir=$(mktemp -d)
run_one() {  # name, command...
    local name=$1; shift
    printf '%-48s ' "$name"
    local t0=$SECONDS
    if "$@" >"$logdir/out" 2>&1; then
        passed=$((passed + 1)); echo "ok ($((SECONDS - t0))s)"
    else
        failed=$((failed + 1)); failures+=("$name"); echo "FAIL ($((SECONDS - t0))s)"
        sed 's/^/    | /' "$logdir/out" | tail -n 60
    fi
}
for t in "$BUILD"/tests/test_*; do
    [ -x "$t" ] || continue
    n=c/$(basename "$t"); [[ $n =~ $WMSS_TEST_FILTER ]] || continue
    run_one "$n" "$t"
done
for t in tests/py/test_*.py; do
    [ -e "$t" ] || continue; n=py/$(basename "$t"); [[ $n =~ $WMSS_TEST_FILTER ]] || continue
    run_one "$n" "$PY" "$t"
done
for t in tests/sh/test_*.sh; do
    [ -e "$t" ] || continue; n=sh/$(basename "$t"); [[ $n =~ $WMSS_TEST_FILTER ]] || continue
    run_one "$n" bash "$t"
done
for t in tests/js/test_*.mjs; do
    [ -e "$t" ] || continue; n=js/$(basename "$t"); [[ $n =~ $WMSS_TEST_FILTER ]] || continue
    run_one "$n" node "$t"
done
rm -rf "$logdir"
echo
[ ${#failures[@]} -eq 0 ] || printf 'failed: %s\n' "${failures[@]}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
