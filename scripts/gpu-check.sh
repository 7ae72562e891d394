#!/usr/bin/env bash
# The GPU check of the CUDA backend, in two halves:
#
#   bash scripts/gpu-check.sh pack    # here (no GPU needed): builds build-cuda/ (CUDA=1 MPI=0,
#                                     # wmss, tests, bench) and copies the shared libraries
#                                     # the binaries need into .devlibs/ (ignored by git)
#   bash scripts/gpu-check.sh run     # on the GPU machine, with build-cuda and .devlibs carried:
#       1. test_ops on the cuda backend in bf16, tf32 and fp32 math (every op vs float64)
#       2. tests/gpu/parity.py: logits, K=1 and K=2 gradients and 3 AdamW steps, CPU vs CUDA,
#          for Qwen3, Qwen2.5, Llama 3 and Gemma 3 (fp32 and bf16 math)
#       3. tests/gpu/hf_qwen3.py: a transformers Qwen3 from the same weights, same logits
#       4. wmss bench --device cuda (Qwen3-0.6B shape, 4 x 2048 tokens) with the PyTorch step
#          (bf16 autocast, AdamW) on the same GPU, and generation tokens/s at batch 1 and 32
#   Everything is logged under $OUT (the device tool's output folder) or ./gpu-check-out.
# The device tool's call: carry ["build-cuda/wmss", "build-cuda/tests/test_ops",
# "build-cuda/bench/bench_generate", ".devlibs"] (about 45 MB with the libraries), command
#   "bash scripts/gpu-check.sh run", timeout about 540 s (the bench is the longest part).
# GPU_CHECK_DEVICE=cpu runs the run half's comparisons on the CPU on both sides (checks
# the scripts here; every difference is then 0).
set -uo pipefail
cd "$(dirname "$0")/.."
B=${WMSS_CUDA_BUILD:-build-cuda}
case "${1:-}" in
pack)
    make -j"$(nproc)" CUDA=1 MPI=0 BUILD="$B" all bench || exit 1
    rm -rf .devlibs && mkdir -p .devlibs
    for bin in "$B/wmss" "$B/tests/test_ops" "$B/bench/bench_generate"; do
        ldd "$bin" | awk '/=> \//{print $3}'
    done | sort -u | grep -v -E '/(libc|libm|libpthread|libdl|librt|libstdc\+\+|libgcc_s|libcublas|libcublasLt|ld-linux[^/]*)\.so' |
        grep -v libcuda |
        while read -r lib; do cp -L "$lib" .devlibs/; done
    du -shc .devlibs "$B/wmss" "$B/tests/test_ops" "$B/bench/bench_generate"
    ;;
run)
    O=${OUT:-gpu-check-out}; mkdir -p "$O"
    export LD_LIBRARY_PATH="$PWD/.devlibs:${LD_LIBRARY_PATH:-}" WMSS="$PWD/$B/wmss"
    nvidia-smi --query-gpu=name,memory.total,clocks.sm,clocks.max.sm --format=csv 2>&1 | tee "$O/gpu.txt"
    rc=0
    for m in bf16 tf32 fp32; do
        WMSS_DEVICE=${GPU_CHECK_DEVICE:-cuda} WMSS_CUDA_MATH=$m "$B/tests/test_ops" >"$O/ops_$m.txt" 2>&1 || rc=1
        echo "test_ops $m: $(tail -n 1 "$O/ops_$m.txt")"; grep -v '^ok' "$O/ops_$m.txt" | grep -i fail | head -5
    done
    for m in fp32 bf16; do
        WMSS_CUDA_MATH=$m python3 tests/gpu/parity.py >"$O/parity_$m.txt" 2>&1 || rc=1
        echo "parity $m: $(tail -n 1 "$O/parity_$m.txt")"; grep FAIL "$O/parity_$m.txt" | head -5
        WMSS_CUDA_MATH=$m python3 tests/gpu/hf_qwen3.py 2>&1 | tail -n 1 | tee -a "$O/hf.txt"
    done
    ${GPU_CHECK_BENCH:-true} && {
        WMSS_PYTHON=python3 "$WMSS" bench --device "${GPU_CHECK_DEVICE:-cuda}" --sizes "${GPU_CHECK_SIZES:-0.6b}" \
            --steps 3 --torch-script bench/torch_step.py >"$O/bench.txt" 2>&1 || rc=1
        tail -n 4 "$O/bench.txt"
        for s in 1 32; do  # a Qwen3-0.6B-like width and depth (head_dim 64 here), vocabulary 32768
            WMSS_DEVICE=${GPU_CHECK_DEVICE:-cuda} "$B/bench/bench_generate" 1024 28 $s >"$O/gen_$s.txt" 2>&1 || rc=1
            echo "generation, $s streams:"; tail -n 4 "$O/gen_$s.txt"
        done
    }
    exit $rc
    ;;
*)
    echo "usage: bash scripts/gpu-check.sh pack|run" >&2; exit 2 ;;
esac
