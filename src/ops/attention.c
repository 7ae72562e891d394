#include <math.h>
#include <omp.h>

#include "ops.h"

void attention_forward(float *out, float *lse, const float *q, const float *k, const float *v, const int *pos,
                       int N, int H, int KV, int D, float *scratch, int max_len, int n_threads) {
    const int group = H / KV;
    const float scale = 1.0f / sqrtf((float)D);
    #pragma omp parallel for collapse(2) schedule(dynamic, 8) num_threads(n_threads)
    for (int i = 0; i < N; i++) {
        for (int h = 0; h < H; h++) {
            float *sc = scratch + (size_t)omp_get_thread_num() * max_len;
            const float *qi = q + ((size_t)i * H + h) * D;
            const int kvh = h / group, first = i - pos[i], len = pos[i] + 1;
            float mx = -INFINITY;
            for (int s = 0; s < len; s++) {
                const float *ks = k + ((size_t)(first + s) * KV + kvh) * D;
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
                const float *vs = v + ((size_t)(first + s) * KV + kvh) * D;
                float p = sc[s] * inv;
                for (int d = 0; d < D; d++) o[d] += p * vs[d];
            }
            lse[(size_t)i * H + h] = mx + logf(sum);
        }
    }
}
