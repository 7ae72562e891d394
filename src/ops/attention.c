#include <math.h>
#include <stdint.h>
#include <omp.h>

#include "ops.h"

size_t attention_scratch_floats(int max_len, int D, int n_threads) {
    (void)D;
    return (size_t)n_threads * max_len;
}

void attention_forward(float *out, float *lse, const float *q, const float *k, const float *v, const int64_t *kv_row,
                       const int *pos, int N, int H, int KV, int D, int window, float scale, float *scratch,
                       int max_len, int n_threads) {
    const int group = H / KV;
    #pragma omp parallel for collapse(2) schedule(dynamic, 8) num_threads(n_threads)
    for (int i = 0; i < N; i++) {
        for (int h = 0; h < H; h++) {
            float *sc = scratch + (size_t)omp_get_thread_num() * max_len;
            const float *qi = q + ((size_t)i * H + h) * D;
            const int lo = window > 0 && pos[i] >= window ? pos[i] - window + 1 : 0, len = pos[i] + 1 - lo;
            const float *kb = k + (size_t)(kv_row[i] + lo) * KV * D, *vb = v + (size_t)(kv_row[i] + lo) * KV * D;
            const int kvh = h / group;
            float mx = -INFINITY;
            for (int s = 0; s < len; s++) {
                const float *ks = kb + ((size_t)s * KV + kvh) * D;
                float dot = 0.0f;
                for (int d = 0; d < D; d++) dot += qi[d] * ks[d];
                sc[s] = dot * scale;
                mx = fmaxf(mx, sc[s]);
            }
            float sum = 0.0f;
            for (int s = 0; s < len; s++) {
                sc[s] = expf(sc[s] - mx);
                sum += sc[s];
            }
            float *o = out + ((size_t)i * H + h) * D, inv = 1.0f / sum;
            for (int d = 0; d < D; d++) o[d] = 0.0f;
            for (int s = 0; s < len; s++) {
                const float *vs = vb + ((size_t)s * KV + kvh) * D;
                float p = sc[s] * inv;
                for (int d = 0; d < D; d++) o[d] += p * vs[d];
            }
            lse[(size_t)i * H + h] = mx + logf(sum);
        }
    }
}

void attention_backward(float *dq, float *dk, float *dv, const float *dout, const float *q, const float *k,
                        const float *v, const float *out, const float *lse, const int *seq_start, int B, int N, int H,
                        int KV, int D, int window, float scale, int n_threads) {
    const int group = H / KV;
    #pragma omp parallel for schedule(static) num_threads(n_threads)
    for (size_t i = 0; i < (size_t)N * H * D; i++) dq[i] = 0.0f;
    #pragma omp parallel for schedule(static) num_threads(n_threads)
    for (size_t i = 0; i < (size_t)N * KV * D; i++) dk[i] = dv[i] = 0.0f;
    // One task per (sequence, kv head): it owns dk/dv rows of that head in that
    // sequence and dq rows of the query heads that share it.
    #pragma omp parallel for collapse(2) schedule(dynamic, 1) num_threads(n_threads)
    for (int b = 0; b < B; b++) {
        for (int kvh = 0; kvh < KV; kvh++) {
            const int first = seq_start[b], T = seq_start[b + 1] - first;
            for (int h = kvh * group; h < (kvh + 1) * group; h++) {
                for (int t = 0; t < T; t++) {
                    const size_t qi = ((size_t)(first + t) * H + h) * D;
                    const float *qv = q + qi, *go = dout + qi, *o = out + qi;
                    const float l = lse[(size_t)(first + t) * H + h];
                    float delta = 0.0f;  // sum_d dout * out = sum_s p_s * (dout . v_s)
                    for (int d = 0; d < D; d++) delta += go[d] * o[d];
                    float *gq = dq + qi;
                    const int lo = window > 0 && t >= window ? t - window + 1 : 0;
                    for (int s = lo; s <= t; s++) {
                        const size_t ki = ((size_t)(first + s) * KV + kvh) * D;
                        const float *kv = k + ki, *vv = v + ki;
                        float dot = 0.0f, dp = 0.0f;
                        for (int d = 0; d < D; d++) {
                            dot += qv[d] * kv[d];
                            dp += go[d] * vv[d];
                        }
                        const float ps = expf(dot * scale - l);
                        const float ds = ps * (dp - delta) * scale;
                        float *gk = dk + ki, *gv = dv + ki;
                        for (int d = 0; d < D; d++) {
                            gq[d] += ds * kv[d];
                            gk[d] += ds * qv[d];
                            gv[d] += ps * go[d];
                        }
                    }
                }
            }
        }
    }
}
