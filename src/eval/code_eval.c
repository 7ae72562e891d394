// wmss eval on a code benchmark: EvalPlus-style prompts, generation, extraction, grading
// in the sandbox, and the report (accuracy = mean@n, pass@k, per-item and per-sample).
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "code.h"
#include "code_eval.h"
#include "fsutil.h"
#include "gen_setup.h"
#include "generate.h"
#include "model.h"

#define CODE_MAX_NEW 768  // EvalPlus's default budget

static void progress(int done, int total, void *ctx) {
    FILE *log = ctx;
    if (!log) return;
    if (done == total || done % 16 == 0) fprintf(log, "\r  generated %d / %d", done, total);
    if (done == total) fprintf(log, "\n");
}

// The prompt of item i: chat: the template with EvalPlus's instruction, then the
// assistant's answer started ("<response prefix>\n```python\n"); completion: the prompt.
static int make_prompt(const wmss_gen_setup *g, const wmss_code_bench *b, int i, int chat, int thinking, int32_t **ids,
                       int *n, char **text, wmss_error *e) {
    if (!chat) return wmss_gen_prompt(g, 0, NULL, b->prompt[i], thinking, ids, n, text, e);
    char *msg = wmss_code_chat_message(b, i), *head = NULL;
    if (!msg) return wmss_fail(e, "out of memory");
    int rc = wmss_gen_prompt(g, 1, NULL, msg, thinking, ids, n, &head, e);
    free(msg);
    if (rc) return -1;
    free(*ids);
    *ids = NULL;
    const char *tail = WMSS_CODE_RESPONSE "\n```python\n";
    size_t hl = strlen(head), tl = strlen(tail);
    char *full = malloc(hl + tl + 1);
    if (!full) {
        free(head);
        return wmss_fail(e, "out of memory");
    }
    memcpy(full, head, hl);
    memcpy(full + hl, tail, tl + 1);
    free(head);
    size_t count;
    rc = wmss_tokenizer_encode(g->tok, full, hl + tl, WMSS_ENCODE_PARSE_SPECIAL, ids, &count, e);
    *n = (int)count;
    if (rc) free(full);
    else *text = full;
    return rc;
}

int wmss_evaluate_code(const char *model_dir, const wmss_eval_opts *o, wmss_eval_result *r, wmss_error *e) {
    memset(r, 0, sizeof *r);
    if (o->samples < 1 || !o->out) return wmss_fail(e, "evaluation needs an output and samples >= 1");
    wmss_code_bench b = {0};
    wmss_model m = {0};
    wmss_gen_setup g = {0};
    int rc = -1, n = 0, total = 0, S = o->samples;
    int32_t **ids = NULL;
    int *lens = NULL;
    wmss_gen_output *outs = NULL;
    char **prompt_text = NULL, **texts = NULL;
    wmss_code_sample *cs = NULL;
    wmss_code_verdict *v = NULL;
    double temp = o->temperature < 0 ? (S > 1 ? 0.6 : 0) : o->temperature;
    if (wmss_code_bench_load(o->bench, o->data, &b, e) || wmss_model_load(model_dir, &m, e) ||
        wmss_gen_setup_load(&g, model_dir, &m.cfg, o->chat, o->chat_template, e))
        goto end;
    n = o->limit > 0 && o->limit < b.n ? o->limit : b.n;
    total = n * S;
    int max_new = o->max_new_tokens > 0 ? o->max_new_tokens : CODE_MAX_NEW;
    ids = calloc((size_t)total, sizeof *ids);
    lens = calloc((size_t)total, sizeof *lens);
    outs = calloc((size_t)total, sizeof *outs);
    prompt_text = calloc((size_t)n, sizeof *prompt_text);
    texts = calloc((size_t)total, sizeof *texts);
    cs = calloc((size_t)total, sizeof *cs);
    v = calloc((size_t)total, sizeof *v);
    r->n_correct = calloc((size_t)n, sizeof *r->n_correct);
    if (!ids || !lens || !outs || !prompt_text || !texts || !cs || !v || !r->n_correct) {
        wmss_fail(e, "out of memory");
        goto end;
    }
    for (int i = 0; i < n; i++) {
        if (make_prompt(&g, &b, i, o->chat, o->enable_thinking, &ids[i * S], &lens[i * S], &prompt_text[i], e)) {
            wmss_error_prefix(e, "%s item %d", b.path, i);
            goto end;
        }
        for (int s = 1; s < S; s++) {
            lens[i * S + s] = lens[i * S];
            if (!(ids[i * S + s] = malloc((size_t)lens[i * S] * sizeof(int32_t)))) {
                wmss_fail(e, "out of memory");
                goto end;
            }
            memcpy(ids[i * S + s], ids[i * S], (size_t)lens[i * S] * sizeof(int32_t));
        }
    }
    int n_stop;
    const char *const *stops = wmss_code_stop_strings(b.kind, o->chat, &n_stop);
    if (o->log)
        fprintf(o->log, "eval %s: %d items x %d samples, max %d new tokens, %s, %s prompts\n", b.name, n, S, max_new,
                temp > 0 ? "sampling" : "greedy", o->chat ? "chat" : "completion");
    wmss_gen_opts go = {.max_new_tokens = max_new, .temperature = (float)temp, .top_p = (float)o->top_p, .top_k = o->top_k,
                        .seed = o->seed, .batch = o->batch, .prefill_chunk = 2048, .stop_ids = g.stop_ids,
                        .n_stop_ids = g.n_stop_ids, .stop_strings = stops, .n_stop_strings = n_stop, .tok = g.tok};
    if (wmss_generate(&m, (const int32_t *const *)ids, lens, total, &go, outs, progress, o->log, e)) goto end;
    for (int k = 0; k < total; k++) {
        if (wmss_gen_decode(&g, &outs[k], stops, &texts[k], e)) goto end;
        cs[k].index = k / S;
        cs[k].program = wmss_code_program(&b, k / S, texts[k], o->chat ? WMSS_CODE_CHAT : WMSS_CODE_COMPLETION, &cs[k].sanitize);
        if (!cs[k].program) {
            wmss_fail(e, "out of memory");
            goto end;
        }
    }
    wmss_code_grade_opts co;
    wmss_code_grade_opts_default(&co);
    co.limits.jobs = o->jobs;
    co.limits.timeout_s = o->code_timeout;
    if (wmss_code_grade(&b, cs, total, &co, v, e)) goto end;
    // The per-sample file, then the report.
    snprintf(r->items_path, sizeof r->items_path, "%s.items.jsonl", o->out);
    wmss_atomic_file af;
    if (wmss_atomic_open(&af, r->items_path, e)) goto end;
    int *nb = calloc((size_t)n, sizeof *nb), *ns = calloc((size_t)n, sizeof *ns);
    long gen_tokens = 0;
    for (int k = 0; k < total && nb && ns; k++) {
        const int i = k / S;
        r->n_correct[i] += v[k].correct;
        nb[i] += v[k].base_correct;
        ns[i]++;
        gen_tokens += outs[k].n;
        cJSON *line = cJSON_CreateObject();
        cJSON_AddNumberToObject(line, "index", i);
        cJSON_AddNumberToObject(line, "sample", k % S);
        cJSON_AddStringToObject(line, "task_id", b.task_id[i]);
        cJSON_AddStringToObject(line, "prompt", prompt_text[i]);
        cJSON_AddStringToObject(line, "output", texts[k]);
        cJSON_AddStringToObject(line, "program", cs[k].program);
        cJSON_AddBoolToObject(line, "correct", v[k].correct);
        if (b.kind == WMSS_CODE_HUMANEVALPLUS) cJSON_AddBoolToObject(line, "base_correct", v[k].base_correct);
        cJSON_AddStringToObject(line, "reason", v[k].reason);
        cJSON_AddStringToObject(line, "detail", v[k].detail);
        cJSON_AddNumberToObject(line, "tokens", outs[k].n);
        cJSON_AddStringToObject(line, "finish", wmss_finish_name(outs[k].finish));
        char *lt = cJSON_PrintUnformatted(line);
        fprintf(af.f, "%s\n", lt ? lt : "{}");
        free(lt);
        cJSON_Delete(line);
    }
    wmss_sample_scores sc = {0}, sb = {0};
    if (!nb || !ns || wmss_score_samples(n, ns, r->n_correct, &sc, e) || wmss_score_samples(n, ns, nb, &sb, e)) {
        if (!nb || !ns) wmss_fail(e, "out of memory");
        wmss_sample_scores_free(&sc);
        free(nb);
        free(ns);
        wmss_atomic_abort(&af);
        goto end;
    }
    if (wmss_atomic_commit(&af, e)) {
        wmss_sample_scores_free(&sc);
        wmss_sample_scores_free(&sb);
        free(nb);
        free(ns);
        goto end;
    }
    r->n = n;
    r->samples = S;
    r->accuracy = sc.accuracy;
    cJSON *rep = cJSON_CreateObject();
    cJSON_AddStringToObject(rep, "bench", b.name);
    cJSON_AddStringToObject(rep, "model", model_dir);
    cJSON_AddNumberToObject(rep, "n", n);
    cJSON_AddNumberToObject(rep, "samples", S);
    cJSON_AddNumberToObject(rep, "accuracy", sc.accuracy);
    if (b.kind == WMSS_CODE_HUMANEVALPLUS) cJSON_AddNumberToObject(rep, "accuracy_base", sb.accuracy);
    cJSON *pk = cJSON_AddObjectToObject(rep, "pass_at_k");
    for (int k = 1; k <= sc.kmax; k++) {
        char key[16];
        snprintf(key, sizeof key, "%d", k);
        cJSON_AddNumberToObject(pk, key, sc.pass_at_k[k - 1]);
    }
    cJSON_AddNumberToObject(rep, "generated_tokens", (double)gen_tokens);
    cJSON *proto = cJSON_AddObjectToObject(rep, "protocol");
    cJSON_AddStringToObject(proto, "data", b.path);
    cJSON_AddStringToObject(proto, "checker", "code (sandbox)");
    cJSON_AddStringToObject(proto, "sandbox", wmss_sandbox_isolation());
    cJSON_AddStringToObject(proto, "prompt", o->chat ? "chat template (EvalPlus instruction)" : "completion (EvalPlus)");
    cJSON_AddStringToObject(proto, "template", g.have_chat ? wmss_chat_family_name(g.chat.family) : "none");
    if (o->chat) {
        cJSON_AddStringToObject(proto, "instruction", WMSS_CODE_INSTRUCTION);
        cJSON_AddStringToObject(proto, "response_prefix", WMSS_CODE_RESPONSE "\n```python\n");
    }
    cJSON_AddItemToObject(proto, "stop_strings", cJSON_CreateStringArray(stops, n_stop));
    cJSON_AddStringToObject(proto, "decoding", temp > 0 ? "sampling" : "greedy");
    cJSON_AddNumberToObject(proto, "temperature", temp);
    cJSON_AddNumberToObject(proto, "top_p", o->top_p);
    cJSON_AddNumberToObject(proto, "top_k", (double)o->top_k);
    cJSON_AddNumberToObject(proto, "seed", (double)o->seed);
    cJSON_AddNumberToObject(proto, "max_new_tokens", (double)max_new);
    cJSON_AddNumberToObject(proto, "limit", n);
    cJSON_AddStringToObject(rep, "items_file", r->items_path);
    cJSON *items = cJSON_AddArrayToObject(rep, "items");
    for (int i = 0; i < n; i++) {
        cJSON *it = cJSON_CreateObject();
        cJSON_AddNumberToObject(it, "index", i);
        cJSON_AddStringToObject(it, "task_id", b.task_id[i]);
        cJSON_AddBoolToObject(it, "correct", r->n_correct[i] == S);
        cJSON_AddNumberToObject(it, "n_correct", r->n_correct[i]);
        if (b.kind == WMSS_CODE_HUMANEVALPLUS) cJSON_AddNumberToObject(it, "n_base_correct", nb[i]);
        cJSON_AddStringToObject(it, "reason", v[i * S].reason);
        cJSON_AddItemToArray(items, it);
    }
    wmss_sample_scores_free(&sc);
    wmss_sample_scores_free(&sb);
    free(nb);
    free(ns);
    char *text = cJSON_Print(rep);
    cJSON_Delete(rep);
    if (!text || wmss_write_file_atomic(o->out, text, strlen(text), e)) {
        if (!text) wmss_fail(e, "out of memory");
        free(text);
        goto end;
    }
    free(text);
    if (o->log)
        fprintf(o->log, "%s: accuracy %.4f (mean@%d over %d items); wrote %s and %s\n", b.name, r->accuracy, S, n, o->out,
                r->items_path);
    rc = 0;
end:
    if (rc) wmss_eval_result_free(r);
    for (int k = 0; k < total; k++) {
        if (ids) free(ids[k]);
        if (outs) free(outs[k].ids);
        if (texts) free(texts[k]);
        if (cs) free((char *)cs[k].program);
    }
    for (int i = 0; prompt_text && i < n; i++) free(prompt_text[i]);
    free(ids);
    free(lens);
    free(outs);
    free(prompt_text);
    free(texts);
    free(cs);
    free(v);
    wmss_gen_setup_free(&g);
    wmss_model_free(&m);
    wmss_code_bench_free(&b);
    return rc;
}
