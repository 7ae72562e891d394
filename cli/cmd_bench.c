// wmss bench: training and inference throughput of Qwen3-like models of three sizes
// (random weights, random tokens built in memory), measured in one run next to the two
// references that give the numbers meaning: the sgemm peak of the linked BLAS (measured
// before each size) and the same SFT step in PyTorch (bench/torch_step.py, run as a
// subprocess). Results and the profile: bench/README.md.
//
// Measured per size, each a median over --steps timed steps after one warm-up step:
//   forward  the engine's forward-only scoring path (frozen branch: forward, fused
//            LM-head loss without gradients) — what WD-DS runs;
//   sft      zero_grad + wmss_engine_accumulate (forward, loss, backward) + grad-norm
//            clipping + AdamW — one optimizer step of `wmss sft` with one micro-batch;
//   joint    the WD-JT step: strong and weak both trainable, lambda = 0.5, the strong
//            branch's own statistics, clipping over both, two AdamW updates.
//
// FLOPs of one SFT step (the usual 6 x parameters x tokens accounting):
//   P_mm  = L * (C*H*D + 2*C*KV*D + H*D*C + 3*C*I)   the layers' matmul weights
//   flops = 6 * P_mm * B*T                            (2 forward + 4 backward per weight)
//         + 12 * L * H * D * ctx * B*T                attention: q.k and p.v, 2*D per key
//                                                     each forward, twice that backward;
//                                                     ctx = (T+1)/2 keys per token (causal)
//         + 6 * V * C * B*(T-1)                       the LM head at the target positions
// Norms, RoPE, activations, softmax, the embedding and the optimizer are not counted
// (they are O(params + tokens*C), not O(params*tokens)).
#include <cblas.h>  // openblas_get_config: which BLAS the CPU backend runs
#include <cjson/cJSON.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "args.h"
#include "commands.h"
#include "device.h"
#include "engine.h"
#include "ops.h"
#include "optim.h"
#include "rng.h"

typedef struct {
    const char *name;
    int C, L, H, KV, D, inter, tied, V;  // hidden, layers, heads, kv heads, head dim, intermediate, tied head, vocab
    int B, T;                            // default batch and sequence length
} bench_size;

// The CPU sizes (head_dim 64, vocabulary 32768) and a Qwen3-0.6B-shaped model for GPUs.
static const bench_size SIZES[] = {
    {"1m", 32, 2, 2, 1, 64, 96, 1, 32768, 8, 256},
    {"20m", 384, 5, 6, 2, 64, 1024, 1, 32768, 4, 512},
    {"120m", 768, 12, 12, 4, 64, 2048, 0, 32768, 4, 512},
    {"0.6b", 1024, 28, 16, 8, 128, 3072, 1, 151936, 4, 2048},
};
enum { N_SIZES = sizeof SIZES / sizeof SIZES[0], MAX_STEPS = 64 };

typedef struct {
    int B, T, steps, threads, torch, gpu;
    const char *torch_script, *python;
    char device[256];  // the backend, described
} bench_opts;

typedef struct {
    const bench_size *size;
    int B, T;
    size_t params;
    double fwd_tps, sft_tps, joint_tps, torch_tps;  // tokens/s (torch_tps NAN when not run)
    double sft_s, step_gflop, step_gflops, sgemm_gflops;  // sgemm_gflops: the gemm peak measured before this size
    char torch_blas[256];
} bench_result;

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static double median(double *x, int n) {
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && x[j] < x[j - 1]; j--) {
            double t = x[j]; x[j] = x[j - 1]; x[j - 1] = t;
        }
    return n % 2 ? x[n / 2] : 0.5 * (x[n / 2 - 1] + x[n / 2]);
}

// ---------------------------------------------------------------------------------
// The references: sgemm peak and PyTorch.

// Best GFLOP/s of C = A B over square sizes 2048 and 4096 through the backend's gemm
// (OpenBLAS sgemm on the CPU; cuBLAS in the configured math mode on the GPU, 8192 too).
static int sgemm_peak(double *gflops, wmss_error *e) {
    const int gpu = wmss_dev_kind_now() == WMSS_DEV_CUDA;
    static const int SIDES[] = {2048, 4096, 8192}, REPS[] = {3, 2, 5};
    const int n_sides = gpu ? 3 : 2;
    const size_t n = gpu ? 8192 : 4096, bytes = n * n * sizeof(float);
    float *h = malloc(bytes), *a = wmss_dev_alloc(bytes, "the gemm reference", e);
    float *b = a ? wmss_dev_alloc(bytes, "the gemm reference", e) : NULL;
    float *c = b ? wmss_dev_alloc(bytes, "the gemm reference", e) : NULL;
    int rc = h && c ? 0 : h ? -1 : wmss_fail(e, "out of memory for the gemm reference");
    double best = 0.0;
    if (!rc) {
        for (size_t i = 0; i < n * n; i++) h[i] = (float)(i % 7) * 0.1f;
        wmss_dev_upload(a, h, bytes);
        for (size_t i = 0; i < n * n; i++) h[i] = (float)(i % 5) * 0.1f;
        wmss_dev_upload(b, h, bytes);
        for (int s = 0; s < n_sides; s++) {
            const int m = SIDES[s];
            for (int r = 0; r < REPS[s] + gpu; r++) {  // on the GPU the first call warms up
                wmss_dev_sync();
                double t0 = now_s();
                gemm(0, 0, m, m, m, 1.0f, a, m, b, m, 0.0f, c, m);
                wmss_dev_sync();
                double g = 2.0 * m * m * (double)m / (now_s() - t0) * 1e-9;
                if (g > best && !(gpu && r == 0)) best = g;
            }
        }
    }
    free(h);
    wmss_dev_free(a);
    wmss_dev_free(b);
    wmss_dev_free(c);
    *gflops = best;
    return rc;
}

// Where bench/torch_step.py is: --torch-script, else next to the binary's source tree
// (build/wmss -> bench/), else relative to the working directory.
static void find_torch_script(char *out, size_t cap) {
    char exe[4096];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len > 0) {
        exe[len] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            snprintf(out, cap, "%s/../bench/torch_step.py", exe);
            if (access(out, R_OK) == 0) return;
        }
    }
    snprintf(out, cap, "bench/torch_step.py");
}

// Runs the PyTorch step on the same configuration; reads its JSON line.
static int run_torch(const bench_opts *o, const bench_size *s, int B, int T, bench_result *r, wmss_error *e) {
    char script[4200], cmd[8192];
    if (o->torch_script) snprintf(script, sizeof script, "%s", o->torch_script);
    else find_torch_script(script, sizeof script);
    snprintf(cmd, sizeof cmd,
             "OMP_NUM_THREADS=%d OPENBLAS_NUM_THREADS=%d '%s' '%s' --vocab %d --hidden %d --layers %d --heads %d "
             "--kv-heads %d --head-dim %d --intermediate %d %s --batch %d --seq %d --steps %d --warmup 1 --threads %d "
             "--device %s",
             o->threads, o->threads, o->python, script, s->V, s->C, s->L, s->H, s->KV, s->D, s->inter,
             s->tied ? "--tied" : "", B, T, o->steps, o->threads, wmss_dev_kind_now() == WMSS_DEV_CUDA ? "cuda" : "cpu");
    FILE *p = popen(cmd, "r");
    if (!p) return wmss_fail(e, "cannot run %s", o->python);
    char line[8192], last[8192] = "";
    while (fgets(line, sizeof line, p))
        if (line[0] == '{') snprintf(last, sizeof last, "%s", line);
    int status = pclose(p);
    cJSON *j = cJSON_Parse(last);
    const cJSON *tps = cJSON_GetObjectItemCaseSensitive(j, "tokens_per_s");
    const cJSON *blas = cJSON_GetObjectItemCaseSensitive(j, "blas");
    if (status != 0 || !cJSON_IsNumber(tps)) {
        cJSON_Delete(j);
        return wmss_fail(e, "the PyTorch reference failed (%s %s, exit status %d); is python3-torch installed? "
                            "(--no-torch skips it)", o->python, script, status);
    }
    r->torch_tps = tps->valuedouble;
    r->torch_blas[0] = '\0';
    const cJSON *lib;
    cJSON_ArrayForEach(lib, blas)  // the libopenblas*.so (or libblas.so.3) the process mapped
        if (cJSON_IsString(lib) && (strstr(lib->valuestring, "libopenblas") || !r->torch_blas[0]))
            snprintf(r->torch_blas, sizeof r->torch_blas, "%s", lib->valuestring);
    cJSON_Delete(j);
    return 0;
}

// ---------------------------------------------------------------------------------
// The wmss side.

static int make_model(const bench_size *s, uint64_t seed, wmss_model *m, wmss_error *e) {
    char json[1024];
    snprintf(json, sizeof json,
             "{\"architectures\": [\"Qwen3ForCausalLM\"], \"hidden_size\": %d, \"intermediate_size\": %d,"
             " \"num_hidden_layers\": %d, \"num_attention_heads\": %d, \"num_key_value_heads\": %d, \"head_dim\": %d,"
             " \"vocab_size\": %d, \"tie_word_embeddings\": %s, \"max_position_embeddings\": 32768}",
             s->C, s->inter, s->L, s->H, s->KV, s->D, s->V, s->tied ? "true" : "false");
    cJSON *j = cJSON_Parse(json);
    wmss_config c;
    int rc = wmss_config_from_json(j, "bench", &c, e);
    cJSON_Delete(j);
    if (rc) return -1;
    rc = wmss_model_create(&c, m, e);
    wmss_config_free(&c);
    if (rc) return -1;
    wmss_model_init_random(m, seed);
    return 0;
}

// B random sequences of T tokens, every next token a target.
static int make_data(wmss_dataset *ds, int B, int T, int V, wmss_error *e) {
    memset(ds, 0, sizeof *ds);
    ds->n = B;
    ds->n_tokens = (int64_t)B * T;
    ds->offset = malloc((B + 1) * sizeof *ds->offset);
    ds->ids = malloc((size_t)B * T * sizeof *ds->ids);
    ds->mask = malloc((size_t)B * T);
    ds->n_targets = malloc(B * sizeof *ds->n_targets);
    if (!ds->offset || !ds->ids || !ds->mask || !ds->n_targets) return wmss_fail(e, "out of memory for the batch");
    wmss_rng r;
    wmss_rng_seed(&r, 7);
    for (int b = 0; b <= B; b++) ds->offset[b] = (int64_t)b * T;
    for (size_t i = 0; i < (size_t)B * T; i++) {
        ds->ids[i] = (int32_t)(wmss_rng_next(&r) % (uint64_t)V);
        ds->mask[i] = 1;
    }
    for (int b = 0; b < B; b++) ds->n_targets[b] = T - 1;
    return 0;
}

static void free_data(wmss_dataset *ds) {
    free(ds->offset);
    free(ds->ids);
    free(ds->mask);
    free(ds->n_targets);
}

// One optimizer step as the trainer takes it: zero_grad, accumulate the micro-batch,
// clip over all trainable branches (max norm 1), AdamW per trainable branch.
static int train_step(wmss_engine *en, wmss_adamw *opt, const wmss_dataset *ds, const int *idx, int B, wmss_error *e) {
    const wmss_adamw_hparams h = WMSS_ADAMW_DEFAULTS;
    wmss_loss_stats st = {0}, own[WMSS_LOSS_MAX_BRANCHES] = {{0}};
    wmss_engine_zero_grad(en);
    const float scale = (float)(1.0 / ((double)ds->n_tokens - B));
    if (wmss_engine_accumulate(en, ds, idx, B, scale, &st, en->K > 1 ? own : NULL, NULL, e)) return -1;
    double sq = 0.0;
    for (int k = 0; k < en->K; k++) sq += sum_squares(en->br[k].grad, en->br[k].model->layout.n_floats);
    const float coef = wmss_clip_coef(sqrt(sq), 1.0);
    for (int k = 0; k < en->K; k++) {
        wmss_branch *b = &en->br[k];
        if (coef < 1.0f) tensor_scale(b->grad, b->model->layout.n_floats, coef);
        wmss_adamw_step(&opt[k], &b->model->layout, b->model->params, b->grad, 1e-5f, &h);
    }
    return 0;
}

// Median seconds of `steps` timed steps after one warm-up step. K = 0: forward only.
static int time_engine(wmss_model **models, int K, const wmss_dataset *ds, int steps, double *sec, wmss_error *e) {
    const int B = ds->n, N = (int)ds->n_tokens;
    wmss_branch_spec spec[2] = {{models[0], K == 2 ? 0.5f : 1.0f, K > 0}, {K == 2 ? models[1] : NULL, 0.5f, 1}};
    wmss_engine en;
    wmss_adamw opt[2] = {{0}};
    int idx[1024], rc = wmss_engine_create(&en, spec, K ? K : 1, N, B, 256, e);
    if (rc) return -1;
    for (int k = 0; k < K && !rc; k++) rc = wmss_adamw_create(&opt[k], models[k]->layout.n_floats, e);
    for (int b = 0; b < B; b++) idx[b] = b;
    double t[MAX_STEPS + 1];
    for (int s = 0; s <= steps && !rc; s++) {
        const double t0 = now_s();
        if (K) {
            rc = train_step(&en, opt, ds, idx, B, e);
        } else {
            wmss_loss_stats st = {0};
            rc = wmss_engine_accumulate(&en, ds, idx, B, 0.0f, &st, NULL, NULL, e);
        }
        wmss_dev_sync();  // a GPU step has finished when its last op has
        if (!rc) rc = wmss_dev_check(e);
        t[s] = now_s() - t0;
    }
    if (!rc) *sec = median(t + 1, steps);
    for (int k = 0; k < 2; k++) wmss_adamw_free(&opt[k]);
    wmss_engine_free(&en);
    return rc;
}

static double step_gflop(const bench_size *s, int B, int T) {
    const double D = s->D, tokens = (double)B * T, ctx = (T + 1) / 2.0;
    const double C = s->C, p_mm = s->L * (C * s->H * D + 2.0 * C * s->KV * D + s->H * D * C + 3.0 * C * s->inter);
    const double attn = 12.0 * s->L * s->H * D * ctx;
    return (6.0 * p_mm * tokens + attn * tokens + 6.0 * s->V * C * B * (T - 1)) * 1e-9;
}

static void progress(int json, const char *size, const char *what) {
    if (!json) fprintf(stderr, "  %s: %s...\n", size, what);
}

static int bench_one(const bench_opts *o, const bench_size *s, int json, bench_result *r, wmss_error *e) {
    memset(r, 0, sizeof *r);
    progress(json, s->name, "sgemm peak");
    if (sgemm_peak(&r->sgemm_gflops, e)) return -1;
    r->size = s;
    r->B = o->B > 0 ? o->B : s->B;
    r->T = o->T > 0 ? o->T : s->T;
    r->torch_tps = NAN;
    if (r->B > 1024) return wmss_fail(e, "--batch %d: at most 1024", r->B);
    const double tokens = (double)r->B * r->T;
    wmss_model strong = {0}, weak = {0};
    wmss_model *both[2] = {&strong, &weak};
    wmss_dataset ds = {0};
    double t_fwd = 0, t_sft = 0, t_joint = 0;
    int rc = make_model(s, 1, &strong, e) || make_model(s, 2, &weak, e) || make_data(&ds, r->B, r->T, s->V, e);
    if (!rc) {
        for (int i = 0; i < strong.layout.n_specs; i++) r->params += strong.layout.specs[i].numel;
        progress(json, s->name, "forward");
        rc = time_engine(both, 0, &ds, o->steps, &t_fwd, e);
    }
    if (!rc) {
        progress(json, s->name, "SFT step");
        rc = time_engine(both, 1, &ds, o->steps, &t_sft, e);
    }
    if (!rc) {
        progress(json, s->name, "WD-JT step");
        rc = time_engine(both, 2, &ds, o->steps, &t_joint, e);
    }
    free_data(&ds);
    wmss_model_free(&strong);
    wmss_model_free(&weak);
    if (rc) return wmss_error_prefix(e, "bench %s", s->name);
    r->fwd_tps = tokens / t_fwd;
    r->sft_tps = tokens / t_sft;
    r->joint_tps = tokens / t_joint;
    r->sft_s = t_sft;
    r->step_gflop = step_gflop(s, r->B, r->T);
    r->step_gflops = r->step_gflop / t_sft;
    if (o->torch) {
        progress(json, s->name, "PyTorch SFT step");
        if (run_torch(o, s, r->B, r->T, r, e)) return -1;
    }
    return 0;
}

// ---------------------------------------------------------------------------------
// Output.

static void print_json(const bench_opts *o, const bench_result *r) {
    const bench_size *s = r->size;
    const double peak = r->sgemm_gflops;
    printf("{\"size\": \"%s\", \"params\": %zu, \"hidden\": %d, \"layers\": %d, \"heads\": %d, \"kv_heads\": %d, "
           "\"head_dim\": %d, \"intermediate\": %d, \"vocab\": %d, \"tied\": %s, \"batch\": %d, \"seq\": %d, "
           "\"threads\": %d, \"steps\": %d, \"fwd_tokens_per_s\": %.2f, \"sft_tokens_per_s\": %.2f, "
           "\"joint_tokens_per_s\": %.2f, ",
           s->name, r->params, s->C, s->L, s->H, s->KV, s->D, s->inter, s->V, s->tied ? "true" : "false", r->B,
           r->T, o->threads, o->steps, r->fwd_tps, r->sft_tps, r->joint_tps);
    if (isnan(r->torch_tps)) printf("\"torch_sft_tokens_per_s\": null, \"sft_vs_torch\": null, \"torch_blas\": null, ");
    else
        printf("\"torch_sft_tokens_per_s\": %.2f, \"sft_vs_torch\": %.4f, \"torch_blas\": \"%s\", ", r->torch_tps,
               r->sft_tps / r->torch_tps, r->torch_blas);
    printf("\"step_gflop\": %.3f, \"step_gflops\": %.2f, \"sgemm_gflops\": %.2f, \"step_vs_sgemm\": %.4f, "
           "\"joint_vs_sft_time\": %.4f, \"device\": \"%s\", \"blas\": \"%s\", \"blas_core\": \"%s\"}\n",
           r->step_gflop, r->step_gflops, peak, r->step_gflops / peak, r->sft_tps / r->joint_tps, o->device,
           openblas_get_config(), openblas_get_corename());
}

static void print_table(const bench_opts *o, const bench_result *r, int n) {
    printf("wmss bench: %s; %d timed steps (median, after 1 warm-up)\n", o->device, o->steps);
    printf("BLAS: %s\n", openblas_get_config());
    if (o->torch && n > 0) printf("PyTorch: %s\n", r[0].torch_blas);
    printf("gemm peak: best float32-storage gemm of 2048^3 and 4096^3%s through the backend, measured before each size\n",
           o->gpu ? " and 8192^3" : "");
    printf("\n%-5s %8s %9s %9s %9s %9s %9s %8s %8s %8s %8s %9s\n", "size", "params", "B x T", "fwd t/s", "sft t/s",
           "joint t/s", "torch t/s", "vs torch", "GFLOP/s", "gemm", "of peak", "joint/sft");
    for (int i = 0; i < n; i++) {
        char bt[32], torch[16] = "-", ratio[16] = "-";
        snprintf(bt, sizeof bt, "%dx%d", r[i].B, r[i].T);
        if (!isnan(r[i].torch_tps)) {
            snprintf(torch, sizeof torch, "%.0f", r[i].torch_tps);
            snprintf(ratio, sizeof ratio, "%.2fx", r[i].sft_tps / r[i].torch_tps);
        }
        printf("%-5s %7.1fM %9s %9.0f %9.0f %9.0f %9s %8s %8.1f %8.1f %7.1f%% %8.2fx\n", r[i].size->name,
               r[i].params / 1e6, bt, r[i].fwd_tps, r[i].sft_tps, r[i].joint_tps, torch, ratio, r[i].step_gflops,
               r[i].sgemm_gflops, 100.0 * r[i].step_gflops / r[i].sgemm_gflops, r[i].sft_tps / r[i].joint_tps);
    }
}

// OPENBLAS_CORETYPE in the environment overrides OpenBLAS's CPU detection; naming an
// AVX2 core (Haswell, Zen) on a CPU with AVX-512 halves the sgemm rate (measured on the
// machine of bench/README.md, whose environment sets OPENBLAS_CORETYPE=Haswell).
static void blas_hint(void) {
    const char *forced = getenv("OPENBLAS_CORETYPE");
    if (!forced || (strcasecmp(forced, "haswell") && strcasecmp(forced, "zen"))) return;
    if (!__builtin_cpu_supports("avx512f") || !__builtin_cpu_supports("avx512bw") ||
        !__builtin_cpu_supports("avx512dq") || !__builtin_cpu_supports("avx512vl"))
        return;
    fprintf(stderr, "note: OPENBLAS_CORETYPE=%s in the environment makes OpenBLAS run AVX2 kernels on this AVX-512 "
                    "CPU; without it OpenBLAS picks its AVX-512 kernels (see bench/README.md)\n", forced);
}

// "1m,20m" -> indices into SIZES.
static int parse_sizes(const char *s, int *which, int *n) {
    *n = 0;
    char buf[256];
    snprintf(buf, sizeof buf, "%s", s);
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        int k = -1;
        for (int i = 0; i < N_SIZES; i++)
            if (!strcmp(tok, SIZES[i].name)) k = i;
        if (k < 0 || *n >= N_SIZES) {
            fprintf(stderr, "wmss bench: --sizes: unknown or repeated size '%s' (1m, 20m, 120m, 0.6b)\n", tok);
            return -1;
        }
        which[(*n)++] = k;
    }
    return *n ? 0 : -1;
}

int cmd_bench(int argc, char **argv) {
    const char *sizes_s = NULL, *threads_s = NULL, *seq_s = NULL, *batch_s = NULL, *steps_s = "2";
    const char *script = NULL;
    int json = 0, no_torch = 0, done;
    const cli_opt opts[] = {
        {"--sizes", "LIST", "model sizes to run, comma-separated: 1m, 20m, 120m (default on a CPU), 0.6b (a "
                            "Qwen3-0.6B shape, vocabulary 151936, 4 x 2048 tokens; default on a GPU)", &sizes_s, NULL},
        {"--threads", "N", "threads for wmss, its BLAS and PyTorch (default: OpenMP's maximum)", &threads_s, NULL},
        {"--seq", "T", "tokens per sequence (default per size: 256, 512, 512)", &seq_s, NULL},
        {"--batch", "B", "sequences per step (default per size: 8, 4, 4)", &batch_s, NULL},
        {"--steps", "S", "timed steps per measurement, after one warm-up step (default 2)", &steps_s, NULL},
        {"--json", NULL, "one JSON object per size on stdout instead of the table", NULL, &json},
        {"--no-torch", NULL, "skip the PyTorch reference", NULL, &no_torch},
        {"--torch-script", "FILE", "the PyTorch reference (default: bench/torch_step.py of the source tree)", &script,
         NULL},
    };
    int rc = cli_parse("bench", "[--json] [--sizes 1m,20m,120m] [--threads N] [--seq T] [--batch B] [--steps S] "
                       "[--no-torch]", argc, argv, opts, sizeof opts / sizeof opts[0], &done);
    if (done) return rc;
    long threads = omp_get_max_threads(), seq = 0, batch = 0, steps = 2;
    int which[N_SIZES], n;
    if ((threads_s && cli_int("--threads", threads_s, 1, 1024, &threads)) ||
        (seq_s && cli_int("--seq", seq_s, 2, 32768, &seq)) || (batch_s && cli_int("--batch", batch_s, 1, 1024, &batch)) ||
        cli_int("--steps", steps_s, 1, MAX_STEPS, &steps) ||
        parse_sizes(sizes_s ? sizes_s : wmss_dev_kind_now() == WMSS_DEV_CUDA ? "0.6b" : "1m,20m,120m", which, &n))
        return 2;
    const char *py = getenv("WMSS_PYTHON");
    bench_opts o = {.B = (int)batch, .T = (int)seq, .steps = (int)steps, .threads = (int)threads, .torch = !no_torch,
                    .torch_script = script,
                    .python = py && *py ? py : access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3"};
    o.gpu = wmss_dev_kind_now() == WMSS_DEV_CUDA;
    wmss_dev_describe(o.device, sizeof o.device);
    omp_set_num_threads(o.threads);
    openblas_set_num_threads(o.threads);
    wmss_error e = {{0}};
    bench_result res[N_SIZES];
    for (int i = 0; i < n; i++) {
        if (bench_one(&o, &SIZES[which[i]], json, &res[i], &e)) {
            fprintf(stderr, "wmss bench: %s\n", e.msg);
            return 1;
        }
        if (json) {
            print_json(&o, &res[i]);
            fflush(stdout);
        }
    }
    if (!json) {
        print_table(&o, res, n);
        blas_hint();
    }
    return 0;
}
