// Helpers of the CPU ops' hot loops (private to src/ops).
//
// The build targets x86-64-v2 (SSE4.2) for portability. WMSS_CLONES makes GCC compile a
// function three times — x86-64-v4 (AVX-512), x86-64-v3 (AVX2 + FMA) and the baseline —
// and pick one at load time (an ifunc), so the loops marked `#pragma omp simd` run with
// the widest vectors the CPU has (OpenMP regions inside are cloned with their function).
// Other compilers get the baseline only.
#ifndef WMSS_OPS_SIMD_H
#define WMSS_OPS_SIMD_H

#include <stdint.h>
#include <string.h>

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && !defined(WMSS_NO_CLONES)
#define WMSS_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define WMSS_CLONES
#endif

// Clang reports every `omp simd` loop it cannot vectorize, which is all of them under
// the sanitizers of the fuzz build: the loops are correct either way.
#if defined(__clang__)
#pragma clang diagnostic ignored "-Wpass-failed"
#endif

// exp(x) in float32 that vectorizes when inlined into a `#pragma omp simd` loop (no
// libm call, no branches): x = n ln2 + r with |r| <= ln2/2, n rounded by the 1.5 * 2^23
// trick, exp(r) by its degree-6 Taylor polynomial, 2^n through the exponent bits.
// Relative error < 3e-7 (a few ulp); exp(x) = 0 for x <= -87.3 (-inf included); x is
// clamped at 88 above (exp(88) = 1.65e38); exp(NaN) is NaN.
static inline float wmss_expf(float x) {
    const float LOG2E = 1.44269504088896341f, LN2_HI = 0.693359375f, LN2_LO = -2.12194440e-4f;
    const float MAGIC = 12582912.0f;  // 1.5 * 2^23: adding it rounds to an integer in the low bits
    x = x < -87.3f ? -87.3f : x;
    x = x > 88.0f ? 88.0f : x;
    const float t = x * LOG2E + MAGIC, n = t - MAGIC;
    const float r = (x - n * LN2_HI) - n * LN2_LO;
    float p = 1.0f / 720.0f;
    p = p * r + 1.0f / 120.0f;
    p = p * r + 1.0f / 24.0f;
    p = p * r + 1.0f / 6.0f;
    p = p * r + 0.5f;
    p = p * r + 1.0f;
    p = p * r + 1.0f;
    uint32_t ti, bits;  // unsigned: for a NaN x the shift would overflow a signed int (undefined)
    memcpy(&ti, &t, sizeof ti);
    bits = (ti - 0x4B400000u + 127u) << 23;  // 0x4B400000: the bits of MAGIC
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return x == -87.3f ? 0.0f : p * scale;
}

#endif
