// The built-in task in one call (demo.h): data, tokenizer, pretrained M0, M0's accuracy.
#include <cjson/cJSON.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "demo.h"
#include "evaluate.h"
#include "fsutil.h"
#include "model.h"
#include "tokenizer.h"
#include "train_setup.h"

#pragma GCC diagnostic ignored "-Wformat-truncation"  // paths: DIR is checked to be short

const wmss_demo_size WMSS_DEMO_FULL = {
    .train = 2000, .test = 800, .corpus_plain = 12000, .corpus_chat = 6000, .corpus_drill = 4000, .merges = 600,
    .hidden = 96, .layers = 4, .heads = 4, .kv_heads = 2, .head_dim = 24, .inter = 288,
    .pretrain_epochs = 3, .pretrain_batch = 32, .pretrain_lr = 3e-3, .house = 0.55, .house_share = 0.7, .habit = 0.6,
    .lr = 5e-4, .warmup_ratio = 0.05, .batch = 32, .micro_batch = 32, .max_len = 320, .max_new = 160, .eval_batch = 32,
    .eval_m0 = 1,
};
const wmss_demo_size WMSS_DEMO_QUICK = {
    .train = 2000, .test = 80, .corpus_plain = 2000, .corpus_chat = 1000, .corpus_drill = 600, .merges = 500,
    .hidden = 64, .layers = 2, .heads = 4, .kv_heads = 2, .head_dim = 16, .inter = 192,
    .pretrain_epochs = 2, .pretrain_batch = 32, .pretrain_lr = 6e-3, .house = 0.55, .house_share = 0.7, .habit = 0.6,
    .lr = 3e-3, .warmup_ratio = 0.05, .batch = 16, .micro_batch = 16, .max_len = 320, .max_new = 160, .eval_batch = 32,
    .eval_m0 = 1,
};

// Bumped whenever the generated data or the pretraining changes for the same size and
// seed, so that a task directory of an older build is rebuilt rather than reused.
#define WMSS_DEMO_GENERATOR_VERSION 5

typedef struct {
    const char *name;
    size_t off;
    int is_double;
    int task;  // the prepared task depends on it (the fine-tuning settings do not)
} size_field;

#define F(x) {#x, offsetof(wmss_demo_size, x), 0, 1}
#define D(x) {#x, offsetof(wmss_demo_size, x), 1, 1}
#define FT(x) {#x, offsetof(wmss_demo_size, x), 0, 0}
#define DT(x) {#x, offsetof(wmss_demo_size, x), 1, 0}
static const size_field FIELDS[] = {
    F(train), F(test), F(corpus_plain), F(corpus_chat), F(corpus_drill), F(merges), F(hidden), F(layers), F(heads),
    F(kv_heads), F(head_dim), F(inter), F(pretrain_epochs), F(pretrain_batch), D(pretrain_lr), D(house), D(house_share), D(habit), DT(lr), DT(warmup_ratio),
    FT(batch), FT(micro_batch), F(max_len), F(max_new), F(eval_batch), F(eval_m0),
};
#undef F
#undef D
#undef FT
#undef DT
#define N_FIELDS (int)(sizeof FIELDS / sizeof FIELDS[0])

static void size_string(const wmss_demo_size *z, int task_only, char *out, size_t cap) {
    size_t at = 0;
    if (cap) out[0] = '\0';
    for (int i = 0; i < N_FIELDS && at < cap; i++) {
        if (task_only && !FIELDS[i].task) continue;
        const char *p = (const char *)z + FIELDS[i].off;
        int n = FIELDS[i].is_double ? snprintf(out + at, cap - at, "%s%s=%.6g", i ? "," : "", FIELDS[i].name, *(const double *)p)
                                    : snprintf(out + at, cap - at, "%s%s=%d", i ? "," : "", FIELDS[i].name, *(const int *)p);
        if (n < 0) break;
        at += (size_t)n;
    }
}

void wmss_demo_size_string(const wmss_demo_size *z, char *out, size_t cap) { size_string(z, 0, out, cap); }

int wmss_demo_size_set(wmss_demo_size *z, const char *assignments, wmss_error *e) {
    for (const char *p = assignments; p && *p;) {
        size_t k = strcspn(p, ",");
        char item[128];
        snprintf(item, sizeof item, "%.*s", (int)k, p);
        p += k + (p[k] == ',');
        char *eq = strchr(item, '=');
        if (!eq) return wmss_fail(e, "size: '%s' is not key=value", item);
        *eq = '\0';
        int f = -1;
        for (int i = 0; i < N_FIELDS; i++)
            if (!strcmp(FIELDS[i].name, item)) f = i;
        if (f < 0) {
            char known[1024] = "";
            for (int i = 0; i < N_FIELDS; i++)
                snprintf(known + strlen(known), sizeof known - strlen(known), "%s%s", i ? ", " : "", FIELDS[i].name);
            return wmss_fail(e, "size: unknown field '%s' (known: %s)", item, known);
        }
        char *end;
        double v = strtod(eq + 1, &end);
        if (end == eq + 1 || *end || !isfinite(v) || v < 0 || (!FIELDS[f].is_double && (v != floor(v) || v > 1e9)))
            return wmss_fail(e, "size: %s=%s is not a valid value", item, eq + 1);
        char *dst = (char *)z + FIELDS[f].off;
        if (FIELDS[f].is_double) *(double *)dst = v;
        else *(int *)dst = (int)v;
    }
    if (z->train < 1 || z->test < 1 || z->corpus_plain + z->corpus_chat + z->corpus_drill < 1 || z->hidden < 1 ||
        z->layers < 1 || z->heads < 1 || z->kv_heads < 1 || z->heads % z->kv_heads || z->head_dim < 1 || z->inter < 1 ||
        z->pretrain_batch < 1 || z->batch < 1 || z->micro_batch < 1 || z->max_len < 16 || z->max_new < 1 ||
        z->eval_batch < 1 || z->merges > 20000 || z->house > 1 || z->house_share > 1 || z->habit > 1)
        return wmss_fail(e, "size: inconsistent sizes (counts and dimensions must be positive, heads a multiple of kv_heads, house, house_share and habit in [0, 1])");
    return 0;
}

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static void say(FILE *log, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#include <stdarg.h>
static void say(FILE *log, const char *fmt, ...) {
    if (!log) return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(log, fmt, ap);
    va_end(ap);
    fflush(log);
}

static char *json_escape(const char *s) {
    cJSON *j = cJSON_CreateString(s);
    char *t = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    return t;
}

// A set of question hashes: train, test and corpus never share a problem.
typedef struct {
    uint64_t *h;
    size_t cap;
} qset;

// 1: added; 0: already there.
static int qset_add(qset *s, const char *q) {
    uint64_t h = wmss_hash_str(q) | 1;
    size_t k = h & (s->cap - 1);
    while (s->h[k] && s->h[k] != h) k = (k + 1) & (s->cap - 1);
    if (s->h[k] == h) return 0;
    s->h[k] = h;
    return 1;
}

// A fresh problem of the level (tries again on a question the set has).
static int fresh(wmss_rng *r, int level, qset *s, wmss_task_item *it, wmss_error *e) {
    for (int tries = 0; tries < 1000; tries++) {
        wmss_task_make(r, level, it);
        if (qset_add(s, it->question)) return 0;
    }
    return wmss_fail(e, "the task generator ran out of distinct level-%d problems", level);
}

// Removes the ChatML special tokens' text (the tokenizer learns words, not these).
static void strip_specials(char *s) {
    static const char *const SP[] = {"<|im_start|>", "<|im_end|>"};
    for (int k = 0; k < 2; k++)
        for (char *p; (p = strstr(s, SP[k]));) memmove(p, p + strlen(SP[k]), strlen(p + strlen(SP[k])) + 1);
}

static int write_data(wmss_demo_task *t, const wmss_demo_size *z, uint64_t seed, char ***tok_texts, int *n_tok_texts,
                      wmss_error *e) {
    const int n_corpus = z->corpus_plain + z->corpus_chat + z->corpus_drill;
    qset qs = {0};
    for (qs.cap = 1024; qs.cap < 4 * (size_t)(z->train + z->test + n_corpus);) qs.cap *= 2;
    if (!(qs.h = calloc(qs.cap, sizeof *qs.h)) || !(t->test_level = calloc(z->test, sizeof *t->test_level)) ||
        !(*tok_texts = calloc(n_corpus + 1, sizeof **tok_texts))) {
        free(qs.h);
        return wmss_fail(e, "out of memory");
    }
    wmss_rng r;
    wmss_task_item it;
    wmss_atomic_file af;
    char *instr = json_escape(WMSS_EVAL_INSTRUCTION);
    int rc = wmss_atomic_open(&af, t->test, e);
    wmss_rng_seed(&r, seed * 1000003 + 17);
    for (int i = 0; !rc && i < z->test; i++) {
        if ((rc = fresh(&r, 1 + i % WMSS_TASK_LEVELS, &qs, &it, e))) break;
        t->test_level[i] = it.level;
        char *q = json_escape(it.question), *s = json_escape(it.solution);
        fprintf(af.f, "{\"question\": %s, \"answer\": %.*s\\n#### %ld\", \"level\": %d}\n", q, (int)strlen(s) - 1, s,
                it.answer, it.level);
        free(q);
        free(s);
    }
    if (!rc) rc = wmss_atomic_commit(&af, e);
    else wmss_atomic_abort(&af);
    if (!rc && !(rc = wmss_atomic_open(&af, t->train, e))) {
        wmss_rng_seed(&r, seed * 1000003 + 29);
        wmss_rng rs;  // the house style's own stream: the problems and the corpus do not depend on it
        wmss_rng_seed(&rs, seed * 1000003 + 53);
        for (int i = 0; !rc && i < z->train; i++) {
            if ((rc = fresh(&r, 1 + i % WMSS_TASK_LEVELS, &qs, &it, e))) break;
            const double house = wmss_rng_uniform(&rs) < z->house_share ? z->house : 0;  // a mixture of sources
            wmss_task_render(&rs, &it, house, 0, it.solution, sizeof it.solution);
            char *q = json_escape(it.question), *s = json_escape(it.solution);
            fprintf(af.f,
                    "{\"messages\": [{\"role\": \"system\", \"content\": %s}, {\"role\": \"user\", \"content\": %s}, "
                    "{\"role\": \"assistant\", \"content\": %s}], \"level\": %d, \"id\": \"train-%d\"}\n",
                    instr, q, s, it.level, i);
            free(q);
            free(s);
        }
        if (!rc) rc = wmss_atomic_commit(&af, e);
        else wmss_atomic_abort(&af);
    }
    // The corpus: kinds in a seeded random order, problems of every level.
    if (!rc && !(rc = wmss_atomic_open(&af, t->corpus, e))) {
        wmss_rng_seed(&r, seed * 1000003 + 41);
        int left[3] = {z->corpus_plain, z->corpus_chat, z->corpus_drill};
        char text[3 * WMSS_TASK_TEXT];
        for (int i = 0; !rc && i < n_corpus; i++) {
            int u = (int)(wmss_rng_next(&r) % (uint64_t)(left[0] + left[1] + left[2]));
            int kind = u < left[0] ? WMSS_CORPUS_PLAIN : u < left[0] + left[1] ? WMSS_CORPUS_CHAT : WMSS_CORPUS_DRILL;
            left[kind]--;
            if (kind != WMSS_CORPUS_DRILL && (rc = fresh(&r, 1 + (int)(wmss_rng_next(&r) % WMSS_TASK_LEVELS), &qs, &it, e)))
                break;
            wmss_task_corpus_text(&r, &it, kind, WMSS_EVAL_INSTRUCTION, z->habit, text, sizeof text);
            char *j = json_escape(text);
            fprintf(af.f, "{\"text\": %s}\n", j);
            free(j);
            strip_specials(text);
            if (!((*tok_texts)[(*n_tok_texts)++] = strdup(text))) rc = wmss_fail(e, "out of memory");
        }
        if (!rc) rc = wmss_atomic_commit(&af, e);
        else wmss_atomic_abort(&af);
    }
    if (!rc && !((*tok_texts)[(*n_tok_texts)++] = strdup("system\nuser\nassistant\n " WMSS_EVAL_INSTRUCTION)))
        rc = wmss_fail(e, "out of memory");
    free(instr);
    free(qs.h);
    t->n_train = z->train;
    t->n_test = z->test;
    t->n_corpus = n_corpus;
    return rc;
}

// M0's random initialization: a Qwen3 of the given size with the tokenizer's vocabulary.
static int init_model(const wmss_demo_task *t, const wmss_demo_size *z, uint64_t seed, const char *out, long *params,
                      wmss_error *e) {
    char js[1024];
    snprintf(js, sizeof js,
             "{\"architectures\": [\"Qwen3ForCausalLM\"], \"model_type\": \"qwen3\", \"hidden_act\": \"silu\","
             " \"hidden_size\": %d, \"intermediate_size\": %d, \"num_hidden_layers\": %d, \"num_attention_heads\": %d,"
             " \"num_key_value_heads\": %d, \"head_dim\": %d, \"vocab_size\": %d, \"max_position_embeddings\": 1024,"
             " \"rms_norm_eps\": 1e-6, \"rope_theta\": 1000000.0, \"initializer_range\": 0.02,"
             " \"tie_word_embeddings\": true, \"attention_bias\": false, \"use_sliding_window\": false,"
             " \"torch_dtype\": \"float32\", \"bos_token_id\": null, \"eos_token_id\": null}",
             z->hidden, z->inter, z->layers, z->heads, z->kv_heads, z->head_dim, t->vocab);
    cJSON *j = cJSON_Parse(js);
    wmss_config cfg;
    wmss_model m;
    int rc = wmss_config_from_json(j, "the demo's model config", &cfg, e);
    cJSON_Delete(j);
    if (rc) return -1;
    rc = wmss_model_create(&cfg, &m, e);
    wmss_config_free(&cfg);
    if (rc) return -1;
    wmss_model_init_random(&m, seed);
    *params = 0;
    for (int i = 0; i < m.layout.n_specs; i++) *params += (long)m.layout.specs[i].numel;
    wmss_save_opts so = {.dtype = WMSS_F32, .copy_from = t->tokenizer};
    rc = wmss_model_save(&m, out, &so, e);
    wmss_model_free(&m);
    return rc;
}

// Pretraining losses from metrics.jsonl: per epoch and per tenth of the steps.
static void loss_curve(wmss_demo_task *t, int epochs) {
    char path[4300], *text;
    size_t len;
    wmss_error e;
    snprintf(path, sizeof path, "%s/metrics.jsonl", t->m0);
    for (int i = 0; i < WMSS_DEMO_CURVE; i++) t->pretrain_curve[i] = NAN;
    for (int i = 0; i < 64; i++) t->pretrain_epoch_loss[i] = NAN;
    if (wmss_read_file(path, &text, &len, &e)) return;
    int n = 0, cap = 1024;
    double *l = malloc(cap * sizeof *l);
    for (char *p = text; l && p < text + len;) {
        char *nl = memchr(p, '\n', text + len - p);
        if (!nl) nl = text + len;
        cJSON *j = cJSON_ParseWithLength(p, (size_t)(nl - p));
        const cJSON *x = cJSON_GetObjectItemCaseSensitive(j, "loss");
        if (cJSON_IsNumber(x)) {
            if (n == cap) {
                double *l2 = realloc(l, (cap *= 2) * sizeof *l2);
                if (!l2) { cJSON_Delete(j); break; }
                l = l2;
            }
            l[n++] = x->valuedouble;
        }
        cJSON_Delete(j);
        p = nl + 1;
    }
    free(text);
    t->pretrain_steps = n;
    for (int part = 0; l && n && part < WMSS_DEMO_CURVE; part++) {
        int a = part * n / WMSS_DEMO_CURVE, b = (part + 1) * n / WMSS_DEMO_CURVE;
        double s = 0;
        for (int i = a; i < b; i++) s += l[i];
        if (b > a) t->pretrain_curve[part] = s / (b - a);
    }
    for (int ep = 0; l && n && ep < epochs && ep < 64; ep++) {
        int a = ep * n / epochs, b = (ep + 1) * n / epochs;
        double s = 0;
        for (int i = a; i < b; i++) s += l[i];
        if (b > a) t->pretrain_epoch_loss[ep] = s / (b - a);
    }
    free(l);
}

void wmss_demo_by_level(const int *n_correct, int samples, const int *level, int n, double by_level[WMSS_TASK_LEVELS]) {
    int right[WMSS_TASK_LEVELS] = {0}, all[WMSS_TASK_LEVELS] = {0};
    for (int i = 0; i < n; i++) {
        if (level[i] < 1 || level[i] > WMSS_TASK_LEVELS) continue;
        all[level[i] - 1] += samples;
        right[level[i] - 1] += n_correct[i];
    }
    for (int l = 0; l < WMSS_TASK_LEVELS; l++) by_level[l] = all[l] ? (double)right[l] / all[l] : NAN;
}

static int eval_m0(wmss_demo_task *t, const wmss_demo_size *z, int chat, FILE *log, wmss_error *e) {
    char out[4300];
    snprintf(out, sizeof out, "%s/eval/m0-%s.json", t->dir, chat ? "chat" : "plain");
    wmss_eval_opts o;
    wmss_eval_opts_default(&o);
    o.bench = "gsm8k";
    o.data = t->test;
    o.out = out;
    o.chat = chat;
    o.max_new_tokens = z->max_new;
    o.batch = z->eval_batch;
    o.log = log;
    wmss_eval_result r;
    if (wmss_evaluate(t->m0, &o, &r, e)) return -1;
    *(chat ? &t->m0_acc_chat : &t->m0_acc_plain) = r.accuracy;
    wmss_demo_by_level(r.n_correct, r.samples, t->test_level, r.n < t->n_test ? r.n : t->n_test,
                       chat ? t->m0_chat_by_level : t->m0_plain_by_level);
    wmss_eval_result_free(&r);
    return 0;
}

static cJSON *num_array(const double *v, int n) {
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; i < n; i++) cJSON_AddItemToArray(a, isnan(v[i]) ? cJSON_CreateNull() : cJSON_CreateNumber(v[i]));
    return a;
}

static int write_task_json(const wmss_demo_task *t, const wmss_demo_size *z, const char *key, uint64_t seed, int epochs,
                           wmss_error *e) {
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "size", key);
    char full[2048];
    wmss_demo_size_string(z, full, sizeof full);
    cJSON_AddStringToObject(j, "size_all", full);
    cJSON_AddNumberToObject(j, "seed", (double)seed);
    cJSON_AddNumberToObject(j, "n_train", t->n_train);
    cJSON_AddNumberToObject(j, "n_test", t->n_test);
    cJSON_AddNumberToObject(j, "n_corpus", t->n_corpus);
    cJSON_AddNumberToObject(j, "vocab", t->vocab);
    cJSON_AddNumberToObject(j, "params", (double)t->params);
    cJSON_AddNumberToObject(j, "corpus_tokens", (double)t->corpus_tokens);
    cJSON_AddNumberToObject(j, "pretrain_steps", (double)t->pretrain_steps);
    cJSON_AddItemToObject(j, "pretrain_epoch_loss", num_array(t->pretrain_epoch_loss, epochs < 64 ? epochs : 64));
    cJSON_AddItemToObject(j, "pretrain_curve", num_array(t->pretrain_curve, WMSS_DEMO_CURVE));
    double acc[2] = {t->m0_acc_plain, t->m0_acc_chat};
    cJSON_AddItemToObject(j, "m0_accuracy_plain_chat", num_array(acc, 2));
    cJSON_AddItemToObject(j, "m0_plain_by_level", num_array(t->m0_plain_by_level, WMSS_TASK_LEVELS));
    cJSON_AddItemToObject(j, "m0_chat_by_level", num_array(t->m0_chat_by_level, WMSS_TASK_LEVELS));
    double secs[3] = {t->seconds_data, t->seconds_pretrain, t->seconds_eval};
    cJSON_AddItemToObject(j, "seconds_data_pretrain_eval", num_array(secs, 3));
    cJSON *lv = cJSON_AddArrayToObject(j, "test_level");
    for (int i = 0; i < t->n_test; i++) cJSON_AddItemToArray(lv, cJSON_CreateNumber(t->test_level[i]));
    char *text = cJSON_Print(j);
    cJSON_Delete(j);
    char path[4300];
    snprintf(path, sizeof path, "%s/task.json", t->dir);
    int rc = text ? wmss_write_file_atomic(path, text, strlen(text), e) : wmss_fail(e, "out of memory");
    free(text);
    return rc;
}

static void get_array(const cJSON *j, const char *key, double *v, int n) {
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(j, key);
    for (int i = 0; i < n; i++) {
        const cJSON *x = cJSON_IsArray(a) ? cJSON_GetArrayItem(a, i) : NULL;
        v[i] = cJSON_IsNumber(x) ? x->valuedouble : NAN;
    }
}

static double get_num(const cJSON *j, const char *key) {
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(j, key);
    return cJSON_IsNumber(x) ? x->valuedouble : 0;
}

// 1 when DIR/task.json is this size and seed's (and *t is filled from it), else 0.
static int reuse(wmss_demo_task *t, const char *key, uint64_t seed, int epochs) {
    char path[4300], *text;
    size_t len;
    wmss_error e;
    snprintf(path, sizeof path, "%s/task.json", t->dir);
    if (wmss_read_file(path, &text, &len, &e)) return 0;
    cJSON *j = cJSON_ParseWithLength(text, len);
    free(text);
    const cJSON *k = cJSON_GetObjectItemCaseSensitive(j, "size"), *lv = cJSON_GetObjectItemCaseSensitive(j, "test_level");
    snprintf(path, sizeof path, "%s/model.safetensors", t->m0);
    int ok = cJSON_IsString(k) && !strcmp(k->valuestring, key) && get_num(j, "seed") == (double)seed &&
             cJSON_IsArray(lv) && wmss_file_exists(path) && wmss_file_exists(t->train) && wmss_file_exists(t->test);
    if (ok) {
        t->n_train = (int)get_num(j, "n_train");
        t->n_test = (int)get_num(j, "n_test");
        t->n_corpus = (int)get_num(j, "n_corpus");
        t->vocab = (int)get_num(j, "vocab");
        t->params = (long)get_num(j, "params");
        t->corpus_tokens = (long)get_num(j, "corpus_tokens");
        t->pretrain_steps = (long)get_num(j, "pretrain_steps");
        for (int i = 0; i < 64; i++) t->pretrain_epoch_loss[i] = NAN;
        get_array(j, "pretrain_epoch_loss", t->pretrain_epoch_loss, epochs < 64 ? epochs : 64);
        get_array(j, "pretrain_curve", t->pretrain_curve, WMSS_DEMO_CURVE);
        double acc[2], secs[3];
        get_array(j, "m0_accuracy_plain_chat", acc, 2);
        t->m0_acc_plain = acc[0];
        t->m0_acc_chat = acc[1];
        get_array(j, "m0_plain_by_level", t->m0_plain_by_level, WMSS_TASK_LEVELS);
        get_array(j, "m0_chat_by_level", t->m0_chat_by_level, WMSS_TASK_LEVELS);
        get_array(j, "seconds_data_pretrain_eval", secs, 3);
        t->seconds_data = secs[0];
        t->seconds_pretrain = secs[1];
        t->seconds_eval = secs[2];
        ok = t->n_test == cJSON_GetArraySize(lv) && (t->test_level = calloc(t->n_test, sizeof *t->test_level));
        for (int i = 0; ok && i < t->n_test; i++) t->test_level[i] = (int)cJSON_GetArrayItem(lv, i)->valuedouble;
    }
    cJSON_Delete(j);
    return ok;
}

void wmss_demo_task_free(wmss_demo_task *t) {
    free(t->test_level);
    t->test_level = NULL;
}

int wmss_demo_prepare(const char *dir, const wmss_demo_size *z, uint64_t seed, FILE *log, wmss_demo_task *t,
                      wmss_error *e) {
    memset(t, 0, sizeof *t);
    t->m0_acc_plain = t->m0_acc_chat = NAN;
    for (int l = 0; l < WMSS_TASK_LEVELS; l++) t->m0_plain_by_level[l] = t->m0_chat_by_level[l] = NAN;
    if (strlen(dir) > 3000) return wmss_fail(e, "%s: the directory name is too long", dir);
    snprintf(t->dir, sizeof t->dir, "%s", dir);
    snprintf(t->train, sizeof t->train, "%s/train.jsonl", dir);
    snprintf(t->test, sizeof t->test, "%s/test.jsonl", dir);
    snprintf(t->corpus, sizeof t->corpus, "%s/corpus.jsonl", dir);
    snprintf(t->tokenizer, sizeof t->tokenizer, "%s/tokenizer", dir);
    snprintf(t->m0, sizeof t->m0, "%s/m0", dir);
    char key[2048], path[4300];
    snprintf(key, sizeof key, "generator=%d,", WMSS_DEMO_GENERATOR_VERSION);
    size_string(z, 1, key + strlen(key), sizeof key - strlen(key));
    if (reuse(t, key, seed, z->pretrain_epochs)) {
        t->reused = 1;
        say(log, "== task: reusing %s (same size and seed)\n", dir);
        return 0;
    }
    double t0 = now_s();
    // 1-2. Data and tokenizer.
    say(log, "== task: %d train, %d test problems; corpus of %d plain-text solutions, %d chat conversations, %d drills "
             "(seed %llu)\n", z->train, z->test, z->corpus_plain, z->corpus_chat, z->corpus_drill, (unsigned long long)seed);
    char **texts = NULL;
    int n_texts = 0, rc;
    snprintf(path, sizeof path, "%s/eval", dir);
    rc = wmss_mkdir_p(dir, e) || wmss_mkdir_p(path, e) || write_data(t, z, seed, &texts, &n_texts, e) ||
                 wmss_mkdir_p(t->tokenizer, e) ||
                 wmss_bpe_train((const char *const *)texts, n_texts, z->merges, t->tokenizer, e)
             ? -1
             : 0;
    for (int i = 0; i < n_texts; i++) free(texts[i]);
    free(texts);
    if (rc) return -1;
    wmss_tokenizer *tk;
    if (wmss_tokenizer_load(t->tokenizer, &tk, e)) return -1;
    t->vocab = (int)wmss_tokenizer_vocab_size(tk);
    wmss_tokenizer_free(tk);
    t->seconds_data = now_s() - t0;
    // 3. M0: random init, then pretraining on the corpus (every token trained).
    t0 = now_s();
    char init[4300];
    snprintf(init, sizeof init, "%s/m0-init", dir);
    if (wmss_remove_tree(init, e) || wmss_remove_tree(t->m0, e) || init_model(t, z, seed, init, &t->params, e)) return -1;
    say(log, "== task: M0 = a %d-layer, hidden-%d Qwen3 (%ld parameters, vocabulary %d) pretrained for %d epochs on "
             "the corpus\n", z->layers, z->hidden, t->params, t->vocab, z->pretrain_epochs);
    wmss_model m;
    if (wmss_model_load(init, &m, e)) return -1;
    wmss_trainer_args a;
    wmss_trainer_args_default(&a);
    a.data_path = t->corpus;
    a.data.max_len = z->max_len;
    a.tokenizer_dir = a.train.copy_from[0] = init;
    a.train.out_dir = t->m0;
    a.train.epochs = z->pretrain_epochs;
    a.train.lr = z->pretrain_lr;
    a.train.batch = a.train.micro_batch = z->pretrain_batch;
    a.train.warmup_ratio = 0.05;
    a.train.seed = seed;
    a.train.save_branch[0] = 1;
    a.train.command = "pretrain";
    a.log = log;
    wmss_branch_spec spec = {&m, 1.0f, 1};
    wmss_train_result res = {0};
    rc = wmss_trainer_run(&spec, 1, &a, NULL, &res, e);
    wmss_model_free(&m);
    if (rc) return wmss_error_prefix(e, "pretraining M0");
    loss_curve(t, z->pretrain_epochs);
    {  // tokens of one pass over the corpus
        wmss_data_setup d;
        if (wmss_data_setup_load(&d, t->m0, NULL, t->corpus, &a.data, 0, NULL, e) == 0) {
            t->corpus_tokens = (long)d.ds.n_tokens;
            wmss_data_setup_free(&d);
        }
    }
    t->seconds_pretrain = now_s() - t0;
    say(log, "== task: M0 pretrained in %.0f s; loss by tenth of pretraining:", t->seconds_pretrain);
    for (int i = 0; i < WMSS_DEMO_CURVE; i++) say(log, " %.3f", t->pretrain_curve[i]);
    say(log, "\n");
    // 4. M0 before any SFT: plain-text prompt, then the chat template.
    t0 = now_s();
    if (z->eval_m0 && (eval_m0(t, z, 0, log, e) || eval_m0(t, z, 1, log, e))) return -1;
    t->seconds_eval = now_s() - t0;
    if (z->eval_m0)
        say(log, "== task: M0 before SFT solves %.1f%% (plain-text prompt), %.1f%% (chat template)\n",
            100 * t->m0_acc_plain, 100 * t->m0_acc_chat);
    return write_task_json(t, z, key, seed, z->pretrain_epochs, e);
}
