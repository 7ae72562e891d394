#!/usr/bin/env bash
# The CUDA backend compiles and links wherever nvcc is present (make CUDA=1), so a change
# that breaks it is caught without a GPU. Without a GPU the CUDA build must still work:
# automatic device selection falls back to the CPU backend (and test_ops passes there),
# and --device cuda fails with a message instead of crashing. With a GPU visible, the
# CUDA build's own acceptance test runs: test_ops on the cuda backend.
# Skipped (reported, exit 0) where there is no nvcc.
set -u
fail() { echo "FAIL: $*"; exit 1; }
NVCC=${NVCC:-/usr/local/cuda/bin/nvcc}
if [ ! -x "$NVCC" ] && ! command -v nvcc >/dev/null; then
    echo "skip: no nvcc on this machine (the CUDA backend is compiled where one is)"
    exit 0
fi
[ "${WMSS_SAN:-0}" = 1 ] && { echo "skip: compiled once, in the normal build's run"; exit 0; }
cd "$WMSS_ROOT"
B=${WMSS_CUDA_BUILD:-build-cuda}
mkdir -p "$B"
make -j"$(nproc)" CUDA=1 MPI=0 BUILD="$B" >"$B/make.log" 2>&1 || { tail -n 40 "$B/make.log"; fail "make CUDA=1"; }
grep -q "warning" "$B/make.log" && { grep -n "warning" "$B/make.log" | head; fail "the CUDA build has warnings"; }
echo "ok   make CUDA=1 builds $B/wmss and its tests"
nm "$B/libwmss.a" 2>/dev/null | grep -q " T wmss_cuda_backend" || fail "libwmss.a has no CUDA backend"
if WMSS_DEVICE=cuda "$B/tests/test_ops" >"$B/ops.log" 2>&1; then
    echo "ok   a GPU is visible: test_ops passes on the cuda backend"; tail -n 1 "$B/ops.log"
else
    grep -qi "cuda" "$B/ops.log" || { tail "$B/ops.log"; fail "test_ops on cuda failed without naming CUDA"; }
    grep -q "passed" "$B/ops.log" && { grep -v "^ok" "$B/ops.log" | tail; fail "test_ops failed on the cuda backend"; }
    echo "ok   no GPU: --device cuda refused with: $(grep -i cuda "$B/ops.log" | head -n 1)"
    WMSS_DEVICE=auto "$B/tests/test_ops" >"$B/ops.log" 2>&1 || { tail "$B/ops.log"; fail "test_ops (auto -> cpu) in the CUDA build"; }
    echo "ok   the CUDA build falls back to the CPU backend: $(tail -n 1 "$B/ops.log")"
    out=$("$B/wmss" logits --device cuda --model /nonexistent --ids 1 2>&1); rc=$?
    [ $rc -eq 2 ] && echo "$out" | grep -qi "cuda" || fail "wmss --device cuda without a GPU: rc $rc: $out"
    echo "ok   wmss logits --device cuda without a GPU: exit 2, '$out'"
fi
