#include <math.h>
#include <string.h>

#include "cpu.h"
#include "simd.h"

void cpu_embedding_forward(float *out, const int *ids, const float *table, float scale, int N, int C) {
    #pragma omp parallel for schedule(static)
    for (int i = 0; i < N; i++) {
        float *o = out + (size_t)i * C;
        const float *t = table + (size_t)ids[i] * C;
        if (scale == 1.0f) memcpy(o, t, C * sizeof(float));
        else
            for (int c = 0; c < C; c++) o[c] = t[c] * scale;
    }
}

// NEFTune's noise (ops.h): the counter-based uniform, then s_b * u added per element.
static inline float noise_uniform(uint64_t seed, uint64_t k) {
    uint64_t z = seed + (k + 1) * 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return (float)((int32_t)(z >> 40) * 2 + 1 - (1 << 24)) * 0x1p-24f;
}

void cpu_embedding_noise(float *x, const int *seq_start, int B, int N, int C, float alpha, uint64_t seed) {
    #pragma omp parallel for schedule(static)
    for (int n = 0; n < N; n++) {
        int lo = 0, hi = B - 1;  // the sequence of token n: the last b with seq_start[b] <= n
        while (lo < hi) {
            const int mid = (lo + hi + 1) / 2;
            if (seq_start[mid] <= n) lo = mid;
            else hi = mid - 1;
        }
        const float s = (float)((double)alpha / sqrt((double)(seq_start[lo + 1] - seq_start[lo]) * C));
        float *xn = x + (size_t)n * C;
        for (int c = 0; c < C; c++) {
            const float d = s * noise_uniform(seed, (uint64_t)n * C + c);  // rounded, then added
            xn[c] += d;
        }
    }
}

// gelu_pytorch_tanh: 0.5 x (1 + tanh(k (x + 0.044715 x^3))), k = sqrt(2 / pi), as
// PyTorch's CPU kernel evaluates it.
static const float GELU_K = 0.7978845608028654f, GELU_C = 0.044715f;

void cpu_geglu_forward(float *out, const float *gate, const float *up, size_t n) {
    #pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) {
        const float x = gate[i], inner = GELU_K * (x + GELU_C * (x * x * x));
        out[i] = 0.5f * x * (1.0f + tanhf(inner)) * up[i];
    }
}

void cpu_geglu_backward(float *dgate, float *dup, const float *dout, const float *gate, const float *up, size_t n) {
    #pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) {
        const float x = gate[i], t = tanhf(GELU_K * (x + GELU_C * (x * x * x)));
        const float gelu = 0.5f * x * (1.0f + t);
        const float dgelu = 0.5f * (1.0f + t) + 0.5f * x * (1.0f - t * t) * GELU_K * (1.0f + 3.0f * GELU_C * x * x);
        dup[i] = dout[i] * gelu;
        dgate[i] = dout[i] * up[i] * dgelu;
    }
}

WMSS_CLONES void cpu_swiglu_forward(float *out, const float *gate, const float *up, size_t n) {
    #pragma omp parallel for simd schedule(static)
    for (size_t i = 0; i < n; i++) {
        float g = gate[i];
        out[i] = g / (1.0f + wmss_expf(-g)) * up[i];
    }
}

WMSS_CLONES void cpu_residual_forward(float *out, const float *x, const float *y, size_t n) {
    #pragma omp parallel for simd schedule(static)
    for (size_t i = 0; i < n; i++) out[i] = x[i] + y[i];
}

WMSS_CLONES void cpu_embedding_backward(float *dtable, const float *dout, const int *ids, float scale, int N, int C) {
    // Rows may repeat: split by columns so that no two threads add to the same float.
    #pragma omp parallel for schedule(static)
    for (int c0 = 0; c0 < C; c0 += 64) {
        int c1 = c0 + 64 < C ? c0 + 64 : C;
        for (int i = 0; i < N; i++) {
            float *d = dtable + (size_t)ids[i] * C;
            const float *g = dout + (size_t)i * C;
            #pragma omp simd
            for (int c = c0; c < c1; c++) d[c] += scale * g[c];
        }
    }
}

WMSS_CLONES void cpu_swiglu_backward(float *dgate, float *dup, const float *dout, const float *gate, const float *up,
                                 size_t n) {
    #pragma omp parallel for simd schedule(static)
    for (size_t i = 0; i < n; i++) {
        float g = gate[i], sg = 1.0f / (1.0f + wmss_expf(-g)), silu = g * sg;
        dup[i] = dout[i] * silu;
        dgate[i] = dout[i] * up[i] * sg * (1.0f + g * (1.0f - sg));
    }
}

void cpu_softcap_forward(float *z, size_t n, float cap) {
    #pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) z[i] = tanhf(z[i] / cap) * cap;  // as transformers: divide, tanh, multiply
}

void cpu_softcap_mix(float *z, const float *zraw, float w, float cap, int accumulate, size_t n) {
    #pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) {
        const float zc = tanhf(zraw[i] / cap) * cap;
        z[i] = accumulate ? z[i] + w * zc : w * zc;
    }
}

void cpu_softcap_backward(float *dzraw, const float *dz, const float *zraw, float cap, size_t n) {
    #pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) {
        const float t = tanhf(zraw[i] / cap);
        dzraw[i] = dz[i] * (1.0f - t * t);
    }
}
