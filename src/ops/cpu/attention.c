// Grouped-query causal attention, tiled as FlashAttention does so that no (T x T)
// score matrix ever exists: queries in tiles of BQ rows, keys in tiles of BK, the
// products inside a tile by single-threaded BLAS calls (each OpenMP thread owns whole
// tiles; OpenBLAS runs one thread inside a parallel region).
//
// Forward: per (query tile, head) an online softmax over the key tiles: a running row
// max m and sum l; when m grows, the output accumulated so far is scaled by exp(m_old -
// m_new). The log-sum-exp m + log(l) is kept for the backward pass.
// Backward: per (sequence, kv head), the probabilities of each tile are recomputed from
// the log-sum-exp: P = exp(scale q.k - lse), dP = dO V^T, dS = P (dP - delta) scale with
// delta = rowsum(dO * O), then dQ += dS K, dK += dS^T Q, dV += P^T dO.
#include <cblas.h>
#include <math.h>
#include <omp.h>
#include <string.h>

#include "cpu.h"
#include "simd.h"

enum {
    BQ = 64,                          // query rows per tile
    BK = 128,                         // keys per tile
    TILE_FLOATS = BQ * BK + 2 * BQ,   // a score tile (BQ, BK), row max and row sum (BQ) each
};

// The first key position a query at position p attends to.
static inline int first_key(int p, int window) { return window > 0 && p >= window ? p - window + 1 : 0; }

// s (n, kb; row stride BK) = scale * q (n, D; row stride qs) k^T (k: kb rows, stride ks).
static void tile_scores(float *s, const float *q, int qs, const float *k, int ks, int n, int kb, int D, float scale) {
    if (n == 1) cblas_sgemv(CblasRowMajor, CblasNoTrans, kb, D, scale, k, ks, q, 1, 0.0f, s, 1);
    else cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, kb, D, scale, q, qs, k, ks, 0.0f, s, BK);
}

// o (n, D; stride os) += p (n, kb; stride BK) v (kb rows of D, stride vs).
static void tile_accumulate(float *o, int os, const float *p, const float *v, int vs, int n, int kb, int D) {
    if (n == 1) cblas_sgemv(CblasRowMajor, CblasTrans, kb, D, 1.0f, v, vs, p, 1, 1.0f, o, 1);
    else cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, D, kb, 1.0f, p, BK, v, vs, 1.0f, o, os);
}

// Zeroes s[0, a) and s[b, kb) (0 <= a < b <= kb): the keys a tile row does not see.
static void zero_outside(float *s, int kb, int a, int b) {
    memset(s, 0, (size_t)a * sizeof *s);
    memset(s + b, 0, (size_t)(kb - b) * sizeof *s);
}

// One row of a score tile in the online softmax: keys [a, b) of the tile are visible.
// s becomes exp(s - m_new) there (0 elsewhere); *m, *l are the row's running max and
// sum. Returns the factor exp(m_old - m_new) for the output accumulated so far.
WMSS_CLONES static float online_softmax_row(float *s, int kb, int a, int b, float *m, float *l) {
    if (a >= b) {
        memset(s, 0, (size_t)kb * sizeof *s);
        return 1.0f;
    }
    float mx = -INFINITY;
    #pragma omp simd reduction(max : mx)
    for (int j = a; j < b; j++) mx = s[j] > mx ? s[j] : mx;
    const float m_new = *m > mx ? *m : mx, corr = wmss_expf(*m - m_new);  // *m = -inf: corr = 0
    float sum = 0.0f;
    #pragma omp simd reduction(+ : sum)
    for (int j = a; j < b; j++) {
        s[j] = wmss_expf(s[j] - m_new);
        sum += s[j];
    }
    zero_outside(s, kb, a, b);
    *l = *l * corr + sum;
    *m = m_new;
    return corr;
}

WMSS_CLONES static void scale_row(float *x, int n, float c) {
    #pragma omp simd
    for (int i = 0; i < n; i++) x[i] *= c;
}

// A run of n queries of one head at consecutive positions p0.. of one sequence (q, o:
// rows of stride qs; lse: stride ls) against that sequence's keys and values (k, v: the
// rows of position 0, stride kvs). tile: TILE_FLOATS of this thread.
static void attend_run(float *o, float *lse, const float *q, const float *k, const float *v, int n, int p0, int qs,
                       int ls, int kvs, int D, int window, float scale, float *tile) {
    float *m = tile + BQ * BK, *l = m + BQ;
    for (int r = 0; r < n; r++) {
        m[r] = -INFINITY;
        l[r] = 0.0f;
        memset(o + (size_t)r * qs, 0, (size_t)D * sizeof *o);
    }
    const int lo = first_key(p0, window), hi = p0 + n;  // keys [lo, hi) cover the run
    for (int s0 = lo; s0 < hi; s0 += BK) {
        const int kb = hi - s0 < BK ? hi - s0 : BK;
        tile_scores(tile, q, qs, k + (size_t)s0 * kvs, kvs, n, kb, D, scale);
        for (int r = 0; r < n; r++) {
            const int p = p0 + r, a = first_key(p, window) > s0 ? first_key(p, window) - s0 : 0;
            const int b = p + 1 < s0 + kb ? p + 1 - s0 : kb;
            const float corr = online_softmax_row(tile + (size_t)r * BK, kb, a, b, &m[r], &l[r]);
            if (corr != 1.0f) scale_row(o + (size_t)r * qs, D, corr);
        }
        tile_accumulate(o, qs, tile, v + (size_t)s0 * kvs, kvs, n, kb, D);
    }
    for (int r = 0; r < n; r++) {
        scale_row(o + (size_t)r * qs, D, 1.0f / l[r]);
        lse[(size_t)r * ls] = m[r] + logf(l[r]);
    }
}

void cpu_attention_forward(float *out, float *lse, const float *q, const float *k, const float *v, const int64_t *kv_row,
                           const int *pos, int N, int H, int KV, int D, int window, float scale) {
    const int group = H / KV, n_chunks = (N + BQ - 1) / BQ;
    // Tasks: (chunk of BQ tokens, head), later chunks (more keys) first. A chunk splits
    // into runs where the sequence changes or positions stop being consecutive.
    #pragma omp parallel for schedule(dynamic, 1)
    for (int task = 0; task < n_chunks * H; task++) {
        const int c = n_chunks - 1 - task / H, h = task % H, end = (c + 1) * BQ < N ? (c + 1) * BQ : N;
        float tile[TILE_FLOATS];  // this task's score tile, row max and row sum (33 KB of stack)
        for (int i0 = c * BQ, i1; i0 < end; i0 = i1) {
            for (i1 = i0 + 1; i1 < end && kv_row[i1] == kv_row[i0] && pos[i1] == pos[i1 - 1] + 1;) i1++;
            const size_t qi = ((size_t)i0 * H + h) * D, kv0 = (size_t)kv_row[i0] * KV * D + (size_t)(h / group) * D;
            attend_run(out + qi, lse + (size_t)i0 * H + h, q + qi, k + kv0, v + kv0, i1 - i0, pos[i0], H * D, H, KV * D,
                       D, window, scale, tile);
        }
    }
}

// ---------------------------------------------------------------------------------
// Backward.

WMSS_CLONES static float dot(const float *x, const float *y, int n) {
    float s = 0.0f;
    #pragma omp simd reduction(+ : s)
    for (int i = 0; i < n; i++) s += x[i] * y[i];
    return s;
}

// A row of a score tile -> probabilities exp(s - lse) on keys [a, b), 0 elsewhere.
WMSS_CLONES static void probs_row(float *s, int kb, int a, int b, float lse) {
    if (a >= b) {
        memset(s, 0, (size_t)kb * sizeof *s);
        return;
    }
    #pragma omp simd
    for (int j = a; j < b; j++) s[j] = wmss_expf(s[j] - lse);
    zero_outside(s, kb, a, b);
}

// ds (kb) = p * (dp - delta) * scale, in place over dp.
WMSS_CLONES static void dscores_row(float *ds, const float *p, int kb, float delta, float scale) {
    #pragma omp simd
    for (int j = 0; j < kb; j++) ds[j] = p[j] * (ds[j] - delta) * scale;
}

typedef struct {
    float p[BQ * BK];   // (BQ, BK) probabilities of a tile
    float ds[BQ * BK];  // (BQ, BK) dL/dP, then dL/dS (the scale folded in)
    float delta[BQ];
} bwd_tile;

// Query tile t0..t0+n of head h of one sequence (pointers at its first row, position
// 0 of the sequence for k, v, dk, dv; strides qs for query-sized rows, kvs for keys).
static void backward_tile(float *dq, float *dk, float *dv, const float *go, const float *q, const float *k,
                          const float *v, const float *o, const float *lse, int n, int t0, int qs, int ls, int kvs,
                          int D, int window, float scale, bwd_tile *w) {
    for (int r = 0; r < n; r++) w->delta[r] = dot(go + (size_t)r * qs, o + (size_t)r * qs, D);
    const int lo = first_key(t0, window), hi = t0 + n;
    for (int s0 = lo; s0 < hi; s0 += BK) {
        const int kb = hi - s0 < BK ? hi - s0 : BK;
        const float *kt = k + (size_t)s0 * kvs, *vt = v + (size_t)s0 * kvs;
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, kb, D, scale, q, qs, kt, kvs, 0.0f, w->p, BK);
        for (int r = 0; r < n; r++) {
            const int p = t0 + r, a = first_key(p, window) > s0 ? first_key(p, window) - s0 : 0;
            const int b = p + 1 < s0 + kb ? p + 1 - s0 : kb;
            probs_row(w->p + (size_t)r * BK, kb, a, b, lse[(size_t)r * ls]);
        }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, kb, D, 1.0f, go, qs, vt, kvs, 0.0f, w->ds, BK);
        for (int r = 0; r < n; r++) dscores_row(w->ds + (size_t)r * BK, w->p + (size_t)r * BK, kb, w->delta[r], scale);
        // dq (n, D) += ds k ; dk (kb, D) += ds^T q ; dv (kb, D) += p^T dout
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, D, kb, 1.0f, w->ds, BK, kt, kvs, 1.0f, dq, qs);
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, kb, D, n, 1.0f, w->ds, BK, q, qs, 1.0f,
                    dk + (size_t)s0 * kvs, kvs);
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, kb, D, n, 1.0f, w->p, BK, go, qs, 1.0f,
                    dv + (size_t)s0 * kvs, kvs);
    }
}

static void zero_rows(float *x, int rows, size_t stride, int D) {
    for (int r = 0; r < rows; r++) memset(x + (size_t)r * stride, 0, (size_t)D * sizeof *x);
}

void cpu_attention_backward(float *dq, float *dk, float *dv, const float *dout, const float *q, const float *k,
                            const float *v, const float *out, const float *lse, const int *seq_start, const int *pos,
                            int B, int N, int H, int KV, int D, int window, float scale) {
    (void)N;
    (void)pos;  // positions restart at each seq_start
    const int group = H / KV, qs = H * D, kvs = KV * D;
    // One task per (sequence, kv head): it owns dk/dv rows of that head in that
    // sequence and dq rows of the query heads that share it.
    #pragma omp parallel for collapse(2) schedule(dynamic, 1)
    for (int b = 0; b < B; b++) {
        for (int kvh = 0; kvh < KV; kvh++) {
            bwd_tile w;
            const int first = seq_start[b], T = seq_start[b + 1] - first;
            const size_t kv0 = (size_t)first * kvs + (size_t)kvh * D;
            zero_rows(dk + kv0, T, kvs, D);
            zero_rows(dv + kv0, T, kvs, D);
            for (int h = kvh * group; h < (kvh + 1) * group; h++) {
                const size_t q0 = (size_t)first * qs + (size_t)h * D;
                zero_rows(dq + q0, T, qs, D);
                for (int t0 = 0; t0 < T; t0 += BQ) {
                    const size_t qi = q0 + (size_t)t0 * qs;
                    backward_tile(dq + qi, dk + kv0, dv + kv0, dout + qi, q + qi, k + kv0, v + kv0, out + qi,
                                  lse + (size_t)(first + t0) * H + h, T - t0 < BQ ? T - t0 : BQ, t0, qs, H, kvs, D,
                                  window, scale, &w);
                }
            }
        }
    }
}
