// Grouped-query causal attention with an optional sliding window, FlashAttention-style:
// no (T x T) score matrix exists; fp32 on CUDA cores.
//
// Shapes: q, out, dq, dout (N, H, D); k, v (rows of KV * D floats; dk, dv (N, KV, D));
// lse (N, H). Query head h reads kv head h / (H / KV). Token i (position p = pos[i])
// attends to the key rows kv_row[i] + j for j in [lo(p), p], lo(p) = window > 0 ?
// max(0, p - window + 1) : 0. Scores are scale * q.k; lse is the natural log-sum-exp of
// a row of scores.
//
// Layout of every kernel: a block of ATT_WARPS warps; each warp owns ATT_RW rows (query
// rows in the forward and dq kernels, key rows in the dk/dv kernel); a lane owns the
// dimensions d = lane + 32 c (c < NC, D <= 32 NC) of each row's accumulators. A tile of
// 32 "other side" rows (keys, or queries for dk/dv) is staged in shared memory; lane j
// computes the dot products of tile row j (rows padded to D + 1 floats so that the 32
// lanes hit 32 different banks), and the accumulation broadcasts lane j's weight with a
// shuffle while each lane reads its own dimensions of tile row j.
//
// The rows of a block need not share their key rows (a tile can span two packed
// sequences; a decoding batch has one KV-cache slot per token): a block serves its rows
// in groups of the same key base (kv_row, or the sequence start), one group after the
// other, streaming the union of the group's key ranges.
//
// Forward (attention_forward): online softmax per row (running max m, sum l; when m grows
// the accumulated output is scaled by exp(m_old - m_new)); out = o / l, lse = m + log l.
// Backward (attention_backward, packed sequences with positions from 0, so that key row
// seq_start[b] + j has position j): delta = rowsum(dout * out) (one kernel), then
// P = exp(scale q.k - lse), dP = dout.v, dS = P (dP - delta) scale and
//   dq kernel, per (query tile, head):     dq = sum_j dS_ij k_j;
//   dk/dv kernel, per (key tile, kv head): dk_j = sum over the group's heads and queries
//                                          of dS_ij q_i, dv_j = sum P_ij dout_i.
// Each output row is written (not accumulated) by exactly one warp: no atomics.
#include <math.h>

#include "cuda_common.h"

enum {
    ATT_WARPS = 8,
    ATT_THREADS = ATT_WARPS * WARP,
    ATT_RW = 2,                      // rows per warp
    ATT_BR = ATT_WARPS * ATT_RW,     // rows per block (16)
    ATT_BT = WARP,                   // rows of a streamed tile (one per lane)
    ATT_MAX_D = 256,
};

__device__ inline int first_key(int p, int window) { return window > 0 && p >= window ? p - window + 1 : 0; }

// Group bookkeeping shared by the kernels: the block's rows, their key base and position,
// and which group is being served. State: 0 waiting, 1 in the current group, 2 done.
struct att_rows {
    long long base[ATT_BR];
    int pos[ATT_BR];
    int state[ATT_BR];
    long long g_base;
    int g_lo, g_hi;  // the union of the group's key ranges [g_lo, g_hi] (key offsets)
    int g_pmin;      // the group's smallest position
    int g_any;
};

// Thread 0: retires the previous group and forms the next one (rows with the base of the
// first waiting row). Key range of a row: [first_key(pos), pos]. Rows with pos < 0 see no key.
__device__ inline void next_group(att_rows *R, int window) {
    for (int r = 0; r < ATT_BR; r++)
        if (R->state[r] == 1) R->state[r] = 2;
    int first = -1;
    for (int r = 0; r < ATT_BR && first < 0; r++)
        if (R->state[r] == 0) first = r;
    R->g_any = first >= 0;
    if (first < 0) return;
    const long long base = R->base[first];
    int lo = 0x7fffffff, hi = -1, pmin = 0x7fffffff;
    for (int r = first; r < ATT_BR; r++) {
        if (R->state[r] != 0 || R->base[r] != base) continue;
        R->state[r] = 1;
        const int p = R->pos[r];
        if (p < 0) continue;
        const int a = first_key(p, window);
        lo = a < lo ? a : lo;
        hi = p > hi ? p : hi;
        pmin = p < pmin ? p : pmin;
    }
    R->g_base = base;
    R->g_lo = hi >= 0 ? lo : 0;
    R->g_hi = hi;  // -1: no key for the group
    R->g_pmin = hi >= 0 ? pmin : 0;
}

// ---------------------------------------------------------------------------------
// Forward: one block per (ATT_BR query rows, head). Shared memory: Qs (ATT_BR, D),
// Ks (ATT_BT, D + 1), Vs (ATT_BT, D).

template <int NC>
static __global__ __launch_bounds__(ATT_THREADS) void attention_forward_kernel(
    float *out, float *lse, const float *q, const float *k, const float *v, const int64_t *kv_row, const int *pos,
    int N, int H, int KV, int D, int window, float scale) {
    extern __shared__ float smem[];
    float *Qs = smem, *Ks = Qs + ATT_BR * D, *Vs = Ks + ATT_BT * (D + 1);
    __shared__ att_rows R;
    const int tid = threadIdx.x, warp = tid / WARP, lane = tid % WARP;
    const int i0 = blockIdx.x * ATT_BR, h = blockIdx.y, kvh = h / (H / KV);
    const size_t qs = (size_t)H * D, kvs = (size_t)KV * D;

    if (tid < ATT_BR) {
        const int i = i0 + tid;
        R.state[tid] = i < N ? 0 : 2;
        R.base[tid] = i < N ? (long long)kv_row[i] : 0;
        R.pos[tid] = i < N ? pos[i] : -1;
    }
    for (int idx = tid; idx < ATT_BR * D; idx += ATT_THREADS) {
        const int r = idx / D, d = idx % D, i = i0 + r;
        Qs[idx] = i < N ? q[(size_t)i * qs + (size_t)h * D + d] : 0.0f;
    }
    __syncthreads();

    for (;;) {
        if (tid == 0) next_group(&R, window);
        __syncthreads();
        if (!R.g_any) break;
        const long long base = R.g_base;
        const int g_lo = R.g_lo, g_hi = R.g_hi;

        bool act[ATT_RW];
        int rp[ATT_RW], rlo[ATT_RW];
        float m[ATT_RW], l[ATT_RW], o[ATT_RW][NC];
        for (int rr = 0; rr < ATT_RW; rr++) {
            const int r = warp * ATT_RW + rr;
            act[rr] = R.state[r] == 1;
            rp[rr] = R.pos[r];
            rlo[rr] = first_key(rp[rr], window);
            m[rr] = -INFINITY;
            l[rr] = 0.0f;
            for (int c = 0; c < NC; c++) o[rr][c] = 0.0f;
        }

        for (int s0 = g_lo; s0 <= g_hi; s0 += ATT_BT) {
            for (int idx = tid; idx < ATT_BT * D; idx += ATT_THREADS) {
                const int j = idx / D, d = idx % D, key = s0 + j;
                float kx = 0.0f, vx = 0.0f;
                if (key <= g_hi) {
                    const size_t off = (size_t)(base + key) * kvs + (size_t)kvh * D + d;
                    kx = k[off];
                    vx = v[off];
                }
                Ks[j * (D + 1) + d] = kx;
                Vs[j * D + d] = vx;
            }
            __syncthreads();

            // Lane j: the scores of key s0 + j against the warp's rows.
            const int key = s0 + lane;
            float s[ATT_RW];
            for (int rr = 0; rr < ATT_RW; rr++) s[rr] = 0.0f;
            const float *kr = Ks + lane * (D + 1);
            const float *qr = Qs + warp * ATT_RW * D;
            for (int d = 0; d < D; d++) {
                const float kd = kr[d];
                for (int rr = 0; rr < ATT_RW; rr++) s[rr] += qr[rr * D + d] * kd;
            }
            float p[ATT_RW];
            for (int rr = 0; rr < ATT_RW; rr++) {
                p[rr] = 0.0f;
                if (!act[rr]) continue;  // warp-uniform
                const bool valid = key >= rlo[rr] && key <= rp[rr];
                const float sc = valid ? s[rr] * scale : -INFINITY;
                const float mt = warp_max(sc);
                if (mt == -INFINITY) continue;  // no key of this tile for the row (warp-uniform)
                const float mn = m[rr] > mt ? m[rr] : mt;
                const float corr = expf(m[rr] - mn);  // m = -inf: 0
                p[rr] = valid ? expf(sc - mn) : 0.0f;
                l[rr] = l[rr] * corr + warp_sum(p[rr]);
                m[rr] = mn;
                for (int c = 0; c < NC; c++) o[rr][c] *= corr;
            }
            for (int j = 0; j < ATT_BT; j++) {
                float pj[ATT_RW];
                for (int rr = 0; rr < ATT_RW; rr++) pj[rr] = __shfl_sync(0xffffffffu, p[rr], j);
                for (int c = 0; c < NC; c++) {
                    const int d = lane + WARP * c;
                    const float vd = d < D ? Vs[j * D + d] : 0.0f;
                    for (int rr = 0; rr < ATT_RW; rr++) o[rr][c] += pj[rr] * vd;
                }
            }
            __syncthreads();  // before the next tile overwrites Ks, Vs
        }

        for (int rr = 0; rr < ATT_RW; rr++) {
            if (!act[rr]) continue;
            const int i = i0 + warp * ATT_RW + rr;
            const float inv = l[rr] > 0.0f ? 1.0f / l[rr] : 0.0f;
            float *orow = out + (size_t)i * qs + (size_t)h * D;
            for (int c = 0; c < NC; c++) {
                const int d = lane + WARP * c;
                if (d < D) orow[d] = o[rr][c] * inv;
            }
            if (lane == 0) lse[(size_t)i * H + h] = l[rr] > 0.0f ? m[rr] + logf(l[rr]) : -INFINITY;
        }
        __syncthreads();  // every warp has read R.state before thread 0 changes it
    }
}

// ---------------------------------------------------------------------------------
// Backward, step 1: delta (N, H) = rowsum(dout * out), one warp per (token, head).

static __global__ void attention_delta_kernel(float *delta, const float *dout, const float *out, int NH, int D) {
    const int row = blockIdx.x * (blockDim.x / WARP) + threadIdx.x / WARP, lane = threadIdx.x % WARP;
    if (row >= NH) return;
    const float *a = dout + (size_t)row * D, *b = out + (size_t)row * D;
    float s = 0.0f;
    for (int d = lane; d < D; d += WARP) s += a[d] * b[d];
    s = warp_sum(s);
    if (lane == 0) delta[row] = s;
}

// Step 2: dq. One block per (ATT_BR query rows, head); the key base of query i is its
// sequence's first token, i - pos[i]. Shared memory: Qs, dOs (ATT_BR, D), Ks, Vs
// (ATT_BT, D + 1).

template <int NC>
static __global__ __launch_bounds__(ATT_THREADS) void attention_dq_kernel(
    float *dq, const float *dout, const float *q, const float *k, const float *v, const float *lse,
    const float *delta, const int *pos, int N, int H, int KV, int D, int window, float scale) {
    extern __shared__ float smem[];
    float *Qs = smem, *dOs = Qs + ATT_BR * D, *Ks = dOs + ATT_BR * D, *Vs = Ks + ATT_BT * (D + 1);
    __shared__ att_rows R;
    const int tid = threadIdx.x, warp = tid / WARP, lane = tid % WARP;
    const int i0 = blockIdx.x * ATT_BR, h = blockIdx.y, kvh = h / (H / KV);
    const size_t qs = (size_t)H * D, kvs = (size_t)KV * D;

    if (tid < ATT_BR) {
        const int i = i0 + tid;
        const int p = i < N ? pos[i] : -1;
        R.state[tid] = i < N ? 0 : 2;
        R.base[tid] = i < N ? (long long)i - p : 0;
        R.pos[tid] = p;
    }
    for (int idx = tid; idx < ATT_BR * D; idx += ATT_THREADS) {
        const int r = idx / D, d = idx % D, i = i0 + r;
        const size_t off = (size_t)i * qs + (size_t)h * D + d;
        Qs[idx] = i < N ? q[off] : 0.0f;
        dOs[idx] = i < N ? dout[off] : 0.0f;
    }
    __syncthreads();

    for (;;) {
        if (tid == 0) next_group(&R, window);
        __syncthreads();
        if (!R.g_any) break;
        const long long base = R.g_base;
        const int g_lo = R.g_lo, g_hi = R.g_hi;

        bool act[ATT_RW];
        int rp[ATT_RW], rlo[ATT_RW];
        float rlse[ATT_RW], rdelta[ATT_RW], acc[ATT_RW][NC];
        for (int rr = 0; rr < ATT_RW; rr++) {
            const int r = warp * ATT_RW + rr, i = i0 + r;
            act[rr] = R.state[r] == 1;
            rp[rr] = R.pos[r];
            rlo[rr] = first_key(rp[rr], window);
            rlse[rr] = act[rr] ? lse[(size_t)i * H + h] : 0.0f;
            rdelta[rr] = act[rr] ? delta[(size_t)i * H + h] : 0.0f;
            for (int c = 0; c < NC; c++) acc[rr][c] = 0.0f;
        }

        for (int s0 = g_lo; s0 <= g_hi; s0 += ATT_BT) {
            for (int idx = tid; idx < ATT_BT * D; idx += ATT_THREADS) {
                const int j = idx / D, d = idx % D, key = s0 + j;
                float kx = 0.0f, vx = 0.0f;
                if (key <= g_hi) {
                    const size_t off = (size_t)(base + key) * kvs + (size_t)kvh * D + d;
                    kx = k[off];
                    vx = v[off];
                }
                Ks[j * (D + 1) + d] = kx;
                Vs[j * (D + 1) + d] = vx;
            }
            __syncthreads();

            const int key = s0 + lane;
            float s[ATT_RW], dp[ATT_RW];
            for (int rr = 0; rr < ATT_RW; rr++) s[rr] = dp[rr] = 0.0f;
            const float *kr = Ks + lane * (D + 1), *vr = Vs + lane * (D + 1);
            const float *qr = Qs + warp * ATT_RW * D, *gr = dOs + warp * ATT_RW * D;
            for (int d = 0; d < D; d++) {
                const float kd = kr[d], vd = vr[d];
                for (int rr = 0; rr < ATT_RW; rr++) {
                    s[rr] += qr[rr * D + d] * kd;
                    dp[rr] += gr[rr * D + d] * vd;
                }
            }
            float ds[ATT_RW];
            for (int rr = 0; rr < ATT_RW; rr++) {
                const bool valid = act[rr] && key >= rlo[rr] && key <= rp[rr];
                const float pr = valid ? expf(s[rr] * scale - rlse[rr]) : 0.0f;
                ds[rr] = pr * (dp[rr] - rdelta[rr]) * scale;
            }
            for (int j = 0; j < ATT_BT; j++) {
                float dsj[ATT_RW];
                for (int rr = 0; rr < ATT_RW; rr++) dsj[rr] = __shfl_sync(0xffffffffu, ds[rr], j);
                for (int c = 0; c < NC; c++) {
                    const int d = lane + WARP * c;
                    const float kd = d < D ? Ks[j * (D + 1) + d] : 0.0f;
                    for (int rr = 0; rr < ATT_RW; rr++) acc[rr][c] += dsj[rr] * kd;
                }
            }
            __syncthreads();
        }

        for (int rr = 0; rr < ATT_RW; rr++) {
            if (!act[rr]) continue;
            const int i = i0 + warp * ATT_RW + rr;
            float *row = dq + (size_t)i * qs + (size_t)h * D;
            for (int c = 0; c < NC; c++) {
                const int d = lane + WARP * c;
                if (d < D) row[d] = acc[rr][c];
            }
        }
        __syncthreads();
    }
}

// Step 3: dk, dv. One block per (ATT_BR key rows, kv head). Key row r lies in sequence b
// (seq_start[b] <= r < seq_start[b + 1], found by bisection); its position is j = r -
// seq_start[b]; the queries that see it are the rows t of that sequence with
// first_key(pos[t]) <= j <= pos[t]: with positions from 0, the rows from seq_start[b] + j
// up to the window's end. The block streams those queries of every head of the kv
// head's group in tiles of ATT_BT. Shared memory: Ks, Vs (ATT_BR, D), Qt, dOt
// (ATT_BT, D + 1), and the tile's lse, delta and positions.

template <int NC>
static __global__ __launch_bounds__(ATT_THREADS) void attention_dkv_kernel(
    float *dk, float *dv, const float *dout, const float *q, const float *k, const float *v, const float *lse,
    const float *delta, const int *seq_start, const int *pos, int B, int N, int H, int KV, int D, int window,
    float scale) {
    extern __shared__ float smem[];
    float *Ks = smem, *Vs = Ks + ATT_BR * D, *Qt = Vs + ATT_BR * D, *dOt = Qt + ATT_BT * (D + 1);
    __shared__ att_rows R;
    __shared__ int s_end[ATT_BR];
    __shared__ int g_end;
    __shared__ float t_lse[ATT_BT], t_delta[ATT_BT];
    __shared__ int t_pos[ATT_BT];
    const int tid = threadIdx.x, warp = tid / WARP, lane = tid % WARP;
    const int r0 = blockIdx.x * ATT_BR, kvh = blockIdx.y, group = H / KV;
    const size_t qs = (size_t)H * D, kvs = (size_t)KV * D;

    if (tid < ATT_BR) {
        const int r = r0 + tid;
        long long st = -1;
        int end = 0;
        if (r < N && B > 0 && r >= seq_start[0] && r < seq_start[B]) {
            int a = 0, b = B;  // seq_start[a] <= r < seq_start[b]
            while (b - a > 1) {
                const int mid = (a + b) / 2;
                if (seq_start[mid] <= r) a = mid;
                else b = mid;
            }
            st = seq_start[a];
            end = seq_start[a + 1];
        }
        R.state[tid] = r < N ? 0 : 2;
        R.base[tid] = st;
        R.pos[tid] = st >= 0 ? (int)(r - st) : -1;  // -1: in no sequence, no query sees it
        s_end[tid] = end;
    }
    for (int idx = tid; idx < ATT_BR * D; idx += ATT_THREADS) {
        const int rr = idx / D, d = idx % D, r = r0 + rr;
        const size_t off = (size_t)r * kvs + (size_t)kvh * D + d;
        Ks[idx] = r < N ? k[off] : 0.0f;
        Vs[idx] = r < N ? v[off] : 0.0f;
    }
    __syncthreads();

    for (;;) {
        if (tid == 0) {
            next_group(&R, window);  // g_pmin, g_hi: the smallest and largest key position j of the group
            if (R.g_any) {
                g_end = 0;
                for (int r = 0; r < ATT_BR; r++)
                    if (R.state[r] == 1) g_end = s_end[r];
            }
        }
        __syncthreads();
        if (!R.g_any) break;
        const long long st = R.g_base;
        // Query rows [q_lo, q_hi): positions g_lo .. (window end of g_hi), inside the sequence.
        long long q_lo = st + R.g_pmin, q_hi = g_end;
        if (window > 0 && st + (long long)R.g_hi + window < q_hi) q_hi = st + (long long)R.g_hi + window;
        if (R.g_hi < 0) q_hi = q_lo;  // keys in no sequence

        bool act[ATT_RW];
        int kp[ATT_RW];
        float ak[ATT_RW][NC], av[ATT_RW][NC];
        for (int rr = 0; rr < ATT_RW; rr++) {
            const int r = warp * ATT_RW + rr;
            act[rr] = R.state[r] == 1;
            kp[rr] = R.pos[r];
            for (int c = 0; c < NC; c++) ak[rr][c] = av[rr][c] = 0.0f;
        }

        for (int h = kvh * group; h < (kvh + 1) * group; h++) {
            for (long long t0 = q_lo; t0 < q_hi; t0 += ATT_BT) {
                for (int idx = tid; idx < ATT_BT * D; idx += ATT_THREADS) {
                    const int j = idx / D, d = idx % D;
                    const long long t = t0 + j;
                    float qx = 0.0f, gx = 0.0f;
                    if (t < q_hi) {
                        const size_t off = (size_t)t * qs + (size_t)h * D + d;
                        qx = q[off];
                        gx = dout[off];
                    }
                    Qt[j * (D + 1) + d] = qx;
                    dOt[j * (D + 1) + d] = gx;
                }
                if (tid < ATT_BT) {
                    const long long t = t0 + tid;
                    const bool in = t < q_hi;
                    t_lse[tid] = in ? lse[(size_t)t * H + h] : 0.0f;
                    t_delta[tid] = in ? delta[(size_t)t * H + h] : 0.0f;
                    t_pos[tid] = in ? pos[t] : -1;
                }
                __syncthreads();

                // Lane j: query t0 + j against the warp's key rows.
                const int qp = t_pos[lane], qlo = first_key(qp, window);
                const float ql = t_lse[lane], qd = t_delta[lane];
                float s[ATT_RW], dp[ATT_RW];
                for (int rr = 0; rr < ATT_RW; rr++) s[rr] = dp[rr] = 0.0f;
                const float *qr = Qt + lane * (D + 1), *gr = dOt + lane * (D + 1);
                const float *kr = Ks + warp * ATT_RW * D, *vr = Vs + warp * ATT_RW * D;
                for (int d = 0; d < D; d++) {
                    const float qd_ = qr[d], gd = gr[d];
                    for (int rr = 0; rr < ATT_RW; rr++) {
                        s[rr] += qd_ * kr[rr * D + d];
                        dp[rr] += gd * vr[rr * D + d];
                    }
                }
                float pr[ATT_RW], ds[ATT_RW];
                for (int rr = 0; rr < ATT_RW; rr++) {
                    const bool valid = act[rr] && qp >= 0 && kp[rr] >= qlo && kp[rr] <= qp;
                    pr[rr] = valid ? expf(s[rr] * scale - ql) : 0.0f;
                    ds[rr] = pr[rr] * (dp[rr] - qd) * scale;
                }
                for (int j = 0; j < ATT_BT; j++) {
                    float pj[ATT_RW], dsj[ATT_RW];
                    for (int rr = 0; rr < ATT_RW; rr++) {
                        pj[rr] = __shfl_sync(0xffffffffu, pr[rr], j);
                        dsj[rr] = __shfl_sync(0xffffffffu, ds[rr], j);
                    }
                    for (int c = 0; c < NC; c++) {
                        const int d = lane + WARP * c;
                        const float qx = d < D ? Qt[j * (D + 1) + d] : 0.0f;
                        const float gx = d < D ? dOt[j * (D + 1) + d] : 0.0f;
                        for (int rr = 0; rr < ATT_RW; rr++) {
                            ak[rr][c] += dsj[rr] * qx;
                            av[rr][c] += pj[rr] * gx;
                        }
                    }
                }
                __syncthreads();
            }
        }

        for (int rr = 0; rr < ATT_RW; rr++) {
            if (!act[rr]) continue;
            const int r = r0 + warp * ATT_RW + rr;
            const size_t off = (size_t)r * kvs + (size_t)kvh * D;
            for (int c = 0; c < NC; c++) {
                const int d = lane + WARP * c;
                if (d < D) {
                    dk[off + d] = ak[rr][c];
                    dv[off + d] = av[rr][c];
                }
            }
        }
        __syncthreads();
    }
}

// ---------------------------------------------------------------------------------
// Launchers: NC = ceil(D / 32) rounded up to 1, 2, 4 or 8.

static int lanes_per_row(int D) {
    CUDA_REQUIRE(D >= 1 && D <= ATT_MAX_D, "attention: head dim %d not supported (1..%d)", D, ATT_MAX_D);
    return D <= 32 ? 1 : D <= 64 ? 2 : D <= 128 ? 4 : 8;
}

template <typename K> static void set_smem(K kernel, size_t bytes) {
    CUDA_CHECK(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)bytes));
}

template <int NC>
static void forward_nc(float *out, float *lse, const float *q, const float *k, const float *v, const int64_t *kv_row,
                       const int *pos, int N, int H, int KV, int D, int window, float scale) {
    const size_t smem = sizeof(float) * ((size_t)ATT_BR * D + (size_t)ATT_BT * (D + 1) + (size_t)ATT_BT * D);
    set_smem(attention_forward_kernel<NC>, smem);
    dim3 grid((N + ATT_BR - 1) / ATT_BR, H);
    attention_forward_kernel<NC><<<grid, ATT_THREADS, smem, cuda_stream()>>>(out, lse, q, k, v, kv_row, pos, N, H,
                                                                            KV, D, window, scale);
    CUDA_LAUNCH_CHECK();
}

void cuda_attention_forward(float *out, float *lse, const float *q, const float *k, const float *v,
                            const int64_t *kv_row, const int *pos, int N, int H, int KV, int D, int window,
                            float scale) {
    if (N <= 0 || H <= 0) return;
    CUDA_REQUIRE(KV > 0 && H % KV == 0, "attention: %d heads do not group over %d kv heads", H, KV);
    CUDA_REQUIRE(H <= 65535, "attention: %d heads", H);
    switch (lanes_per_row(D)) {
    case 1: forward_nc<1>(out, lse, q, k, v, kv_row, pos, N, H, KV, D, window, scale); break;
    case 2: forward_nc<2>(out, lse, q, k, v, kv_row, pos, N, H, KV, D, window, scale); break;
    case 4: forward_nc<4>(out, lse, q, k, v, kv_row, pos, N, H, KV, D, window, scale); break;
    default: forward_nc<8>(out, lse, q, k, v, kv_row, pos, N, H, KV, D, window, scale); break;
    }
}

template <int NC>
static void backward_nc(float *dq, float *dk, float *dv, const float *dout, const float *q, const float *k,
                        const float *v, const float *lse, const float *delta, const int *seq_start, const int *pos,
                        int B, int N, int H, int KV, int D, int window, float scale) {
    const size_t smem_dq = sizeof(float) * (2 * (size_t)ATT_BR * D + 2 * (size_t)ATT_BT * (D + 1));
    set_smem(attention_dq_kernel<NC>, smem_dq);
    dim3 grid_q((N + ATT_BR - 1) / ATT_BR, H);
    attention_dq_kernel<NC><<<grid_q, ATT_THREADS, smem_dq, cuda_stream()>>>(dq, dout, q, k, v, lse, delta, pos, N,
                                                                            H, KV, D, window, scale);
    CUDA_LAUNCH_CHECK();
    const size_t smem_kv = sizeof(float) * (2 * (size_t)ATT_BR * D + 2 * (size_t)ATT_BT * (D + 1));
    set_smem(attention_dkv_kernel<NC>, smem_kv);
    dim3 grid_k((N + ATT_BR - 1) / ATT_BR, KV);
    attention_dkv_kernel<NC><<<grid_k, ATT_THREADS, smem_kv, cuda_stream()>>>(dk, dv, dout, q, k, v, lse, delta,
                                                                             seq_start, pos, B, N, H, KV, D, window,
                                                                             scale);
    CUDA_LAUNCH_CHECK();
}

void cuda_attention_backward(float *dq, float *dk, float *dv, const float *dout, const float *q, const float *k,
                             const float *v, const float *out, const float *lse, const int *seq_start, const int *pos,
                             int B, int N, int H, int KV, int D, int window, float scale) {
    if (N <= 0 || H <= 0) return;
    CUDA_REQUIRE(KV > 0 && H % KV == 0, "attention: %d heads do not group over %d kv heads", H, KV);
    CUDA_REQUIRE(H <= 65535, "attention: %d heads", H);
    const int nc = lanes_per_row(D);
    float *delta = (float *)cuda_scratch(SCRATCH_ATTN, (size_t)N * H * sizeof(float));
    const int NH = N * H, rows_per_block = 8;
    attention_delta_kernel<<<(NH + rows_per_block - 1) / rows_per_block, rows_per_block * WARP, 0, cuda_stream()>>>(
        delta, dout, out, NH, D);
    CUDA_LAUNCH_CHECK();
    switch (nc) {
    case 1: backward_nc<1>(dq, dk, dv, dout, q, k, v, lse, delta, seq_start, pos, B, N, H, KV, D, window, scale); break;
    case 2: backward_nc<2>(dq, dk, dv, dout, q, k, v, lse, delta, seq_start, pos, B, N, H, KV, D, window, scale); break;
    case 4: backward_nc<4>(dq, dk, dv, dout, q, k, v, lse, delta, seq_start, pos, B, N, H, KV, D, window, scale); break;
    default: backward_nc<8>(dq, dk, dv, dout, q, k, v, lse, delta, seq_start, pos, B, N, H, KV, D, window, scale); break;
    }
}
