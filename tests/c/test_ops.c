// The acceptance test of a compute backend: every op of ops.h, run on the backend that
// wmss_dev_select(getenv("WMSS_DEVICE")) picks, against a float64 reference written here
// as plain loops from the contract in ops.h (not from any backend's code).
//
// - Memory goes only through device.h (alloc, upload, download): on the CUDA backend the
//   pointers are GPU memory. Index arrays are uploaded too.
// - Outputs that an op writes are poisoned with NaN first, and inputs an op must not read
//   (gemm's row padding, KV-cache rows past a slot's length) hold NaN: a comparison fails
//   on any non-finite value, so an element not written, or a read of what the contract
//   excludes, cannot pass. Outputs an op accumulates into are pre-filled with random values.
// - Each backward op's reference gradient is itself checked against central differences
//   of L = sum(dout * f(x)) on the reference forward (float64, small sizes), so the
//   references are verified, not trusted.
// - Sizes cross the tiles and chunks of the implementations (64-query / 128-key
//   attention tiles, 64-column blocks, 1024-logit blocks, vector widths).
// One line per check ("ok   op: case  rel=..  max=.."), then check.h's summary; the exit
// status is non-zero if any check failed. WMSS_TEST_SEED overrides the random seed.
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "device.h"
#include "ops.h"

// ---------------------------------------------------------------------------------
// Tolerances, all in one place. A check passes when, over the compared elements,
//   rel = ||out - ref||_2 / ||ref||_2 <= tol   and   max|out - ref| <= MAX_FACTOR * tol * max|ref|
// (the second catches a few wrong elements that the norm would average away), and every
// element of out is finite.
//
// Why these values:
// - The CPU backend computes in float32 (unit roundoff 6e-8). Elementwise maps and row
//   reductions (libm / a vectorized expf with < 3e-7 relative error, float sums over
//   rows of up to 50k logits) stay below 3e-7 (the worst over 10 seeds: 2.2e-7), so 1e-5
//   leaves a margin of 40x, while a wrong formula (an off-by-one mask, a missing term,
//   eps in the wrong place, a wrong constant) shows up at 1e-4..1e-1. sgemm with K <= 300
//   and attention's online softmax (float accumulators over up to 200 keys, exp(m_old -
//   m_new) rescaling, D up to 256) reach 2.8e-7 and 5.1e-7: 2e-5 for them.
// - CUDA: matrix products go through cuBLAS in the precision WMSS_CUDA_MATH selects:
//   "fp32" (true float32: as the CPU, slightly looser, 3e-5, for a different summation
//   order), "tf32" (10-bit mantissa inputs, unit roundoff 4.9e-4: the relative error of a
//   product sum is ~7e-4, so 2e-3) or "bf16" (the default; 8-bit mantissa, unit roundoff
//   3.9e-3 per input: ~3e-3 relative, so 1e-2). Only gemm and matmul forward/backward use
//   them. Attention and the elementwise / row kernels are float32 CUDA-core code: kept at
//   1e-4 whatever the math mode (fast-math intrinsics such as __expf cost ~1e-6).
// - gather/scatter are copies: bit-exact on any backend.
// - sum_squares accumulates in double by contract: 1e-6 relative to the double sum
//   (a float accumulator over 1e6 elements would be off by 1e-4 or more).
// - Finite differences (float64 reference vs its own analytic gradient; backend
//   independent): step h = 1e-5 * max(1, |x|): truncation error ~h^2 and rounding
//   ~1e-16 / h keep the agreement near 1e-9; 1e-6 still flags any wrong term.
typedef enum {
    T_COPY,   // gather_rows, scatter_rows, xent's "correct" flag: exact
    T_ELEM,   // tensor_scale, residual, swiglu, geglu, softcap*, embedding, rope, adamw
    T_ROW,    // rmsnorm, xent_rows, logit_stats_rows
    T_MM,     // gemm, matmul_forward, matmul_backward
    T_ATTN,   // attention_forward, attention_backward
    T_SUMSQ,  // sum_squares
    T_FD,     // reference gradient vs central differences
    T_COUNT
} tol_class;
static const char *const TOL_NAME[T_COUNT] = {"copy", "elementwise", "row", "matmul", "attention", "sum_squares",
                                              "finite-diff"};
static double TOL[T_COUNT];
enum { MAX_FACTOR = 10 };

static int set_tolerances(wmss_dev_kind kind, const char *math) {
    TOL[T_COPY] = 0.0;
    TOL[T_SUMSQ] = 1e-6;
    TOL[T_FD] = 1e-6;
    if (kind == WMSS_DEV_CPU) {
        TOL[T_ELEM] = TOL[T_ROW] = 1e-5;
        TOL[T_MM] = TOL[T_ATTN] = 2e-5;
        return 0;
    }
    TOL[T_ELEM] = TOL[T_ROW] = TOL[T_ATTN] = 1e-4;
    if (!math || !*math || !strcmp(math, "bf16")) TOL[T_MM] = 1e-2;
    else if (!strcmp(math, "tf32")) TOL[T_MM] = 2e-3;
    else if (!strcmp(math, "fp32")) TOL[T_MM] = 3e-5;
    else {
        fprintf(stderr, "test_ops: WMSS_CUDA_MATH=%s: expected fp32, tf32 or bf16\n", math);
        return -1;
    }
    return 0;
}

// ---------------------------------------------------------------------------------
// Random numbers: splitmix64, one stream for the whole run (every case gets fresh data).

static uint64_t g_rng = 0x9E3779B97F4A7C15ull;

static uint64_t rng_next(void) {
    uint64_t z = (g_rng += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
static double rng_unif(void) { return (double)(rng_next() >> 11) * 0x1.0p-53; }  // [0, 1)
static int rng_int(int n) { return (int)(rng_next() % (uint64_t)n); }
static double rng_normal(void) {
    const double u = 1.0 - rng_unif(), w = rng_unif();  // u in (0, 1]
    return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * w);
}
static void randn(float *x, size_t n, double mean, double sd) {
    for (size_t i = 0; i < n; i++) x[i] = (float)(mean + sd * rng_normal());
}

// ---------------------------------------------------------------------------------
// Memory: host and device allocations are tracked and released after each case.

typedef struct {
    void **p;
    size_t n, cap;
} ptr_list;
static ptr_list g_host, g_dev;

static void track(ptr_list *l, void *p) {
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 64;
        l->p = realloc(l->p, l->cap * sizeof *l->p);
        if (!l->p) abort();
    }
    l->p[l->n++] = p;
}

static void *halloc(size_t bytes) {
    void *p = calloc(1, bytes ? bytes : 1);
    if (!p) {
        fprintf(stderr, "test_ops: out of host memory (%zu bytes)\n", bytes);
        exit(2);
    }
    track(&g_host, p);
    return p;
}
static float *hf(size_t n) { return halloc(n * sizeof(float)); }
static double *hd(size_t n) { return halloc(n * sizeof(double)); }
static int *hi(size_t n) { return halloc(n * sizeof(int)); }
static int64_t *hl(size_t n) { return halloc(n * sizeof(int64_t)); }

static void *dalloc(size_t bytes) {
    wmss_error e;
    void *p = wmss_dev_alloc(bytes ? bytes : 1, "test_ops buffer", &e);
    if (!p) {
        fprintf(stderr, "test_ops: %s\n", e.msg);
        exit(2);
    }
    track(&g_dev, p);
    return p;
}
// A device copy of a host array.
static void *dcopy(const void *h, size_t bytes) {
    void *d = dalloc(bytes);
    wmss_dev_upload(d, h, bytes);
    return d;
}
static float *dup_f(const float *h, size_t n) { return dcopy(h, n * sizeof(float)); }
static int *dup_i(const int *h, size_t n) { return dcopy(h, n * sizeof(int)); }
static int64_t *dup_l(const int64_t *h, size_t n) { return dcopy(h, n * sizeof(int64_t)); }
// A device array of n floats / doubles, all NaN.
static float *dnan_f(size_t n) {
    float *h = hf(n);
    for (size_t i = 0; i < n; i++) h[i] = NAN;
    return dup_f(h, n);
}
static double *dnan_d(size_t n) {
    double *h = hd(n);
    for (size_t i = 0; i < n; i++) h[i] = NAN;
    return dcopy(h, n * sizeof(double));
}
static float *down_f(const float *d, size_t n) {
    float *h = hf(n);
    wmss_dev_download(h, d, n * sizeof(float));
    return h;
}
static double *down_d(const double *d, size_t n) {
    double *h = hd(n);
    wmss_dev_download(h, d, n * sizeof(double));
    return h;
}
static double *to_d(const float *x, size_t n) {
    double *y = hd(n);
    for (size_t i = 0; i < n; i++) y[i] = x[i];
    return y;
}

static void release(void) {
    for (size_t i = 0; i < g_dev.n; i++) wmss_dev_free(g_dev.p[i]);
    for (size_t i = 0; i < g_host.n; i++) free(g_host.p[i]);
    g_dev.n = g_host.n = 0;
}

// ---------------------------------------------------------------------------------
// Comparison and reporting.

static check_state g_st;

static void report(int ok, const char *op, const char *cs, const char *detail) {
    printf("%s %s: %s  %s\n", ok ? "ok  " : "FAIL", op, cs, detail);
    fflush(stdout);
    if (ok) g_st.passed++;
    else g_st.failed++;
}

// out (float or double: of or od) against ref over n elements, under TOL[tc]. Written
// so that NaN fails: a non-finite out element fails the check whatever the norms say.
static int compare(const char *op, const char *cs, const float *of, const double *od, const double *ref, size_t n,
                   tol_class tc) {
    double se = 0.0, sr = 0.0, mx = 0.0, mr = 0.0;
    size_t bad = 0, first_bad = 0, worst = 0;
    for (size_t i = 0; i < n; i++) {
        const double o = of ? (double)of[i] : od[i], d = fabs(o - ref[i]);
        if (!isfinite(o) || !isfinite(ref[i])) {
            if (!bad++) first_bad = i;
            continue;
        }
        se += d * d;
        sr += ref[i] * ref[i];
        if (d > mx) mx = d, worst = i;
        if (fabs(ref[i]) > mr) mr = fabs(ref[i]);
    }
    const double tol = TOL[tc], rel = sr > 0 ? sqrt(se / sr) : sqrt(se);
    const int ok = bad == 0 && rel <= tol && mx <= MAX_FACTOR * tol * (mr > 0 ? mr : 1.0);
    char where[160] = "", nonfinite[48] = "", detail[320];
    if (!ok && n > 0) {  // where: the first non-finite element, else the largest error
        const size_t i = bad ? first_bad : worst;
        snprintf(where, sizeof where, "  %s [%zu] of %zu: out %.9g ref %.9g", bad ? "first non-finite" : "worst", i,
                 n, of ? (double)of[i] : od[i], ref[i]);
        if (bad) snprintf(nonfinite, sizeof nonfinite, " (%zu not finite)", bad);
    }
    snprintf(detail, sizeof detail, "rel=%.2e  max=%.2e  (tol %.0e %s)%s%s", rel, mx, tol, TOL_NAME[tc], where,
             nonfinite);
    report(ok, op, cs, detail);
    return ok;
}
static int cmp_f(const char *op, const char *cs, const float *out, const double *ref, size_t n, tol_class tc) {
    return compare(op, cs, out, NULL, ref, n, tc);
}
static int cmp_d(const char *op, const char *cs, const double *out, const double *ref, size_t n, tol_class tc) {
    return compare(op, cs, NULL, out, ref, n, tc);
}

// Central differences of L (which reads x through its context) against grad (n).
typedef double (*loss_fn)(void *ctx);
static void fd_check(const char *op, const char *cs, double *x, size_t n, const double *grad, loss_fn L, void *ctx) {
    double *fd = hd(n);
    for (size_t i = 0; i < n; i++) {
        const double xi = x[i], h = 1e-5 * fmax(1.0, fabs(xi));
        x[i] = xi + h;
        const double lp = L(ctx);
        x[i] = xi - h;
        const double lm = L(ctx);
        x[i] = xi;
        fd[i] = (lp - lm) / ((xi + h) - (xi - h));
    }
    char name[96];
    snprintf(name, sizeof name, "fd %s", op);
    cmp_d(name, cs, grad, fd, n, T_FD);
}

static double dot_d(const double *a, const double *b, size_t n) {
    double s = 0.0;
    for (size_t i = 0; i < n; i++) s += a[i] * b[i];
    return s;
}

// ---------------------------------------------------------------------------------
// gemm: all four transposition combinations, row strides larger than the rows (padding
// holds NaN in A and B: never read; a sentinel in C: never written), beta 0 over a C of
// NaN (not read) and beta != 0.

static void gemm_case(int tA, int tB, int M, int N, int K, float alpha, float beta) {
    const int ar = tA ? K : M, ac = tA ? M : K, br = tB ? N : K, bc = tB ? K : N;
    const int lda = ac + 3, ldb = bc + 5, ldc = N + 2;
    const float SENTINEL = 777.25f;
    float *A = hf((size_t)ar * lda), *B = hf((size_t)br * ldb), *C = hf((size_t)M * ldc);
    for (int r = 0; r < ar; r++)
        for (int c = 0; c < lda; c++) A[(size_t)r * lda + c] = c < ac ? (float)rng_normal() : NAN;
    for (int r = 0; r < br; r++)
        for (int c = 0; c < ldb; c++) B[(size_t)r * ldb + c] = c < bc ? (float)rng_normal() : NAN;
    for (int r = 0; r < M; r++)
        for (int c = 0; c < ldc; c++)
            C[(size_t)r * ldc + c] = c >= N ? SENTINEL : beta == 0.0f ? NAN : (float)rng_normal();
    double *ref = hd((size_t)M * N);
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) {
            double s = 0.0;
            for (int k = 0; k < K; k++) {
                const double a = tA ? A[(size_t)k * lda + i] : A[(size_t)i * lda + k];
                const double b = tB ? B[(size_t)j * ldb + k] : B[(size_t)k * ldb + j];
                s += a * b;
            }
            ref[(size_t)i * N + j] = alpha * s + (beta != 0.0f ? (double)beta * C[(size_t)i * ldc + j] : 0.0);
        }
    float *dA = dup_f(A, (size_t)ar * lda), *dB = dup_f(B, (size_t)br * ldb), *dC = dup_f(C, (size_t)M * ldc);
    gemm(tA, tB, M, N, K, alpha, dA, lda, dB, ldb, beta, dC, ldc);
    const float *out = down_f(dC, (size_t)M * ldc);
    float *got = hf((size_t)M * N);
    int pad_ok = 1;
    for (int i = 0; i < M; i++)
        for (int c = 0; c < ldc; c++) {
            if (c < N) got[(size_t)i * N + c] = out[(size_t)i * ldc + c];
            else if (memcmp(&out[(size_t)i * ldc + c], &SENTINEL, sizeof SENTINEL)) pad_ok = 0;
        }
    char cs[128];
    snprintf(cs, sizeof cs, "%c%c M=%d N=%d K=%d lda=%d ldb=%d ldc=%d alpha=%g beta=%g", tA ? 'T' : 'N',
             tB ? 'T' : 'N', M, N, K, lda, ldb, ldc, alpha, beta);
    cmp_f("gemm", cs, got, ref, (size_t)M * N, T_MM);
    report(pad_ok, "gemm", cs, pad_ok ? "C's row padding untouched" : "C's row padding was written");
    release();
}

static void test_gemm(void) {
    static const int sizes[][3] = {{67, 45, 130}, {1, 33, 7}, {130, 200, 257}};
    for (int s = 0; s < 3; s++)
        for (int t = 0; t < 4; t++) {
            gemm_case(t >> 1, t & 1, sizes[s][0], sizes[s][1], sizes[s][2], 0.75f, 0.0f);
            gemm_case(t >> 1, t & 1, sizes[s][0], sizes[s][1], sizes[s][2], 1.0f, 1.0f);
        }
    gemm_case(0, 1, 33, 17, 64, -1.5f, -0.5f);
    gemm_case(0, 0, 5, 7, 0, 1.0f, 0.0f);  // K = 0: C = beta C, zeros over NaN for beta 0
    gemm_case(1, 1, 5, 7, 0, 1.0f, 0.5f);
}

// ---------------------------------------------------------------------------------
// gather_rows / scatter_rows with non-contiguous row lists.

static void gather_scatter_case(int R, int n, int C) {
    float *in = hf((size_t)R * C);
    randn(in, (size_t)R * C, 0.0, 1.0);
    // A random permutation of the rows; the first n are the (distinct, unordered) list.
    int *perm = hi((size_t)R);
    for (int i = 0; i < R; i++) perm[i] = i;
    for (int i = R - 1; i > 0; i--) {
        const int j = rng_int(i + 1), t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
    int64_t *rows = hl((size_t)n);
    for (int r = 0; r < n; r++) rows[r] = perm[r];
    char cs[96];

    // Gather: out (n, C) poisoned; a repeated row is fine for a gather.
    int64_t *grows = hl((size_t)n);
    memcpy(grows, rows, (size_t)n * sizeof *rows);
    if (n > 2) grows[n - 1] = grows[0];
    double *ref = hd((size_t)n * C);
    for (int r = 0; r < n; r++)
        for (int c = 0; c < C; c++) ref[(size_t)r * C + c] = in[(size_t)grows[r] * C + c];
    float *din = dup_f(in, (size_t)R * C), *dout = dnan_f((size_t)n * C);
    gather_rows(dout, din, dup_l(grows, (size_t)n), n, C);
    snprintf(cs, sizeof cs, "%d of %d rows, C=%d", n, R, C);
    cmp_f("gather_rows", cs, down_f(dout, (size_t)n * C), ref, (size_t)n * C, T_COPY);

    // Scatter: out (R, C) pre-filled; only the listed rows change.
    float *src = hf((size_t)n * C), *pre = hf((size_t)R * C);
    randn(src, (size_t)n * C, 0.0, 1.0);
    randn(pre, (size_t)R * C, 5.0, 1.0);
    double *sref = to_d(pre, (size_t)R * C);
    for (int r = 0; r < n; r++)
        for (int c = 0; c < C; c++) sref[(size_t)rows[r] * C + c] = src[(size_t)r * C + c];
    float *dpre = dup_f(pre, (size_t)R * C);
    scatter_rows(dpre, dup_f(src, (size_t)n * C), dup_l(rows, (size_t)n), n, C);
    cmp_f("scatter_rows", cs, down_f(dpre, (size_t)R * C), sref, (size_t)R * C, T_COPY);
    release();
}

static void test_gather_scatter(void) {
    gather_scatter_case(50, 17, 67);
    gather_scatter_case(600, 300, 128);
    gather_scatter_case(3, 1, 1);
}

// ---------------------------------------------------------------------------------
// tensor_scale, sum_squares, residual_forward.

static void test_scale_sumsq_residual(void) {
    static const size_t ns[] = {1, 1000, 1000003};
    char cs[64];
    {  // n = 0: the empty sum
        const float one = 3.0f;
        const double got = sum_squares(dup_f(&one, 1), 0), zero = 0.0;
        cmp_d("sum_squares", "n=0", &got, &zero, 1, T_SUMSQ);
        release();
    }
    for (int t = 0; t < 3; t++) {
        const size_t n = ns[t];
        float *x = hf(n);
        randn(x, n, 0.3, 2.0);
        double ref = 0.0;
        for (size_t i = 0; i < n; i++) ref += (double)x[i] * x[i];
        float *dx = dup_f(x, n);
        const double got = sum_squares(dx, n);
        snprintf(cs, sizeof cs, "n=%zu", n);
        cmp_d("sum_squares", cs, &got, &ref, 1, T_SUMSQ);

        double *sref = hd(n);
        for (size_t i = 0; i < n; i++) sref[i] = (double)x[i] * -0.37f;
        tensor_scale(dx, n, -0.37f);
        cmp_f("tensor_scale", cs, down_f(dx, n), sref, n, T_ELEM);

        float *y = hf(n);
        randn(y, n, 0.0, 1.0);
        double *rref = hd(n);
        for (size_t i = 0; i < n; i++) rref[i] = (double)x[i] + y[i];
        float *dx2 = dup_f(x, n), *dy = dup_f(y, n), *dout = dnan_f(n);
        residual_forward(dout, dx2, dy, n);
        cmp_f("residual_forward", cs, down_f(dout, n), rref, n, T_ELEM);
        residual_forward(dx2, dx2, dy, n);  // out aliases x
        snprintf(cs, sizeof cs, "n=%zu out aliases x", n);
        cmp_f("residual_forward", cs, down_f(dx2, n), rref, n, T_ELEM);
        release();
    }
}

// ---------------------------------------------------------------------------------
// embedding_forward / embedding_backward.

static void ref_embedding_fwd(double *out, const int *ids, const double *table, double sc, int N, int C) {
    for (int i = 0; i < N; i++)
        for (int c = 0; c < C; c++) out[(size_t)i * C + c] = sc * table[(size_t)ids[i] * C + c];
}
// Accumulates.
static void ref_embedding_bwd(double *dtable, const double *dout, const int *ids, double sc, int N, int C) {
    for (int i = 0; i < N; i++)
        for (int c = 0; c < C; c++) dtable[(size_t)ids[i] * C + c] += sc * dout[(size_t)i * C + c];
}

typedef struct {
    double *table, *dout, *tmp;
    const int *ids;
    double sc;
    int N, C;
} emb_ctx;
static double emb_loss(void *p) {
    emb_ctx *c = p;
    ref_embedding_fwd(c->tmp, c->ids, c->table, c->sc, c->N, c->C);
    return dot_d(c->tmp, c->dout, (size_t)c->N * c->C);
}

static void embedding_case(int V, int C, int N, float sc) {
    int *ids = hi((size_t)N);
    for (int i = 0; i < N; i++) ids[i] = rng_int(V);
    ids[1] = ids[0];
    ids[N - 1] = ids[0];  // repeats
    float *table = hf((size_t)V * C), *dout = hf((size_t)N * C), *dt0 = hf((size_t)V * C);
    randn(table, (size_t)V * C, 0.0, 1.0);
    randn(dout, (size_t)N * C, 0.0, 1.0);
    randn(dt0, (size_t)V * C, 0.0, 1.0);
    char cs[96];
    snprintf(cs, sizeof cs, "V=%d C=%d N=%d scale=%g", V, C, N, sc);

    double *ref = hd((size_t)N * C);
    ref_embedding_fwd(ref, ids, to_d(table, (size_t)V * C), sc, N, C);
    int *dids = dup_i(ids, (size_t)N);
    float *dout_dev = dnan_f((size_t)N * C);
    embedding_forward(dout_dev, dids, dup_f(table, (size_t)V * C), sc, N, C);
    cmp_f("embedding_forward", cs, down_f(dout_dev, (size_t)N * C), ref, (size_t)N * C, T_ELEM);

    double *dref = to_d(dt0, (size_t)V * C);
    ref_embedding_bwd(dref, to_d(dout, (size_t)N * C), ids, sc, N, C);
    float *ddt = dup_f(dt0, (size_t)V * C);
    embedding_backward(ddt, dup_f(dout, (size_t)N * C), dids, sc, N, C);
    cmp_f("embedding_backward", cs, down_f(ddt, (size_t)V * C), dref, (size_t)V * C, T_ELEM);
    release();
}

static void fd_embedding(void) {
    const int V = 5, C = 3, N = 7;
    int ids[7] = {2, 0, 2, 4, 1, 2, 0};
    emb_ctx c = {hd(V * C), hd(N * C), hd(N * C), ids, 1.7, N, C};
    for (int i = 0; i < V * C; i++) c.table[i] = rng_normal();
    for (int i = 0; i < N * C; i++) c.dout[i] = rng_normal();
    double *g = hd(V * C);
    ref_embedding_bwd(g, c.dout, ids, c.sc, N, C);
    fd_check("embedding_backward", "dtable V=5 C=3 N=7 (repeated ids)", c.table, V * C, g, emb_loss, &c);
    release();
}

// ---------------------------------------------------------------------------------
// embedding_noise (NEFTune): the documented counter-based uniform, written again here
// from ops.h. Checks: against the float64 reference x + alpha/sqrt(L C) u; bit for bit
// against the float rounding the contract fixes (so every backend gives the same bits);
// the noise's law per sequence (|noise| <= the bound, its max >= 0.9 of it on a long
// sequence, mean near 0, variance near bound^2 / 3); another seed, other noise.

static double noise_u(uint64_t seed, uint64_t k) {
    uint64_t z = seed + (k + 1) * 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return ((double)(z >> 40) * 2.0 + 1.0 - 16777216.0) / 16777216.0;
}

static void noise_case(const int *lens, int B, int C, float alpha, uint64_t seed) {
    int *start = hi((size_t)B + 1);
    start[0] = 0;
    for (int b = 0; b < B; b++) start[b + 1] = start[b] + lens[b];
    const int N = start[B];
    const size_t n = (size_t)N * C;
    float *x = hf(n), *exact = hf(n);
    randn(x, n, 0.0, 1.0);
    double *ref = hd(n);
    for (int b = 0; b < B; b++) {
        const double sd = (double)alpha / sqrt((double)lens[b] * C);
        const float sf = (float)sd;
        for (size_t i = (size_t)start[b] * C; i < (size_t)start[b + 1] * C; i++) {
            const double u = noise_u(seed, i);
            ref[i] = (double)x[i] + sd * u;
            const volatile float d = sf * (float)u;  // rounded, then added (no FMA)
            exact[i] = x[i] + d;
        }
    }
    char cs[128];
    snprintf(cs, sizeof cs, "B=%d N=%d C=%d alpha=%g seed=%#llx", B, N, C, alpha, (unsigned long long)seed);
    float *dx = dup_f(x, n);
    int *dstart = dup_i(start, (size_t)B + 1);
    embedding_noise(dx, dstart, B, N, C, alpha, seed);
    float *out = down_f(dx, n);
    cmp_f("embedding_noise", cs, out, ref, n, T_ELEM);
    size_t diff = 0;
    for (size_t i = 0; i < n; i++) diff += memcmp(&out[i], &exact[i], sizeof(float)) != 0;
    char detail[160];
    snprintf(detail, sizeof detail, "%zu of %zu elements differ from the contract's float rounding", diff, n);
    report(diff == 0, "embedding_noise", cs, detail);
    // The law of the noise, per sequence, measured on the output.
    double worst_ratio = 0.0, worst_mean_z = 0.0, worst_var = 0.0, long_max = 0.0;
    for (int b = 0; b < B; b++) {
        const double bound = (double)alpha / sqrt((double)lens[b] * C);
        double mx = 0.0, sum = 0.0, sq = 0.0, xmax = 0.0;
        const size_t lo = (size_t)start[b] * C, hi_ = (size_t)start[b + 1] * C, m = hi_ - lo;
        for (size_t i = lo; i < hi_; i++) {
            const double d = ((double)out[i] - (double)x[i]) / bound;  // in units of the bound
            mx = fmax(mx, fabs(d));
            xmax = fmax(xmax, fabs((double)x[i]));
            sum += d;
            sq += d * d;
        }
        // Measured as out - x, the noise carries out's rounding: half an ulp of |x| + bound.
        worst_ratio = fmax(worst_ratio, mx - 0x1p-24 * (xmax + bound) / bound);
        if (m >= 100000) {
            long_max = fmax(long_max, mx);
            const double mean = sum / m, var = sq / m - mean * mean;
            worst_mean_z = fmax(worst_mean_z, fabs(mean) / sqrt(1.0 / 3.0 / m));
            worst_var = fmax(worst_var, fabs(var - 1.0 / 3.0));
        }
    }
    const int law_ok = worst_ratio <= 1.0 &&
                       (long_max == 0.0 || (long_max >= 0.9 && worst_mean_z < 5.0 && worst_var < 0.01));
    snprintf(detail, sizeof detail, "max |noise| / bound %.6f (less out's rounding); long sequences: max %.6f, mean z %.2f, |var - 1/3| %.4f",
             worst_ratio, long_max, worst_mean_z, worst_var);
    report(law_ok, "embedding_noise law", cs, detail);
    release();
}

static void test_embedding_noise(void) {
    const int l1[4] = {1, 7, 300, 2};
    noise_case(l1, 4, 67, 5.0f, 0x1234);
    const int l2[2] = {1000, 24};
    noise_case(l2, 2, 256, 5.0f, 0xFEDCBA9876543210ull);
    const int l3[1] = {40};
    noise_case(l3, 1, 64, 0.5f, 0);
    // Another seed gives other noise; alpha 0 leaves x as it is.
    const int N = 30, C = 33;
    const int st[2] = {0, N};
    float *x = hf((size_t)N * C);
    randn(x, (size_t)N * C, 0.0, 1.0);
    float *a = dup_f(x, (size_t)N * C), *b = dup_f(x, (size_t)N * C), *z = dup_f(x, (size_t)N * C);
    int *ds = dup_i(st, 2);
    embedding_noise(a, ds, 1, N, C, 5.0f, 7);
    embedding_noise(b, ds, 1, N, C, 5.0f, 8);
    embedding_noise(z, ds, 1, N, C, 0.0f, 7);
    float *ha = down_f(a, (size_t)N * C), *hb = down_f(b, (size_t)N * C), *hz = down_f(z, (size_t)N * C);
    size_t same = 0;
    for (size_t i = 0; i < (size_t)N * C; i++) same += ha[i] == hb[i];
    report(same < 10, "embedding_noise", "seeds 7 and 8 give different noise", "");
    report(!memcmp(hz, x, (size_t)N * C * sizeof(float)), "embedding_noise", "alpha 0 leaves x unchanged", "");
    release();
}

// ---------------------------------------------------------------------------------
// matmul_forward / matmul_backward.

static void ref_matmul_fwd(double *out, const double *inp, const double *w, const double *bias, int N, int IC, int OC) {
    for (int i = 0; i < N; i++)
        for (int o = 0; o < OC; o++) {
            double s = bias ? bias[o] : 0.0;
            for (int c = 0; c < IC; c++) s += inp[(size_t)i * IC + c] * w[(size_t)o * IC + c];
            out[(size_t)i * OC + o] = s;
        }
}
// Accumulates; dinp and dbias may be NULL.
static void ref_matmul_bwd(double *dinp, double *dw, double *dbias, const double *dout, const double *inp,
                           const double *w, int N, int IC, int OC) {
    for (int i = 0; i < N; i++)
        for (int o = 0; o < OC; o++) {
            const double g = dout[(size_t)i * OC + o];
            for (int c = 0; c < IC; c++) {
                if (dinp) dinp[(size_t)i * IC + c] += g * w[(size_t)o * IC + c];
                dw[(size_t)o * IC + c] += g * inp[(size_t)i * IC + c];
            }
            if (dbias) dbias[o] += g;
        }
}

typedef struct {
    double *inp, *w, *bias, *dout, *tmp;
    int N, IC, OC;
} mm_ctx;
static double mm_loss(void *p) {
    mm_ctx *c = p;
    ref_matmul_fwd(c->tmp, c->inp, c->w, c->bias, c->N, c->IC, c->OC);
    return dot_d(c->tmp, c->dout, (size_t)c->N * c->OC);
}

static void fd_matmul(void) {
    const int N = 3, IC = 4, OC = 5;
    mm_ctx c = {hd(N * IC), hd(OC * IC), hd(OC), hd(N * OC), hd(N * OC), N, IC, OC};
    for (int i = 0; i < N * IC; i++) c.inp[i] = rng_normal();
    for (int i = 0; i < OC * IC; i++) c.w[i] = rng_normal();
    for (int i = 0; i < OC; i++) c.bias[i] = rng_normal();
    for (int i = 0; i < N * OC; i++) c.dout[i] = rng_normal();
    double *gi = hd(N * IC), *gw = hd(OC * IC), *gb = hd(OC);
    ref_matmul_bwd(gi, gw, gb, c.dout, c.inp, c.w, N, IC, OC);
    fd_check("matmul_backward", "dinp N=3 IC=4 OC=5", c.inp, N * IC, gi, mm_loss, &c);
    fd_check("matmul_backward", "dw N=3 IC=4 OC=5", c.w, OC * IC, gw, mm_loss, &c);
    fd_check("matmul_backward", "dbias N=3 IC=4 OC=5", c.bias, OC, gb, mm_loss, &c);
    release();
}

static void matmul_case(int N, int IC, int OC, int with_bias, int with_dinp, int with_dbias) {
    float *inp = hf((size_t)N * IC), *w = hf((size_t)OC * IC), *bias = hf((size_t)OC), *dout = hf((size_t)N * OC);
    float *di0 = hf((size_t)N * IC), *dw0 = hf((size_t)OC * IC), *db0 = hf((size_t)OC);
    randn(inp, (size_t)N * IC, 0.0, 1.0);
    randn(w, (size_t)OC * IC, 0.0, 0.2);
    randn(bias, (size_t)OC, 0.0, 1.0);
    randn(dout, (size_t)N * OC, 0.0, 1.0);
    randn(di0, (size_t)N * IC, 0.0, 1.0);
    randn(dw0, (size_t)OC * IC, 0.0, 1.0);
    randn(db0, (size_t)OC, 0.0, 1.0);
    double *inp_d = to_d(inp, (size_t)N * IC), *w_d = to_d(w, (size_t)OC * IC);
    char cs[96];
    snprintf(cs, sizeof cs, "N=%d IC=%d OC=%d%s", N, IC, OC, with_bias ? " bias" : " no bias");

    double *ref = hd((size_t)N * OC);
    ref_matmul_fwd(ref, inp_d, w_d, with_bias ? to_d(bias, (size_t)OC) : NULL, N, IC, OC);
    float *dinp = dup_f(inp, (size_t)N * IC), *dw = dup_f(w, (size_t)OC * IC), *dout_dev = dnan_f((size_t)N * OC);
    matmul_forward(dout_dev, dinp, dw, with_bias ? dup_f(bias, (size_t)OC) : NULL, N, IC, OC);
    cmp_f("matmul_forward", cs, down_f(dout_dev, (size_t)N * OC), ref, (size_t)N * OC, T_MM);

    double *ri = to_d(di0, (size_t)N * IC), *rw = to_d(dw0, (size_t)OC * IC), *rb = to_d(db0, (size_t)OC);
    ref_matmul_bwd(with_dinp ? ri : NULL, rw, with_dbias ? rb : NULL, to_d(dout, (size_t)N * OC), inp_d, w_d, N, IC,
                   OC);
    float *ddi = with_dinp ? dup_f(di0, (size_t)N * IC) : NULL, *ddw = dup_f(dw0, (size_t)OC * IC);
    float *ddb = with_dbias ? dup_f(db0, (size_t)OC) : NULL;
    matmul_backward(ddi, ddw, ddb, dup_f(dout, (size_t)N * OC), dinp, dw, N, IC, OC);
    snprintf(cs, sizeof cs, "N=%d IC=%d OC=%d%s%s", N, IC, OC, with_dinp ? "" : " dinp=NULL",
             with_dbias ? "" : " dbias=NULL");
    if (with_dinp) cmp_f("matmul_backward dinp", cs, down_f(ddi, (size_t)N * IC), ri, (size_t)N * IC, T_MM);
    cmp_f("matmul_backward dw", cs, down_f(ddw, (size_t)OC * IC), rw, (size_t)OC * IC, T_MM);
    if (with_dbias) cmp_f("matmul_backward dbias", cs, down_f(ddb, (size_t)OC), rb, (size_t)OC, T_MM);
    release();
}

static void test_matmul(void) {
    fd_matmul();
    matmul_case(37, 70, 45, 1, 1, 1);
    matmul_case(37, 70, 45, 0, 0, 0);
    matmul_case(1, 64, 129, 1, 1, 0);
    matmul_case(130, 257, 96, 1, 1, 1);
}

// ---------------------------------------------------------------------------------
// rmsnorm_forward / rmsnorm_backward.

static void ref_rmsnorm_fwd(double *out, double *rstd, const double *inp, const double *w, double off, int N, int C,
                            double eps) {
    for (int i = 0; i < N; i++) {
        double ss = 0.0;
        for (int c = 0; c < C; c++) ss += inp[(size_t)i * C + c] * inp[(size_t)i * C + c];
        const double r = 1.0 / sqrt(ss / C + eps);
        for (int c = 0; c < C; c++) out[(size_t)i * C + c] = inp[(size_t)i * C + c] * r * (off + w[c]);
        if (rstd) rstd[i] = r;
    }
}
// Accumulates. y_c = x_c r g_c with g = off + w, r = (S/C + eps)^-1/2, S = sum x^2, so
// dr/dx_j = -r^3 x_j / C: dx_j = r g_j dy_j - x_j r^3 / C sum_c dy_c g_c x_c; dw_c = sum_i dy_c x_c r.
static void ref_rmsnorm_bwd(double *dinp, double *dw, const double *dout, const double *inp, const double *w,
                            double off, int N, int C, double eps) {
    for (int i = 0; i < N; i++) {
        const double *x = inp + (size_t)i * C, *dy = dout + (size_t)i * C;
        double ss = 0.0, dot = 0.0;
        for (int c = 0; c < C; c++) ss += x[c] * x[c];
        const double r = 1.0 / sqrt(ss / C + eps);
        for (int c = 0; c < C; c++) dot += dy[c] * (off + w[c]) * x[c];
        for (int c = 0; c < C; c++) {
            dinp[(size_t)i * C + c] += r * (off + w[c]) * dy[c] - x[c] * r * r * r / C * dot;
            dw[c] += dy[c] * x[c] * r;
        }
    }
}

typedef struct {
    double *inp, *w, *dout, *tmp, off, eps;
    int N, C;
} rms_ctx;
static double rms_loss(void *p) {
    rms_ctx *c = p;
    ref_rmsnorm_fwd(c->tmp, NULL, c->inp, c->w, c->off, c->N, c->C, c->eps);
    return dot_d(c->tmp, c->dout, (size_t)c->N * c->C);
}

static void fd_rmsnorm(double off) {
    const int N = 3, C = 6;
    rms_ctx c = {hd(N * C), hd(C), hd(N * C), hd(N * C), off, 1e-6, N, C};
    for (int i = 0; i < N * C; i++) c.inp[i] = rng_normal();
    for (int i = 0; i < C; i++) c.w[i] = (off ? 0.0 : 1.0) + 0.3 * rng_normal();
    for (int i = 0; i < N * C; i++) c.dout[i] = rng_normal();
    double *gi = hd(N * C), *gw = hd(C);
    ref_rmsnorm_bwd(gi, gw, c.dout, c.inp, c.w, off, N, C, c.eps);
    char cs[64];
    snprintf(cs, sizeof cs, "dinp N=3 C=6 w_offset=%g", off);
    fd_check("rmsnorm_backward", cs, c.inp, N * C, gi, rms_loss, &c);
    snprintf(cs, sizeof cs, "dw N=3 C=6 w_offset=%g", off);
    fd_check("rmsnorm_backward", cs, c.w, C, gw, rms_loss, &c);
    release();
}

// xscale: the inputs' scale; at 1e-3, mean(x^2) ~ eps and eps matters.
static void rmsnorm_case(int N, int C, float off, double xscale) {
    const float eps = 1e-6f;
    float *inp = hf((size_t)N * C), *w = hf((size_t)C), *dout = hf((size_t)N * C);
    float *di0 = hf((size_t)N * C), *dw0 = hf((size_t)C);
    randn(inp, (size_t)N * C, 0.0, xscale);
    for (int i = 0; i < N * C; i += 7) inp[i] *= 3.0f;  // rows not all of one scale
    randn(w, (size_t)C, off != 0.0f ? 0.0 : 1.0, 0.3);
    randn(dout, (size_t)N * C, 0.0, 1.0);
    randn(di0, (size_t)N * C, 0.0, 1.0);
    randn(dw0, (size_t)C, 0.0, 1.0);
    double *inp_d = to_d(inp, (size_t)N * C), *w_d = to_d(w, (size_t)C);
    char cs[64];
    snprintf(cs, sizeof cs, "N=%d C=%d w_offset=%g x~%g", N, C, off, xscale);

    double *ref = hd((size_t)N * C), *rref = hd((size_t)N);
    ref_rmsnorm_fwd(ref, rref, inp_d, w_d, off, N, C, eps);
    float *dinp = dup_f(inp, (size_t)N * C), *dw = dup_f(w, (size_t)C);
    float *dout_dev = dnan_f((size_t)N * C), *drstd = dnan_f((size_t)N);
    rmsnorm_forward(dout_dev, drstd, dinp, dw, off, N, C, eps);
    cmp_f("rmsnorm_forward out", cs, down_f(dout_dev, (size_t)N * C), ref, (size_t)N * C, T_ROW);
    cmp_f("rmsnorm_forward rstd", cs, down_f(drstd, (size_t)N), rref, (size_t)N, T_ROW);

    double *ri = to_d(di0, (size_t)N * C), *rw = to_d(dw0, (size_t)C);
    ref_rmsnorm_bwd(ri, rw, to_d(dout, (size_t)N * C), inp_d, w_d, off, N, C, eps);
    float *ddi = dup_f(di0, (size_t)N * C), *ddw = dup_f(dw0, (size_t)C);
    rmsnorm_backward(ddi, ddw, dup_f(dout, (size_t)N * C), dinp, dw, off, drstd, N, C);  // the backend's rstd
    cmp_f("rmsnorm_backward dinp", cs, down_f(ddi, (size_t)N * C), ri, (size_t)N * C, T_ROW);
    cmp_f("rmsnorm_backward dw", cs, down_f(ddw, (size_t)C), rw, (size_t)C, T_ROW);
    release();
}

static void test_rmsnorm(void) {
    fd_rmsnorm(0.0);
    fd_rmsnorm(1.0);
    rmsnorm_case(13, 200, 0.0f, 1.0);
    rmsnorm_case(13, 200, 1.0f, 1.0);
    rmsnorm_case(70, 67, 1.0f, 1.0);
    rmsnorm_case(1, 2048, 0.0f, 1.0);
    rmsnorm_case(5, 96, 0.0f, 1e-3);
}

// ---------------------------------------------------------------------------------
// rope_forward / rope_backward: angle = pos * inv_freq[i] rounded to float32 (as
// transformers computes it), its cosine and sine in double.

static void ref_rope(double *y, const double *x, const int *pos, const float *inv_freq, int N, int nh, int D,
                     double sign) {
    const int half = D / 2;
    for (int n = 0; n < N; n++)
        for (int i = 0; i < half; i++) {
            const float angle = (float)pos[n] * inv_freq[i];
            const double c = cos((double)angle), s = sign * sin((double)angle);
            for (int h = 0; h < nh; h++) {
                const size_t b = ((size_t)n * nh + h) * D;
                const double x1 = x[b + i], x2 = x[b + i + half];
                y[b + i] = x1 * c - x2 * s;
                y[b + i + half] = x2 * c + x1 * s;
            }
        }
}

static float *rope_inv_freq_host(int D) {
    float *f = hf((size_t)D / 2);
    for (int i = 0; i < D / 2; i++) f[i] = 1.0f / powf(10000.0f, (float)(2 * i) / (float)D);
    return f;
}

typedef struct {
    double *x, *dout, *tmp;
    const int *pos;
    const float *inv_freq;
    int N, nh, D;
} rope_ctx;
static double rope_loss(void *p) {
    rope_ctx *c = p;
    ref_rope(c->tmp, c->x, c->pos, c->inv_freq, c->N, c->nh, c->D, 1.0);
    return dot_d(c->tmp, c->dout, (size_t)c->N * c->nh * c->D);
}

static void fd_rope(void) {
    const int N = 3, nh = 2, D = 6, n = N * nh * D;
    int pos[3] = {0, 7, 1001};
    rope_ctx c = {hd(n), hd(n), hd(n), pos, rope_inv_freq_host(D), N, nh, D};
    for (int i = 0; i < n; i++) c.x[i] = rng_normal(), c.dout[i] = rng_normal();
    double *g = hd(n);
    ref_rope(g, c.dout, pos, c.inv_freq, N, nh, D, -1.0);  // the backward: the opposite rotation
    fd_check("rope_backward", "dx N=3 nh=2 D=6", c.x, n, g, rope_loss, &c);
    release();
}

static void rope_case(int N, int nh, int D) {
    const size_t n = (size_t)N * nh * D;
    int *pos = hi((size_t)N);
    static const int fixed[] = {0, 1, 3, 63, 65, 4097, 12345};
    for (int i = 0; i < N; i++) pos[i] = i < 7 ? fixed[i] : 2 * rng_int(4000) + 1;  // odd
    const float *inv_freq = rope_inv_freq_host(D);
    float *x = hf(n);
    randn(x, n, 0.0, 1.0);
    double *ref = hd(n), *bref = hd(n);
    ref_rope(ref, to_d(x, n), pos, inv_freq, N, nh, D, 1.0);
    ref_rope(bref, to_d(x, n), pos, inv_freq, N, nh, D, -1.0);
    int *dpos = dup_i(pos, (size_t)N);
    float *dfreq = dup_f(inv_freq, (size_t)D / 2), *dx = dup_f(x, n);
    char cs[64];
    snprintf(cs, sizeof cs, "N=%d nh=%d D=%d", N, nh, D);
    rope_forward(dx, dpos, dfreq, N, nh, D);
    cmp_f("rope_forward", cs, down_f(dx, n), ref, n, T_ELEM);
    float *dg = dup_f(x, n);
    rope_backward(dg, dpos, dfreq, N, nh, D);
    cmp_f("rope_backward", cs, down_f(dg, n), bref, n, T_ELEM);
    release();
}

static void test_rope(void) {
    fd_rope();
    rope_case(9, 3, 16);
    rope_case(9, 3, 140);  // D/2 = 70: over 64, not a multiple
    rope_case(7, 2, 260);  // D/2 = 130
    rope_case(33, 4, 128);
}

// ---------------------------------------------------------------------------------
// attention_forward / attention_backward, by the definition: softmax over the visible
// keys of scale * q.k, no tiles.

static int first_key(int p, int window) { return window > 0 && p - window + 1 > 0 ? p - window + 1 : 0; }

// out (N, H, D), lse (N, H); lse may be NULL.
static void ref_attn_fwd(double *out, double *lse, const double *q, const double *k, const double *v,
                         const int64_t *kv_row, const int *pos, int N, int H, int KV, int D, int window, double scale) {
    int maxp = 1;
    for (int i = 0; i < N; i++) maxp = pos[i] + 1 > maxp ? pos[i] + 1 : maxp;
    double *s = malloc(sizeof(double) * (size_t)maxp);
    if (!s) abort();
    for (int i = 0; i < N; i++)
        for (int h = 0; h < H; h++) {
            const int kvh = h / (H / KV), lo = first_key(pos[i], window), p = pos[i];
            const double *qi = q + ((size_t)i * H + h) * D;
            double mx = -INFINITY, sum = 0.0;
            for (int j = lo; j <= p; j++) {
                const double *kj = k + ((size_t)(kv_row[i] + j) * KV + kvh) * D;
                double d = 0.0;
                for (int c = 0; c < D; c++) d += qi[c] * kj[c];
                s[j] = scale * d;
                mx = fmax(mx, s[j]);
            }
            for (int j = lo; j <= p; j++) sum += s[j] = exp(s[j] - mx);
            if (lse) lse[(size_t)i * H + h] = mx + log(sum);
            double *o = out + ((size_t)i * H + h) * D;
            for (int c = 0; c < D; c++) o[c] = 0.0;
            for (int j = lo; j <= p; j++) {
                const double *vj = v + ((size_t)(kv_row[i] + j) * KV + kvh) * D;
                for (int c = 0; c < D; c++) o[c] += s[j] / sum * vj[c];
            }
        }
    free(s);
}

// Writes dq (N, H, D), dk, dv (rows, KV, D): P = softmax(S), dP = dO V^T,
// dS = P (dP - sum_j P dP), dq = scale dS K, dk = scale dS^T q, dv = P^T dO.
static void ref_attn_bwd(double *dq, double *dk, double *dv, const double *dout, const double *q, const double *k,
                         const double *v, const int64_t *kv_row, const int *pos, int N, int rows, int H, int KV, int D,
                         int window, double scale) {
    memset(dq, 0, sizeof(double) * (size_t)N * H * D);
    memset(dk, 0, sizeof(double) * (size_t)rows * KV * D);
    memset(dv, 0, sizeof(double) * (size_t)rows * KV * D);
    int maxp = 1;
    for (int i = 0; i < N; i++) maxp = pos[i] + 1 > maxp ? pos[i] + 1 : maxp;
    double *pr = malloc(sizeof(double) * (size_t)maxp), *dp = malloc(sizeof(double) * (size_t)maxp);
    if (!pr || !dp) abort();
    for (int i = 0; i < N; i++)
        for (int h = 0; h < H; h++) {
            const int kvh = h / (H / KV), lo = first_key(pos[i], window), p = pos[i];
            const double *qi = q + ((size_t)i * H + h) * D, *go = dout + ((size_t)i * H + h) * D;
            double mx = -INFINITY, sum = 0.0, delta = 0.0;
            for (int j = lo; j <= p; j++) {
                const size_t kr = ((size_t)(kv_row[i] + j) * KV + kvh) * D;
                double d = 0.0, e = 0.0;
                for (int c = 0; c < D; c++) d += qi[c] * k[kr + c], e += go[c] * v[kr + c];
                pr[j] = scale * d;
                dp[j] = e;
                mx = fmax(mx, pr[j]);
            }
            for (int j = lo; j <= p; j++) sum += pr[j] = exp(pr[j] - mx);
            for (int j = lo; j <= p; j++) delta += (pr[j] /= sum) * dp[j];
            for (int j = lo; j <= p; j++) {
                const size_t kr = ((size_t)(kv_row[i] + j) * KV + kvh) * D;
                const double ds = pr[j] * (dp[j] - delta) * scale;
                for (int c = 0; c < D; c++) {
                    dq[((size_t)i * H + h) * D + c] += ds * k[kr + c];
                    dk[kr + c] += ds * qi[c];
                    dv[kr + c] += pr[j] * go[c];
                }
            }
        }
    free(pr);
    free(dp);
}

// Packed sequences of the given lengths: kv_row = the sequence's first token, positions
// from 0. Fills seq_start (B+1), pos (N), kv_row (N); returns N.
static int pack(const int *lens, int B, int *seq_start, int *pos, int64_t *kv_row) {
    int N = 0;
    seq_start[0] = 0;
    for (int b = 0; b < B; b++) {
        for (int t = 0; t < lens[b]; t++, N++) {
            if (pos) pos[N] = t;
            if (kv_row) kv_row[N] = seq_start[b];
        }
        seq_start[b + 1] = N;
    }
    return N;
}

typedef struct {
    double *q, *k, *v, *dout, *tmp;
    const int64_t *kv_row;
    const int *pos;
    int N, H, KV, D, window;
    double scale;
} attn_ctx;
static double attn_loss(void *p) {
    attn_ctx *c = p;
    ref_attn_fwd(c->tmp, NULL, c->q, c->k, c->v, c->kv_row, c->pos, c->N, c->H, c->KV, c->D, c->window, c->scale);
    return dot_d(c->tmp, c->dout, (size_t)c->N * c->H * c->D);
}

static void fd_attention(int window) {
    const int lens[] = {1, 4, 6}, B = 3, H = 4, KV = 2, D = 3;
    int seq_start[4], pos[11];
    int64_t kv_row[11];
    const int N = pack(lens, B, seq_start, pos, kv_row);
    const size_t nq = (size_t)N * H * D, nk = (size_t)N * KV * D;
    attn_ctx c = {hd(nq), hd(nk), hd(nk), hd(nq), hd(nq), kv_row, pos, N, H, KV, D, window, 1.0 / sqrt(D)};
    for (size_t i = 0; i < nq; i++) c.q[i] = 1.5 * rng_normal(), c.dout[i] = rng_normal();
    for (size_t i = 0; i < nk; i++) c.k[i] = rng_normal(), c.v[i] = rng_normal();
    double *gq = hd(nq), *gk = hd(nk), *gv = hd(nk);
    ref_attn_bwd(gq, gk, gv, c.dout, c.q, c.k, c.v, kv_row, pos, N, N, H, KV, D, window, c.scale);
    char cs[96];
    snprintf(cs, sizeof cs, "dq lens 1,4,6 H=4 KV=2 D=3 window %d", window);
    fd_check("attention_backward", cs, c.q, nq, gq, attn_loss, &c);
    snprintf(cs, sizeof cs, "dk lens 1,4,6 H=4 KV=2 D=3 window %d", window);
    fd_check("attention_backward", cs, c.k, nk, gk, attn_loss, &c);
    snprintf(cs, sizeof cs, "dv lens 1,4,6 H=4 KV=2 D=3 window %d", window);
    fd_check("attention_backward", cs, c.v, nk, gv, attn_loss, &c);
    release();
}

static void attention_packed_case(const int *lens, int B, int H, int KV, int D, int window, double qscale) {
    int *seq_start = hi((size_t)B + 1);
    int N = 0;
    for (int b = 0; b < B; b++) N += lens[b];
    int *pos = hi((size_t)N);
    int64_t *kv_row = hl((size_t)N);
    pack(lens, B, seq_start, pos, kv_row);
    const size_t nq = (size_t)N * H * D, nk = (size_t)N * KV * D;
    const float scale = 1.0f / sqrtf((float)D);
    float *q = hf(nq), *k = hf(nk), *v = hf(nk), *go = hf(nq);
    randn(q, nq, 0.0, qscale);
    randn(k, nk, 0.0, 1.0);
    randn(v, nk, 0.0, 1.0);
    randn(go, nq, 0.0, 1.0);
    double *qd = to_d(q, nq), *kd = to_d(k, nk), *vd = to_d(v, nk);
    char cs[160];
    int k0 = snprintf(cs, sizeof cs, "packed lens");
    for (int b = 0; b < B; b++) k0 += snprintf(cs + k0, sizeof cs - (size_t)k0, "%s%d", b ? "," : " ", lens[b]);
    snprintf(cs + k0, sizeof cs - (size_t)k0, " H=%d KV=%d D=%d window %d", H, KV, D, window);

    double *ref = hd(nq), *rlse = hd((size_t)N * H);
    ref_attn_fwd(ref, rlse, qd, kd, vd, kv_row, pos, N, H, KV, D, window, scale);
    float *dq_in = dup_f(q, nq), *dk_in = dup_f(k, nk), *dv_in = dup_f(v, nk);
    float *dout = dnan_f(nq), *dlse = dnan_f((size_t)N * H);
    int *dpos = dup_i(pos, (size_t)N);
    attention_forward(dout, dlse, dq_in, dk_in, dv_in, dup_l(kv_row, (size_t)N), dpos, N, H, KV, D, window, scale);
    cmp_f("attention_forward out", cs, down_f(dout, nq), ref, nq, T_ATTN);
    cmp_f("attention_forward lse", cs, down_f(dlse, (size_t)N * H), rlse, (size_t)N * H, T_ATTN);

    double *rq = hd(nq), *rk = hd(nk), *rv = hd(nk);
    ref_attn_bwd(rq, rk, rv, to_d(go, nq), qd, kd, vd, kv_row, pos, N, N, H, KV, D, window, scale);
    float *ddq = dnan_f(nq), *ddk = dnan_f(nk), *ddv = dnan_f(nk);
    attention_backward(ddq, ddk, ddv, dup_f(go, nq), dq_in, dk_in, dv_in, dout, dlse, dup_i(seq_start, (size_t)B + 1),
                       dpos, B, N, H, KV, D, window, scale);
    cmp_f("attention_backward dq", cs, down_f(ddq, nq), rq, nq, T_ATTN);
    cmp_f("attention_backward dk", cs, down_f(ddk, nk), rk, nk, T_ATTN);
    cmp_f("attention_backward dv", cs, down_f(ddv, nk), rv, nk, T_ATTN);
    release();
}

// A KV cache of two slots of MAX_LEN rows (kv_row = slot * MAX_LEN): slot 0 holds 290
// tokens, slot 1 260; rows past a slot's length are NaN (never written, not to be read).
// Queries: two decode tokens (one per slot, at the end), then a prefill piece of slot 1
// (positions 195..259) followed by slot 0's last 10 positions.
static void attention_cache_case(int H, int KV, int D, int window) {
    enum { MAX_LEN = 300, ROWS = 2 * MAX_LEN };
    const int len[2] = {290, 260};
    const size_t nk = (size_t)ROWS * KV * D;
    float *k = hf(nk), *v = hf(nk);
    randn(k, nk, 0.0, 1.0);
    randn(v, nk, 0.0, 1.0);
    for (int s = 0; s < 2; s++)
        for (int r = len[s]; r < MAX_LEN; r++)
            for (int c = 0; c < KV * D; c++)
                k[((size_t)s * MAX_LEN + r) * KV * D + c] = v[((size_t)s * MAX_LEN + r) * KV * D + c] = NAN;
    float *dk = dup_f(k, nk), *dv = dup_f(v, nk);
    double *kd = to_d(k, nk), *vd = to_d(v, nk);
    const float scale = 1.0f / sqrtf((float)D);

    for (int piece = 0; piece < 2; piece++) {
        int pos[80], N = 0;
        int64_t kv_row[80];
        if (piece == 0) {
            kv_row[N] = 0, pos[N++] = len[0] - 1;
            kv_row[N] = MAX_LEN, pos[N++] = len[1] - 1;
        } else {
            for (int p = 195; p < len[1]; p++) kv_row[N] = MAX_LEN, pos[N++] = p;
            for (int p = len[0] - 10; p < len[0]; p++) kv_row[N] = 0, pos[N++] = p;
        }
        const size_t nq = (size_t)N * H * D;
        float *q = hf(nq);
        randn(q, nq, 0.0, 1.0);
        double *ref = hd(nq), *rlse = hd((size_t)N * H);
        ref_attn_fwd(ref, rlse, to_d(q, nq), kd, vd, kv_row, pos, N, H, KV, D, window, scale);
        float *dout = dnan_f(nq), *dlse = dnan_f((size_t)N * H);
        attention_forward(dout, dlse, dup_f(q, nq), dk, dv, dup_l(kv_row, (size_t)N), dup_i(pos, (size_t)N), N, H, KV,
                          D, window, scale);
        char cs[128];
        snprintf(cs, sizeof cs, "KV cache %s N=%d H=%d KV=%d D=%d window %d",
                 piece ? "prefill piece + slot 0 tail" : "decode", N, H, KV, D, window);
        cmp_f("attention_forward out", cs, down_f(dout, nq), ref, nq, T_ATTN);
        cmp_f("attention_forward lse", cs, down_f(dlse, (size_t)N * H), rlse, (size_t)N * H, T_ATTN);
    }
    release();
}

static void test_attention(void) {
    fd_attention(0);
    fd_attention(3);
    static const int lens[] = {1, 63, 64, 65, 130, 200};
    attention_packed_case(lens, 6, 4, 2, 16, 0, 1.0);
    attention_packed_case(lens, 6, 4, 4, 16, 5, 1.0);
    attention_packed_case(lens, 6, 2, 1, 64, 64, 2.0);  // sharper softmax
    attention_packed_case(lens, 6, 4, 2, 64, 0, 1.0);
    static const int short_lens[] = {1, 63, 65};
    attention_packed_case(short_lens, 3, 4, 2, 128, 0, 1.0);
    attention_packed_case(short_lens, 3, 2, 1, 128, 5, 1.0);
    static const int tiny_lens[] = {1, 20, 40};
    attention_packed_case(tiny_lens, 3, 2, 1, 256, 0, 1.0);
    attention_packed_case(tiny_lens, 3, 4, 4, 256, 5, 1.0);
    attention_cache_case(4, 2, 64, 0);
    attention_cache_case(4, 2, 64, 64);
    attention_cache_case(2, 1, 128, 5);
    attention_cache_case(4, 4, 16, 0);
}

// ---------------------------------------------------------------------------------
// swiglu / geglu (gelu_pytorch_tanh).

static double silu(double x) { return x / (1.0 + exp(-x)); }
static double gelu_tanh(double x) {
    const double k = sqrt(2.0 / 3.14159265358979323846);
    return 0.5 * x * (1.0 + tanh(k * (x + 0.044715 * x * x * x)));
}
static void ref_glu_fwd(double *out, const double *gate, const double *up, size_t n, int gelu) {
    for (size_t i = 0; i < n; i++) out[i] = (gelu ? gelu_tanh(gate[i]) : silu(gate[i])) * up[i];
}
static void ref_glu_bwd(double *dgate, double *dup, const double *dout, const double *gate, const double *up, size_t n,
                        int gelu) {
    const double k = sqrt(2.0 / 3.14159265358979323846);
    for (size_t i = 0; i < n; i++) {
        const double x = gate[i];
        double f, df;
        if (gelu) {
            const double t = tanh(k * (x + 0.044715 * x * x * x));
            f = 0.5 * x * (1.0 + t);
            df = 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * k * (1.0 + 3.0 * 0.044715 * x * x);
        } else {
            const double sg = 1.0 / (1.0 + exp(-x));
            f = x * sg;
            df = sg + x * sg * (1.0 - sg);
        }
        dup[i] = dout[i] * f;
        dgate[i] = dout[i] * up[i] * df;
    }
}

typedef struct {
    double *gate, *up, *dout, *tmp;
    size_t n;
    int gelu;
} glu_ctx;
static double glu_loss(void *p) {
    glu_ctx *c = p;
    ref_glu_fwd(c->tmp, c->gate, c->up, c->n, c->gelu);
    return dot_d(c->tmp, c->dout, c->n);
}

static void fd_glu(int gelu) {
    const size_t n = 40;
    glu_ctx c = {hd(n), hd(n), hd(n), hd(n), n, gelu};
    for (size_t i = 0; i < n; i++) c.gate[i] = 3.0 * rng_normal(), c.up[i] = rng_normal(), c.dout[i] = rng_normal();
    double *gg = hd(n), *gu = hd(n);
    ref_glu_bwd(gg, gu, c.dout, c.gate, c.up, n, gelu);
    const char *op = gelu ? "geglu_backward" : "swiglu_backward";
    fd_check(op, "dgate n=40", c.gate, n, gg, glu_loss, &c);
    fd_check(op, "dup n=40", c.up, n, gu, glu_loss, &c);
    release();
}

static void glu_case(size_t n, int gelu) {
    float *gate = hf(n), *up = hf(n), *go = hf(n);
    randn(gate, n, 0.0, 3.0);
    randn(up, n, 0.0, 1.0);
    randn(go, n, 0.0, 1.0);
    static const float extreme[] = {-100.0f, -88.0f, -30.0f, -10.0f, 0.0f, 10.0f, 30.0f, 88.0f, 100.0f};
    for (size_t i = 0; i < 9 && i < n; i++) gate[i * (n / 9)] = extreme[i];
    double *gd = to_d(gate, n), *ud = to_d(up, n);
    double *ref = hd(n), *rg = hd(n), *ru = hd(n);
    ref_glu_fwd(ref, gd, ud, n, gelu);
    ref_glu_bwd(rg, ru, to_d(go, n), gd, ud, n, gelu);
    float *dgate = dup_f(gate, n), *dupp = dup_f(up, n), *dout = dnan_f(n);
    char cs[64];
    snprintf(cs, sizeof cs, "n=%zu (gates up to +-100)", n);
    if (gelu) geglu_forward(dout, dgate, dupp, n);
    else swiglu_forward(dout, dgate, dupp, n);
    cmp_f(gelu ? "geglu_forward" : "swiglu_forward", cs, down_f(dout, n), ref, n, T_ELEM);
    float *ddg = dnan_f(n), *ddu = dnan_f(n);
    if (gelu) geglu_backward(ddg, ddu, dup_f(go, n), dgate, dupp, n);
    else swiglu_backward(ddg, ddu, dup_f(go, n), dgate, dupp, n);
    cmp_f(gelu ? "geglu_backward dgate" : "swiglu_backward dgate", cs, down_f(ddg, n), rg, n, T_ELEM);
    cmp_f(gelu ? "geglu_backward dup" : "swiglu_backward dup", cs, down_f(ddu, n), ru, n, T_ELEM);
    release();
}

static void test_glu(void) {
    for (int gelu = 0; gelu < 2; gelu++) {
        fd_glu(gelu);
        glu_case(1037, gelu);
        glu_case(100003, gelu);
    }
}

// ---------------------------------------------------------------------------------
// softcap_forward, softcap_mix, softcap_backward.

typedef struct {
    double *z, *dz;
    size_t n;
    double cap;
} cap_ctx;
static double cap_loss(void *p) {
    cap_ctx *c = p;
    double s = 0.0;
    for (size_t i = 0; i < c->n; i++) s += c->dz[i] * c->cap * tanh(c->z[i] / c->cap);
    return s;
}

static void test_softcap(void) {
    {  // finite differences of the reference
        const size_t n = 30;
        cap_ctx c = {hd(n), hd(n), n, 15.0};
        for (size_t i = 0; i < n; i++) c.z[i] = 20.0 * rng_normal(), c.dz[i] = rng_normal();
        double *g = hd(n);
        for (size_t i = 0; i < n; i++) {
            const double t = tanh(c.z[i] / c.cap);
            g[i] = c.dz[i] * (1.0 - t * t);
        }
        fd_check("softcap_backward", "dzraw n=30 cap=15", c.z, n, g, cap_loss, &c);
        release();
    }
    static const size_t ns[] = {1037, 100003};
    for (int t = 0; t < 2; t++) {
        const size_t n = ns[t];
        const float cap = t ? 30.0f : 15.0f, w = 0.3f;
        float *z = hf(n), *dz = hf(n), *pre = hf(n);
        randn(z, n, 0.0, 2.0 * cap);  // well into saturation
        randn(dz, n, 0.0, 1.0);
        randn(pre, n, 0.0, 1.0);
        double *ref = hd(n), *mix0 = hd(n), *mix1 = hd(n), *dref = hd(n);
        for (size_t i = 0; i < n; i++) {
            const double th = tanh((double)z[i] / cap);
            ref[i] = cap * th;
            mix0[i] = (double)w * cap * th;
            mix1[i] = pre[i] + (double)w * cap * th;
            dref[i] = dz[i] * (1.0 - th * th);
        }
        char cs[96];
        snprintf(cs, sizeof cs, "n=%zu cap=%g", n, cap);
        float *dzraw = dup_f(z, n), *dx = dup_f(z, n);
        softcap_forward(dx, n, cap);
        cmp_f("softcap_forward", cs, down_f(dx, n), ref, n, T_ELEM);

        float *dmix = dnan_f(n);  // accumulate 0 must not read z
        softcap_mix(dmix, dzraw, w, cap, 0, n);
        snprintf(cs, sizeof cs, "n=%zu cap=%g w=%g accumulate 0 (z was NaN)", n, cap, w);
        cmp_f("softcap_mix", cs, down_f(dmix, n), mix0, n, T_ELEM);
        float *dacc = dup_f(pre, n);
        softcap_mix(dacc, dzraw, w, cap, 1, n);
        snprintf(cs, sizeof cs, "n=%zu cap=%g w=%g accumulate 1", n, cap, w);
        cmp_f("softcap_mix", cs, down_f(dacc, n), mix1, n, T_ELEM);

        float *ddz = dup_f(dz, n), *dout = dnan_f(n);
        softcap_backward(dout, ddz, dzraw, cap, n);
        snprintf(cs, sizeof cs, "n=%zu cap=%g", n, cap);
        cmp_f("softcap_backward", cs, down_f(dout, n), dref, n, T_ELEM);
        softcap_backward(ddz, ddz, dzraw, cap, n);
        snprintf(cs, sizeof cs, "n=%zu cap=%g dzraw aliases dz", n, cap);
        cmp_f("softcap_backward", cs, down_f(ddz, n), dref, n, T_ELEM);
        float *dzr = dup_f(z, n);
        softcap_backward(dzr, dup_f(dz, n), dzr, cap, n);
        snprintf(cs, sizeof cs, "n=%zu cap=%g dzraw aliases zraw", n, cap);
        cmp_f("softcap_backward", cs, down_f(dzr, n), dref, n, T_ELEM);
        release();
    }
}

// ---------------------------------------------------------------------------------
// xent_rows and logit_stats_rows.

// One row of cross-entropy in double: stats (3) and the overwritten row zo (V).
static void ref_xent_row(const float *z, int V, int t, double gs, int want_grad, double *zo, double *stats) {
    double mx = z[0];
    int arg = 0;
    for (int v = 1; v < V; v++)
        if (z[v] > mx) mx = z[v], arg = v;  // strict: the first maximum
    double se = 0.0;
    for (int v = 0; v < V; v++) se += exp((double)z[v] - mx);
    const double lse = mx + log(se);
    double H = 0.0;
    for (int v = 0; v < V; v++) {
        const double lp = (double)z[v] - lse, p = exp(lp);
        H -= p * lp;
        zo[v] = want_grad ? gs * (p - (v == t)) : exp((double)z[v] - mx);
    }
    stats[0] = lse - z[t];
    stats[1] = H;
    stats[2] = arg == t;
}

// T rows of logits z ~ N(1, 3^2) with targets; rows 0..2 carry ties in the maximum
// (target = the second of two maxima, the first, or the argmax), row 3 is constant,
// row 4 spans +-200.
static void make_logits(float *z, int *targets, int T, int V) {
    randn(z, (size_t)T * V, 1.0, 3.0);
    for (int r = 0; r < T; r++) targets[r] = rng_int(V);
    for (int r = 0; r < T && r < 3; r++) {
        float *row = z + (size_t)r * V, mx = row[0];
        for (int v = 1; v < V; v++) mx = row[v] > mx ? row[v] : mx;
        const int a = V > 2 ? 1 + rng_int(V / 2) : 0, b = V > 2 ? V / 2 + 1 + rng_int(V - V / 2 - 1) : 1;  // a < b
        if (r < 2) {
            row[a] = row[b] = mx + 1.0f;
            targets[r] = r == 0 ? b : a;
        } else {
            row[a] = mx + 0.5f;
            targets[r] = a;
        }
    }
    if (T > 3)
        for (int v = 0; v < V; v++) z[(size_t)3 * V + v] = 1.5f;
    if (T > 4)  // a wide row: most of exp(z - max) underflows in float
        for (int v = 0; v < V; v++) z[(size_t)4 * V + v] *= 20.0f;
}

static void xent_case(int T, int V, int want_grad) {
    const float gs = 0.25f;
    float *z = hf((size_t)T * V);
    int *targets = hi((size_t)T);
    make_logits(z, targets, T, V);
    double *zref = hd((size_t)T * V), *sref = hd((size_t)T * 3);
    for (int r = 0; r < T; r++)
        ref_xent_row(z + (size_t)r * V, V, targets[r], gs, want_grad, zref + (size_t)r * V, sref + (size_t)r * 3);
    float *dz = dup_f(z, (size_t)T * V);
    double *dstats = dnan_d((size_t)T * 3);
    xent_rows(dz, dstats, dup_i(targets, (size_t)T), T, V, gs, want_grad);
    const double *stats = down_d(dstats, (size_t)T * 3);
    double *col[3], *rcol[3];
    for (int j = 0; j < 3; j++) {
        col[j] = hd((size_t)T), rcol[j] = hd((size_t)T);
        for (int r = 0; r < T; r++) col[j][r] = stats[(size_t)r * 3 + j], rcol[j][r] = sref[(size_t)r * 3 + j];
    }
    char cs[96];
    snprintf(cs, sizeof cs, "T=%d V=%d want_grad %d (ties in the max)", T, V, want_grad);
    cmp_d("xent_rows loss", cs, col[0], rcol[0], (size_t)T, T_ROW);
    cmp_d("xent_rows entropy", cs, col[1], rcol[1], (size_t)T, T_ROW);
    cmp_d("xent_rows correct", cs, col[2], rcol[2], (size_t)T, T_COPY);
    cmp_f(want_grad ? "xent_rows z=grad" : "xent_rows z=exp(z-max)", cs, down_f(dz, (size_t)T * V), zref,
          (size_t)T * V, T_ROW);
    release();
}

static void logit_stats_case(int T, int V) {
    float *z = hf((size_t)T * V);
    int *targets = hi((size_t)T);
    make_logits(z, targets, T, V);
    double *ref = hd((size_t)T * OPS_LS_COUNT);
    for (int r = 0; r < T; r++) {
        const float *row = z + (size_t)r * V;
        const int t = targets[r];
        double sum = 0.0, mx = row[0], mn = row[0];
        for (int v = 0; v < V; v++) sum += row[v], mx = fmax(mx, row[v]), mn = fmin(mn, row[v]);
        const double mean = sum / V, nontarget = (sum - row[t]) / (V - 1);
        double ss = 0.0, se = 0.0;
        for (int v = 0; v < V; v++) ss += (row[v] - mean) * (row[v] - mean), se += exp(row[v] - mx);
        double H = 0.0;
        for (int v = 0; v < V; v++) {
            const double p = exp(row[v] - mx) / se;
            H -= p * log(p);
        }
        double *o = ref + (size_t)r * OPS_LS_COUNT;
        o[0] = row[t];
        o[1] = nontarget;
        o[2] = row[t] - nontarget;
        o[3] = sqrt(ss / V);
        o[4] = sqrt(ss);
        o[5] = mx;
        o[6] = mn;
        o[7] = H;
        o[8] = 1.0 / se;  // max probability = exp(max - max) / sum exp(z - max)
    }
    float *dz = dup_f(z, (size_t)T * V);
    double *dout = dnan_d((size_t)T * OPS_LS_COUNT);
    logit_stats_rows(dout, dz, dup_i(targets, (size_t)T), T, V);
    const double *got = down_d(dout, (size_t)T * OPS_LS_COUNT);
    static const char *const names[OPS_LS_COUNT] = {"target logit", "mean non-target", "gap", "std",
                                                   "centered norm", "max", "min", "entropy", "max prob"};
    for (int j = 0; j < OPS_LS_COUNT; j++) {
        double *a = hd((size_t)T), *b = hd((size_t)T);
        for (int r = 0; r < T; r++) a[r] = got[(size_t)r * OPS_LS_COUNT + j], b[r] = ref[(size_t)r * OPS_LS_COUNT + j];
        char op[64], cs[64];
        snprintf(op, sizeof op, "logit_stats_rows %s", names[j]);
        snprintf(cs, sizeof cs, "T=%d V=%d", T, V);
        cmp_d(op, cs, a, b, (size_t)T, T_ROW);
    }
    char cs[64];
    snprintf(cs, sizeof cs, "T=%d V=%d z not modified", T, V);
    cmp_f("logit_stats_rows", cs, down_f(dz, (size_t)T * V), to_d(z, (size_t)T * V), (size_t)T * V, T_COPY);
    release();
}

static void test_loss_rows(void) {
    static const int shapes[][2] = {{6, 1000}, {5, 3001}, {4, 33}, {2, 2}, {3, 1024}, {5, 50257}};
    for (int s = 0; s < 6; s++)
        for (int g = 0; g < 2; g++) xent_case(shapes[s][0], shapes[s][1], g);
    for (int s = 0; s < 6; s++) logit_stats_case(shapes[s][0], shapes[s][1]);
}

// ---------------------------------------------------------------------------------
// adamw_update: several steps, each against the formula in double applied to the
// backend's state before the step (so errors do not compound across steps). p is also
// compared through its update p_new - p_old, which p's own magnitude would hide.

static void adamw_case(size_t n, int steps) {
    const double lr = 0.05, wd = 0.1;
    const float b1 = 0.9f, b2 = 0.999f, eps = 1e-8f;
    float *p = hf(n), *m = hf(n), *v = hf(n), *g = hf(n);
    randn(p, n, 0.0, 0.02);  // a weight's scale: the updates are not lost in p's rounding
    randn(m, n, 0.0, 0.01);
    for (size_t i = 0; i < n; i++) v[i] = (float)fabs(1e-4 * rng_normal() * rng_normal());
    for (size_t i = 5; i < n; i += 101) m[i] = v[i] = 0.0f;  // fresh moments: eps matters below
    float *dp = dup_f(p, n), *dm = dup_f(m, n), *dv = dup_f(v, n), *dg = dup_f(g, n);
    double *rp = hd(n), *rm = hd(n), *rv = hd(n), *rdelta = hd(n);
    float *delta = hf(n);
    for (int t = 1; t <= steps; t++) {
        randn(g, n, 0.0, 0.1);
        for (size_t i = 0; i < n; i += 97) g[i] = 0.0f;    // the moments decay alone
        for (size_t i = 5; i < n; i += 101) g[i] = 1e-9f;  // sqrt(v) / bc2_sqrt ~ eps
        wmss_dev_upload(dg, g, n * sizeof(float));
        wmss_dev_download(p, dp, n * sizeof(float));
        wmss_dev_download(m, dm, n * sizeof(float));
        wmss_dev_download(v, dv, n * sizeof(float));
        const float decay = t != 2 ? (float)(1.0 - lr * wd) : 1.0f;  // step 2: a tensor without decay
        const float step_size = (float)(lr / (1.0 - pow(b1, t))), bc2_sqrt = (float)sqrt(1.0 - pow(b2, t));
        for (size_t i = 0; i < n; i++) {
            rm[i] = (double)b1 * m[i] + (1.0 - (double)b1) * g[i];
            rv[i] = (double)b2 * v[i] + (1.0 - (double)b2) * (double)g[i] * g[i];
            rp[i] = (double)p[i] * decay - (double)step_size * rm[i] / (sqrt(rv[i]) / bc2_sqrt + eps);
            rdelta[i] = rp[i] - p[i];
        }
        adamw_update(dp, dg, dm, dv, n, b1, b2, eps, decay, step_size, bc2_sqrt);
        const float *pn = down_f(dp, n);
        for (size_t i = 0; i < n; i++) delta[i] = pn[i] - p[i];  // exact (Sterbenz) or nearly
        char cs[96];
        snprintf(cs, sizeof cs, "n=%zu step %d lr %g decay %g", n, t, lr, decay);
        cmp_f("adamw_update p", cs, pn, rp, n, T_ELEM);
        cmp_f("adamw_update p - p_old", cs, delta, rdelta, n, T_ELEM);
        cmp_f("adamw_update m", cs, down_f(dm, n), rm, n, T_ELEM);
        cmp_f("adamw_update v", cs, down_f(dv, n), rv, n, T_ELEM);
    }
    release();
}

static void test_adamw(void) {
    adamw_case(1000, 3);
    adamw_case(100003, 4);
}

// ---------------------------------------------------------------------------------

int main(void) {
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    const char *seed = getenv("WMSS_TEST_SEED");
    if (seed && *seed) g_rng = strtoull(seed, NULL, 0);
    wmss_error e;
    if (wmss_dev_select(getenv("WMSS_DEVICE"), &e)) {
        fprintf(stderr, "test_ops: %s\n", e.msg);
        return 1;
    }
    char desc[256];
    wmss_dev_describe(desc, sizeof desc);
    const char *math = getenv("WMSS_CUDA_MATH");
    if (set_tolerances(wmss_dev_kind_now(), math)) return 1;
    const int cuda = wmss_dev_kind_now() == WMSS_DEV_CUDA;
    printf("test_ops: backend %s%s%s, seed %#llx\n", desc, cuda ? ", WMSS_CUDA_MATH=" : "",
           cuda ? (math && *math ? math : "(default bf16)") : "", (unsigned long long)g_rng);
    printf("tolerances:");
    for (int c = 0; c < T_COUNT; c++) printf(" %s %.0e", TOL_NAME[c], TOL[c]);
    printf(" (max error <= %dx tol x max|ref|)\n", MAX_FACTOR);

    test_gemm();
    test_gather_scatter();
    test_scale_sumsq_residual();
    embedding_case(50, 67, 40, 1.0f);
    embedding_case(300, 200, 130, sqrtf(200.0f));
    fd_embedding();
    test_embedding_noise();
    test_matmul();
    test_rmsnorm();
    test_rope();
    test_attention();
    test_glu();
    test_softcap();
    test_loss_rows();
    test_adamw();

    const int async_ok = wmss_dev_check(&e) == 0;
    report(async_ok, "device", "no asynchronous failure", async_ok ? "" : e.msg);
    release();
    free(g_host.p);
    free(g_dev.p);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("test_ops: %.2f s\n", (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec));
    return check_finish(&g_st, "test_ops");
}
