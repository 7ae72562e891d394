// The evaluation protocol: see evaluate.h.
#include "evaluate.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "code_eval.h"
#include "fsutil.h"
#include "gen_setup.h"
#include "grade.h"
#include "model.h"

void wmss_eval_opts_default(wmss_eval_opts *o) {
    *o = (wmss_eval_opts){.samples = 1, .temperature = -1, .top_p = 1, .batch = 16, .chat = 1, .enable_thinking = -1};
}

void wmss_eval_result_free(wmss_eval_result *r) {
    free(r->n_correct);
    r->n_correct = NULL;
}

typedef struct {
    const wmss_eval_opts *o;
    const char *system;         // the instruction after the defaults
    double temp;
    int max_new, n, total;
    int32_t **ids;
    int *lens;
    wmss_gen_output *outs;
    char **prompt_text;
} eval_run;

static void progress(int done, int total, void *ctx) {
    FILE *log = ctx;
    if (!log) return;
    if (done == total || done % 16 == 0) fprintf(log, "\r  generated %d / %d", done, total);
    if (done == total) fprintf(log, "\n");
}

// Every item's prompt, once per sample. Chat: the instruction is the system message;
// plain text (or no_system): it follows the question.
static int make_prompts(eval_run *x, const wmss_gen_setup *g, const wmss_bench *b, wmss_error *e) {
    const wmss_eval_opts *o = x->o;
    const int S = o->samples, after = !o->chat || o->no_system;
    for (int i = 0; i < x->n; i++) {
        char *user = NULL;
        if (after) {
            const char *instr = x->system ? x->system : WMSS_EVAL_INSTRUCTION;
            size_t len = strlen(b->question[i]) + strlen(instr) + 4;
            if (!(user = malloc(len))) return wmss_fail(e, "out of memory");
            snprintf(user, len, "%s\n%s\n", b->question[i], instr);
        }
        int r = wmss_gen_prompt(g, o->chat, after ? NULL : x->system, user ? user : b->question[i], o->enable_thinking,
                                &x->ids[i * S], &x->lens[i * S], &x->prompt_text[i], e);
        free(user);
        if (r) return wmss_error_prefix(e, "%s item %d", b->path, i);
        for (int s = 1; s < S; s++) {  // the same prompt for every sample
            x->lens[i * S + s] = x->lens[i * S];
            if (!(x->ids[i * S + s] = malloc(x->lens[i * S] * sizeof(int32_t)))) return wmss_fail(e, "out of memory");
            memcpy(x->ids[i * S + s], x->ids[i * S], x->lens[i * S] * sizeof(int32_t));
        }
    }
    return 0;
}

// Grades every sample, writes the per-sample file and fills items (the report's
// per-item list) and n_correct.
static int grade_all(eval_run *x, const wmss_gen_setup *g, const wmss_bench *b, const char *items_path, cJSON *items,
                     int *n_correct, long *gen_tokens, wmss_error *e) {
    const int S = x->o->samples;
    wmss_atomic_file af;
    if (wmss_atomic_open(&af, items_path, e)) return -1;
    for (int i = 0; i < x->n; i++) {
        char first_extracted[WMSS_GRADE_TEXT_MAX] = "";
        for (int s = 0; s < S; s++) {
            const int k = i * S + s;
            char *text;
            wmss_grade_result gr;
            if (wmss_gen_decode(g, &x->outs[k], NULL, &text, e)) {
                wmss_atomic_abort(&af);
                return -1;
            }
            if (wmss_grade_bench_item(b, i, text, &gr, e)) {
                free(text);
                wmss_atomic_abort(&af);
                return -1;
            }
            n_correct[i] += gr.correct;
            *gen_tokens += x->outs[k].n;
            if (s == 0) snprintf(first_extracted, sizeof first_extracted, "%s", gr.extracted);
            cJSON *line = cJSON_CreateObject();
            cJSON_AddNumberToObject(line, "index", i);
            cJSON_AddNumberToObject(line, "sample", s);
            cJSON_AddStringToObject(line, "prompt", x->prompt_text[i]);
            cJSON_AddStringToObject(line, "output", text);
            cJSON_AddStringToObject(line, "extracted", gr.extracted);
            cJSON_AddStringToObject(line, "gold", b->gold[i]);
            cJSON_AddBoolToObject(line, "correct", gr.correct);
            cJSON_AddNumberToObject(line, "tokens", x->outs[k].n);
            cJSON_AddStringToObject(line, "finish", wmss_finish_name(x->outs[k].finish));
            char *lt = cJSON_PrintUnformatted(line);
            fprintf(af.f, "%s\n", lt ? lt : "{}");
            free(lt);
            cJSON_Delete(line);
            free(text);
        }
        cJSON *it = cJSON_CreateObject();
        cJSON_AddNumberToObject(it, "index", i);
        cJSON_AddStringToObject(it, "extracted", first_extracted);
        cJSON_AddStringToObject(it, "gold", b->gold[i]);
        cJSON_AddBoolToObject(it, "correct", n_correct[i] == S);
        cJSON_AddNumberToObject(it, "n_correct", n_correct[i]);
        cJSON_AddItemToArray(items, it);
    }
    return wmss_atomic_commit(&af, e);
}

static int write_report(const eval_run *x, const char *model_dir, const wmss_gen_setup *g, const wmss_bench *b,
                        const wmss_eval_result *r, const wmss_sample_scores *sc, long gen_tokens, cJSON *items,
                        wmss_error *e) {
    const wmss_eval_opts *o = x->o;
    const int S = o->samples;
    cJSON *report = cJSON_CreateObject();
    cJSON_AddStringToObject(report, "bench", b->info->name);
    cJSON_AddStringToObject(report, "model", model_dir);
    cJSON_AddNumberToObject(report, "n", x->n);
    cJSON_AddNumberToObject(report, "samples", S);
    cJSON_AddNumberToObject(report, "accuracy", r->accuracy);
    cJSON *pk = cJSON_AddObjectToObject(report, "pass_at_k");
    for (int k = 1; k <= sc->kmax; k++) {
        char key[16];
        snprintf(key, sizeof key, "%d", k);
        cJSON_AddNumberToObject(pk, key, sc->pass_at_k[k - 1]);
    }
    cJSON_AddNumberToObject(report, "generated_tokens", (double)gen_tokens);
    cJSON *proto = cJSON_AddObjectToObject(report, "protocol");
    cJSON_AddStringToObject(proto, "data", b->path);
    cJSON_AddStringToObject(proto, "checker", wmss_bench_kind_name(b->info->kind));
    cJSON_AddStringToObject(proto, "prompt", !o->chat ? "plain text" : "chat template");
    cJSON_AddStringToObject(proto, "template", g->have_chat ? wmss_chat_family_name(g->chat.family) : "none");
    if (x->system) cJSON_AddStringToObject(proto, "instruction", x->system);
    cJSON_AddStringToObject(proto, "instruction_position",
                            !o->chat || o->no_system ? "after the question" : "system message");
    if (o->enable_thinking >= 0) cJSON_AddBoolToObject(proto, "enable_thinking", o->enable_thinking);
    cJSON_AddStringToObject(proto, "decoding", x->temp > 0 ? "sampling" : "greedy");
    cJSON_AddNumberToObject(proto, "temperature", x->temp);
    cJSON_AddNumberToObject(proto, "top_p", o->top_p);
    cJSON_AddNumberToObject(proto, "top_k", (double)o->top_k);
    cJSON_AddNumberToObject(proto, "seed", (double)o->seed);
    cJSON_AddNumberToObject(proto, "max_new_tokens", (double)x->max_new);
    cJSON_AddNumberToObject(proto, "limit", x->n);
    cJSON_AddStringToObject(report, "items_file", r->items_path);
    cJSON_AddItemToObject(report, "items", items);
    char *text = cJSON_Print(report);
    cJSON_Delete(report);
    int rc = text ? wmss_write_file_atomic(o->out, text, strlen(text), e) : wmss_fail(e, "out of memory");
    free(text);
    return rc;
}

int wmss_evaluate(const char *model_dir, const wmss_eval_opts *o, wmss_eval_result *r, wmss_error *e) {
    memset(r, 0, sizeof *r);
    if (o->bench && wmss_code_bench_known(o->bench)) return wmss_evaluate_code(model_dir, o, r, e);
    wmss_model m = {0};
    wmss_gen_setup g = {0};
    wmss_bench b = {0};
    eval_run x = {.o = o, .system = o->system, .temp = o->temperature};
    if (!x.system && !o->no_system) x.system = WMSS_EVAL_INSTRUCTION;
    if (x.temp < 0) x.temp = o->samples > 1 ? 0.6 : 0;
    int rc = -1;
    if (o->samples < 1 || !o->bench || !o->out) return wmss_fail(e, "evaluation needs a benchmark, an output and samples >= 1");
    if (wmss_bench_load(o->bench, o->data, &b, e) || wmss_model_load(model_dir, &m, e) ||
        wmss_gen_setup_load(&g, model_dir, &m.cfg, o->chat, o->chat_template, e))
        goto end;
    x.n = o->limit > 0 && o->limit < b.n ? o->limit : b.n;
    x.total = x.n * o->samples;
    x.max_new = o->max_new_tokens > 0 ? o->max_new_tokens : b.info->max_new_tokens;
    x.ids = calloc(x.total, sizeof *x.ids);
    x.lens = calloc(x.total, sizeof *x.lens);
    x.outs = calloc(x.total, sizeof *x.outs);
    x.prompt_text = calloc(x.n, sizeof *x.prompt_text);
    r->n_correct = calloc(x.n, sizeof *r->n_correct);
    if (!x.ids || !x.lens || !x.outs || !x.prompt_text || !r->n_correct) { wmss_fail(e, "out of memory"); goto end; }
    if (make_prompts(&x, &g, &b, e)) goto end;
    if (o->log)
        fprintf(o->log, "eval %s: %d items x %d samples, max %d new tokens, %s\n", b.info->name, x.n, o->samples,
                x.max_new, x.temp > 0 ? "sampling" : "greedy");
    wmss_gen_opts go = {.max_new_tokens = x.max_new, .temperature = (float)x.temp, .top_p = (float)o->top_p,
                        .top_k = o->top_k, .seed = o->seed, .batch = o->batch, .prefill_chunk = 2048,
                        .stop_ids = g.stop_ids, .n_stop_ids = g.n_stop_ids, .tok = g.tok};
    if (wmss_generate(&m, (const int32_t *const *)x.ids, x.lens, x.total, &go, x.outs, progress, o->log, e)) goto end;
    snprintf(r->items_path, sizeof r->items_path, "%s.items.jsonl", o->out);
    cJSON *items = cJSON_CreateArray();
    long gen_tokens = 0;
    if (grade_all(&x, &g, &b, r->items_path, items, r->n_correct, &gen_tokens, e)) {
        cJSON_Delete(items);
        goto end;
    }
    r->n = x.n;
    r->samples = o->samples;
    wmss_sample_scores sc;
    int *ns = malloc((size_t)x.n * sizeof *ns);
    for (int i = 0; ns && i < x.n; i++) ns[i] = o->samples;
    if (!ns || wmss_score_samples(x.n, ns, r->n_correct, &sc, e)) {
        if (!ns) wmss_fail(e, "out of memory");
        free(ns);
        cJSON_Delete(items);
        goto end;
    }
    free(ns);
    r->accuracy = sc.accuracy;
    int wr = write_report(&x, model_dir, &g, &b, r, &sc, gen_tokens, items, e);  // (takes items)
    wmss_sample_scores_free(&sc);
    if (wr) goto end;
    if (o->log)
        fprintf(o->log, "%s: accuracy %.4f (mean@%d over %d items); wrote %s and %s\n", b.info->name, r->accuracy,
                o->samples, x.n, o->out, r->items_path);
    rc = 0;
end:
    if (rc) wmss_eval_result_free(r);
    for (int k = 0; k < x.total; k++) {
        if (x.ids) free(x.ids[k]);
        if (x.outs) free(x.outs[k].ids);
    }
    for (int i = 0; i < x.n && x.prompt_text; i++) free(x.prompt_text[i]);
    free(x.prompt_text);
    free(x.ids);
    free(x.lens);
    free(x.outs);
    wmss_gen_setup_free(&g);
    wmss_model_free(&m);
    wmss_bench_free(&b);
    return rc;
}
