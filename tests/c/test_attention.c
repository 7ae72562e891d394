// The tiled attention kernels against the definition, evaluated in double: softmax of
// scale * q.k over the visible keys (causal, optionally a sliding window), for packed
// training sequences longer than one tile (forward and backward) and for a KV cache
// (prefill continuing a slot, single-token decoding, runs split inside a tile).
#include <math.h>
#include <omp.h>
#include <stdlib.h>

#include "check.h"
#include "ops.h"
#include "rng.h"

static void fill(float *x, size_t n, wmss_rng *r) {
    for (size_t i = 0; i < n; i++) x[i] = (float)wmss_rng_normal(r);
}

static int first_key(int p, int window) { return window > 0 && p >= window ? p - window + 1 : 0; }

// Softmax weights of head h of a query (q: its (H, D) row) over key rows kv0 + [lo, p],
// in double; *lse gets the log-sum-exp of the scores. Returns lo.
static int ref_probs(double *pr, double *lse, const float *q, const float *k, int64_t kv0, int p, int h, int H, int KV,
                     int D, int window, float scale) {
    const int lo = first_key(p, window), kvh = h / (H / KV);
    double mx = -INFINITY, sum = 0.0;
    for (int s = lo; s <= p; s++) {
        double dot = 0.0;
        for (int d = 0; d < D; d++) dot += (double)q[h * D + d] * k[((kv0 + s) * KV + kvh) * D + d];
        pr[s - lo] = dot * scale;
        mx = fmax(mx, pr[s - lo]);
    }
    for (int s = lo; s <= p; s++) sum += pr[s - lo] = exp(pr[s - lo] - mx);
    for (int s = lo; s <= p; s++) pr[s - lo] /= sum;
    *lse = mx + log(sum);
    return lo;
}

static double rel_err(const float *x, const double *ref, size_t n) {
    double mx = 0.0, md = 0.0;
    for (size_t i = 0; i < n; i++) {
        mx = fmax(mx, fabs(ref[i]));
        md = fmax(md, fabs(x[i] - ref[i]));
    }
    return md / (mx > 0 ? mx : 1.0);
}

// Forward over N query tokens with the given key rows and positions; keys (rows, KV, D).
static void check_forward(check_state *st, const char *label, const int64_t *kv_row, const int *pos, int N, int rows,
                          int H, int KV, int D, int window, int max_len) {
    wmss_rng r;
    wmss_rng_seed(&r, 11);
    const float scale = 1.0f / sqrtf((float)D);
    float *q = malloc(sizeof(float) * N * H * D), *k = malloc(sizeof(float) * rows * KV * D);
    float *v = malloc(sizeof(float) * rows * KV * D), *out = malloc(sizeof(float) * N * H * D);
    float *lse = malloc(sizeof(float) * N * H);
    double *ref = calloc((size_t)N * H * D, sizeof *ref), *ref_lse = malloc(sizeof(double) * N * H);
    double *pr = malloc(sizeof(double) * max_len);
    fill(q, (size_t)N * H * D, &r);
    fill(k, (size_t)rows * KV * D, &r);
    fill(v, (size_t)rows * KV * D, &r);
    attention_forward(out, lse, q, k, v, kv_row, pos, N, H, KV, D, window, scale);
    for (int i = 0; i < N; i++)
        for (int h = 0; h < H; h++) {
            const int lo = ref_probs(pr, &ref_lse[(size_t)i * H + h], q + (size_t)i * H * D, k, kv_row[i], pos[i], h,
                                     H, KV, D, window, scale);
            for (int s = lo; s <= pos[i]; s++)
                for (int d = 0; d < D; d++)
                    ref[((size_t)i * H + h) * D + d] += pr[s - lo] * v[((kv_row[i] + s) * KV + h / (H / KV)) * D + d];
        }
    const double eo = rel_err(out, ref, (size_t)N * H * D), el = rel_err(lse, ref_lse, (size_t)N * H);
    CHECK(st, eo < 1e-5, "%s: out relative error %.3g", label, eo);
    CHECK(st, el < 1e-5, "%s: lse relative error %.3g", label, el);
    free(q); free(k); free(v); free(out); free(lse); free(ref); free(ref_lse); free(pr);
}

// Packed training sequences: forward, then backward against the definition.
static void check_packed(check_state *st, const char *label, const int *lens, int B, int H, int KV, int D, int window) {
    int start[16], N = 0;
    start[0] = 0;
    for (int b = 0; b < B; b++) start[b + 1] = N += lens[b];
    int *pos = malloc(sizeof(int) * N);
    int64_t *kv_row = malloc(sizeof(int64_t) * N);
    for (int b = 0; b < B; b++)
        for (int i = start[b]; i < start[b + 1]; i++) {
            pos[i] = i - start[b];
            kv_row[i] = start[b];
        }
    check_forward(st, label, kv_row, pos, N, N, H, KV, D, window, N);

    wmss_rng r;
    wmss_rng_seed(&r, 5);
    const float scale = 1.0f / sqrtf((float)D);
    const size_t nq = (size_t)N * H * D, nk = (size_t)N * KV * D;
    float *q = malloc(sizeof(float) * nq), *k = malloc(sizeof(float) * nk), *v = malloc(sizeof(float) * nk);
    float *out = malloc(sizeof(float) * nq), *lse = malloc(sizeof(float) * N * H), *go = malloc(sizeof(float) * nq);
    float *dq = malloc(sizeof(float) * nq), *dk = malloc(sizeof(float) * nk), *dv = malloc(sizeof(float) * nk);
    double *rq = calloc(nq, sizeof(double)), *rk = calloc(nk, sizeof(double)), *rv = calloc(nk, sizeof(double));
    double *pr = malloc(sizeof(double) * N), *dp = malloc(sizeof(double) * N);
    fill(q, nq, &r);
    fill(k, nk, &r);
    fill(v, nk, &r);
    fill(go, nq, &r);
    for (size_t i = 0; i < nq; i++) dq[i] = 1e30f;  // written, not accumulated
    for (size_t i = 0; i < nk; i++) dk[i] = dv[i] = 1e30f;
    attention_forward(out, lse, q, k, v, kv_row, pos, N, H, KV, D, window, scale);
    attention_backward(dq, dk, dv, go, q, k, v, out, lse, start, pos, B, N, H, KV, D, window, scale);
    for (int i = 0; i < N; i++)
        for (int h = 0; h < H; h++) {
            double l;
            const int kvh = h / (H / KV), lo = ref_probs(pr, &l, q + (size_t)i * H * D, k, kv_row[i], pos[i], h, H, KV,
                                                         D, window, scale);
            const float *g = go + ((size_t)i * H + h) * D, *qi = q + ((size_t)i * H + h) * D;
            double delta = 0.0;
            for (int s = lo; s <= pos[i]; s++) {
                const size_t ks = ((kv_row[i] + s) * KV + kvh) * D;
                dp[s - lo] = 0.0;
                for (int d = 0; d < D; d++) dp[s - lo] += (double)g[d] * v[ks + d];
                delta += pr[s - lo] * dp[s - lo];
            }
            for (int s = lo; s <= pos[i]; s++) {
                const size_t ks = ((kv_row[i] + s) * KV + kvh) * D;
                const double ds = pr[s - lo] * (dp[s - lo] - delta) * scale;
                for (int d = 0; d < D; d++) {
                    rq[((size_t)i * H + h) * D + d] += ds * k[ks + d];
                    rk[ks + d] += ds * qi[d];
                    rv[ks + d] += pr[s - lo] * g[d];
                }
            }
        }
    const double eq = rel_err(dq, rq, nq), ek = rel_err(dk, rk, nk), ev = rel_err(dv, rv, nk);
    CHECK(st, eq < 1e-5 && ek < 1e-5 && ev < 1e-5, "%s: backward relative errors dq %.3g dk %.3g dv %.3g", label, eq,
          ek, ev);
    free(pos); free(kv_row); free(q); free(k); free(v); free(out); free(lse); free(go); free(dq); free(dk); free(dv);
    free(rq); free(rk); free(rv); free(pr); free(dp);
}

// A KV cache of 3 slots x 400 rows: slot 1 continues at position 37 with 150 tokens,
// slot 0 decodes one token at position 250, slot 2 prefills 70 tokens from 0, and
// slot 0's neighbour rows decode singly (runs of one inside a tile).
static void check_cache(check_state *st, const char *label, int H, int KV, int D, int window) {
    enum { SLOTS = 3, MAX_LEN = 400 };
    int64_t kv_row[300];
    int pos[300], N = 0;
    for (int t = 0; t < 150; t++, N++) kv_row[N] = 1 * MAX_LEN, pos[N] = 37 + t;
    kv_row[N] = 0, pos[N++] = 250;
    for (int t = 0; t < 70; t++, N++) kv_row[N] = 2 * MAX_LEN, pos[N] = t;
    for (int t = 0; t < 5; t++, N++) kv_row[N] = (t % 2) * MAX_LEN, pos[N] = 300 + t;
    check_forward(st, label, kv_row, pos, N, SLOTS * MAX_LEN, H, KV, D, window, MAX_LEN);
}

int main(void) {
    check_state st = {0};
    const int lens[] = {300, 1, 64, 65, 130, 7};
    check_packed(&st, "packed GQA D=16", lens, 6, 4, 2, 16, 0);
    check_packed(&st, "packed MQA D=64", lens, 6, 3, 1, 64, 0);
    check_packed(&st, "packed MHA D=32 window 7", lens, 6, 2, 2, 32, 7);
    check_packed(&st, "packed GQA D=16 window 100", lens, 6, 4, 2, 16, 100);
    check_packed(&st, "packed GQA D=16 window 200", lens, 6, 4, 2, 16, 200);
    check_cache(&st, "cache GQA D=16", 4, 2, 16, 0);
    check_cache(&st, "cache MQA D=64 window 40", 2, 1, 64, 40);
    check_cache(&st, "cache MHA D=8 window 150", 2, 2, 8, 150);
    return check_finish(&st, "test_attention");
}
