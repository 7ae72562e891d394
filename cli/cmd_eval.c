// wmss eval: the paper's evaluation protocol on a math benchmark — chat template with a
// system prompt asking for step-by-step reasoning and a final \boxed{} answer (or plain
// text for base models), greedy by default, the paper's token budgets; reports
// accuracy (mean@n), the unbiased pass@k for every k <= n, per-item results and the
// protocol used.
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "args.h"
#include "commands.h"
#include "fsutil.h"
#include "gen_setup.h"
#include "grade.h"

#define DEFAULT_SYSTEM "Please reason step by step, and put your final answer within \\boxed{}."

// pass@k for one item with c correct of n samples: 1 - C(n-c, k) / C(n, k).
static double pass_at_k(int n, int c, int k) {
    if (n - c < k) return 1.0;
    double q = 1.0;
    for (int i = n - c + 1; i <= n; i++) q *= 1.0 - (double)k / i;
    return 1.0 - q;
}

static void progress(int done, int total, void *ctx) {
    (void)ctx;
    if (done == total || done % 16 == 0) fprintf(stderr, "\r  generated %d / %d", done, total);
    if (done == total) fprintf(stderr, "\n");
}

int cmd_eval(int argc, char **argv) {
    const char *model_dir = NULL, *bench_name = NULL, *data = NULL, *out = NULL, *limit_s = NULL, *samples_s = "1";
    const char *temp_s = NULL, *top_p_s = "1", *top_k_s = "0", *seed_s = "0", *max_new_s = NULL, *batch_s = "16";
    const char *system = NULL, *thinking_s = NULL, *tmpl = NULL;
    int no_chat = 0, no_system = 0, done;
    const cli_opt opts[] = {
        {"--model", "DIR", "model directory (required)", &model_dir, NULL},
        {"--bench", "NAME", "gsm8k, math500, svamp, mawps, aqua, aime2025, amc23 (required)", &bench_name, NULL},
        {"--data", "PATH", "the benchmark file (default: the shared benchmarks folder)", &data, NULL},
        {"--out", "FILE", "report JSON; per-item results go to FILE with .items.jsonl (required)", &out, NULL},
        {"--limit", "N", "only the first N items", &limit_s, NULL},
        {"--samples", "N", "samples per item (accuracy is mean@N, pass@k for k <= N)", &samples_s, NULL},
        {"--temperature", "T", "0 = greedy (default; 0.6 when --samples > 1)", &temp_s, NULL},
        {"--top-p", "P", "nucleus mass (default 1)", &top_p_s, NULL},
        {"--top-k", "K", "top-k (default 0 = off)", &top_k_s, NULL},
        {"--seed", "S", "sampling seed (default 0)", &seed_s, NULL},
        {"--max-new-tokens", "N", "generation budget (default: the paper's, 4096; 8192 for AIME/AMC)", &max_new_s, NULL},
        {"--batch", "N", "sequences decoded together (default 16)", &batch_s, NULL},
        {"--no-chat", NULL, "base models: plain-text prompt, no chat template", NULL, &no_chat},
        {"--system", "STR", "system prompt (default: step-by-step reasoning, answer in \\boxed{})", &system, NULL},
        {"--no-system", NULL, "no system message (the instruction goes after the question)", NULL, &no_system},
        {"--chat-template", "NAME", "auto (default) or a family name", &tmpl, NULL},
        {"--enable-thinking", "true|false", "Qwen3: thinking on or off", &thinking_s, NULL},
    };
    int rc = cli_parse("eval", "--model DIR --bench NAME --out REPORT.json [options]", argc, argv, opts,
                       sizeof opts / sizeof opts[0], &done);
    if (done) return rc;
    if (!model_dir || !bench_name || !out) {
        fprintf(stderr, "wmss eval: --model, --bench and --out are required\n");
        return 2;
    }
    long limit = -1, samples, top_k, seed, max_new = 0, batch;
    double temp = 0, top_p;
    if ((limit_s && cli_int("--limit", limit_s, 1, 1 << 30, &limit)) || cli_int("--samples", samples_s, 1, 1024, &samples) ||
        (temp_s && cli_double("--temperature", temp_s, &temp)) || cli_double("--top-p", top_p_s, &top_p) ||
        cli_int("--top-k", top_k_s, 0, 1 << 24, &top_k) || cli_int("--seed", seed_s, 0, 0x7fffffffffffffffL, &seed) ||
        (max_new_s && cli_int("--max-new-tokens", max_new_s, 1, 1 << 24, &max_new)) ||
        cli_int("--batch", batch_s, 1, 4096, &batch))
        return 2;
    if (!temp_s && samples > 1) temp = 0.6;
    int thinking = -1;
    if (thinking_s) thinking = !strcmp(thinking_s, "true") ? 1 : !strcmp(thinking_s, "false") ? 0 : -2;
    if (thinking == -2 || top_p <= 0 || top_p > 1 || temp < 0) {
        fprintf(stderr, "wmss eval: need --enable-thinking true|false, 0 < --top-p <= 1, --temperature >= 0\n");
        return 2;
    }
    if (!system && !no_system) system = DEFAULT_SYSTEM;
    wmss_error e = {{0}};
    wmss_model m = {0};
    gen_setup g = {0};
    wmss_bench b = {0};
    int32_t **ids = NULL;
    int *lens = NULL, n = 0, total = 0;
    wmss_gen_output *outs = NULL;
    char **prompt_text = NULL;
    rc = 1;
    if (wmss_bench_load(bench_name, data, &b, &e) || wmss_model_load(model_dir, &m, &e) ||
        gen_setup_load(&g, model_dir, &m.cfg, !no_chat, tmpl, &e))
        goto end;
    n = limit > 0 && limit < b.n ? (int)limit : b.n;
    total = n * (int)samples;
    if (!max_new) max_new = b.info->max_new_tokens;
    ids = calloc(total, sizeof *ids);
    lens = calloc(total, sizeof *lens);
    outs = calloc(total, sizeof *outs);
    prompt_text = calloc(n, sizeof *prompt_text);
    if (!ids || !lens || !outs || !prompt_text) { wmss_fail(&e, "out of memory"); goto end; }
    for (int i = 0; i < n; i++) {
        // Chat: the instruction is the system message. Plain text (or --no-system): it
        // follows the question.
        char *user = NULL;
        if (no_chat || no_system) {
            size_t len = strlen(b.question[i]) + strlen(system ? system : DEFAULT_SYSTEM) + 4;
            user = malloc(len);
            if (user) snprintf(user, len, "%s\n%s\n", b.question[i], system ? system : DEFAULT_SYSTEM);
        }
        if ((no_chat || no_system) && !user) { wmss_fail(&e, "out of memory"); goto end; }
        int r = gen_setup_prompt(&g, !no_chat, (no_chat || no_system) ? NULL : system, user ? user : b.question[i],
                                 thinking, &ids[i * samples], &lens[i * samples], &prompt_text[i], &e);
        free(user);
        if (r) {
            wmss_error_prefix(&e, "%s item %d", b.path, i);
            goto end;
        }
        for (int s = 1; s < samples; s++) {  // the same prompt for every sample
            lens[i * samples + s] = lens[i * samples];
            ids[i * samples + s] = malloc(lens[i * samples] * sizeof(int32_t));
            if (!ids[i * samples + s]) { wmss_fail(&e, "out of memory"); goto end; }
            memcpy(ids[i * samples + s], ids[i * samples], lens[i * samples] * sizeof(int32_t));
        }
    }
    fprintf(stderr, "eval %s: %d items x %ld samples, max %ld new tokens, %s\n", b.info->name, n, samples, max_new,
            temp > 0 ? "sampling" : "greedy");
    wmss_gen_opts o = {.max_new_tokens = (int)max_new, .temperature = (float)temp, .top_p = (float)top_p,
                       .top_k = (int)top_k, .seed = (uint64_t)seed, .batch = (int)batch, .prefill_chunk = 2048,
                       .stop_ids = g.stop_ids, .n_stop_ids = g.n_stop_ids, .tok = g.tok};
    if (wmss_generate(&m, (const int32_t *const *)ids, lens, total, &o, outs, progress, NULL, &e)) goto end;
    // Grade, write the per-item file, and sum up.
    char items_path[4200];
    snprintf(items_path, sizeof items_path, "%s.items.jsonl", out);
    wmss_atomic_file af;
    if (wmss_atomic_open(&af, items_path, &e)) goto end;
    int *n_correct = calloc(n, sizeof *n_correct);
    cJSON *report = cJSON_CreateObject(), *items = cJSON_CreateArray();
    long gen_tokens = 0;
    for (int i = 0; i < n && n_correct; i++) {
        char first_extracted[WMSS_GRADE_TEXT_MAX] = "";
        for (int s = 0; s < samples; s++) {
            const int k = i * (int)samples + s;
            char *text;
            wmss_grade_result gr;
            if (gen_setup_decode(&g, &outs[k], NULL, &text, &e) || wmss_grade_bench_item(&b, i, text, &gr, &e)) {
                wmss_atomic_abort(&af);
                cJSON_Delete(report);
                cJSON_Delete(items);
                free(n_correct);
                goto end;
            }
            n_correct[i] += gr.correct;
            gen_tokens += outs[k].n;
            if (s == 0) snprintf(first_extracted, sizeof first_extracted, "%s", gr.extracted);
            cJSON *line = cJSON_CreateObject();
            cJSON_AddNumberToObject(line, "index", i);
            cJSON_AddNumberToObject(line, "sample", s);
            cJSON_AddStringToObject(line, "prompt", prompt_text[i]);
            cJSON_AddStringToObject(line, "output", text);
            cJSON_AddStringToObject(line, "extracted", gr.extracted);
            cJSON_AddStringToObject(line, "gold", b.gold[i]);
            cJSON_AddBoolToObject(line, "correct", gr.correct);
            cJSON_AddNumberToObject(line, "tokens", outs[k].n);
            cJSON_AddStringToObject(line, "finish", gen_finish_name(outs[k].finish));
            char *lt = cJSON_PrintUnformatted(line);
            fprintf(af.f, "%s\n", lt ? lt : "{}");
            free(lt);
            cJSON_Delete(line);
            free(text);
        }
        cJSON *it = cJSON_CreateObject();
        cJSON_AddNumberToObject(it, "index", i);
        cJSON_AddStringToObject(it, "extracted", first_extracted);
        cJSON_AddStringToObject(it, "gold", b.gold[i]);
        cJSON_AddBoolToObject(it, "correct", n_correct[i] == samples);
        cJSON_AddNumberToObject(it, "n_correct", n_correct[i]);
        cJSON_AddItemToArray(items, it);
    }
    if (!n_correct || wmss_atomic_commit(&af, &e)) {
        if (!n_correct) wmss_fail(&e, "out of memory");
        cJSON_Delete(report);
        cJSON_Delete(items);
        free(n_correct);
        goto end;
    }
    double acc = 0;
    for (int i = 0; i < n; i++) acc += (double)n_correct[i] / samples / n;
    cJSON_AddStringToObject(report, "bench", b.info->name);
    cJSON_AddStringToObject(report, "model", model_dir);
    cJSON_AddNumberToObject(report, "n", n);
    cJSON_AddNumberToObject(report, "samples", samples);
    cJSON_AddNumberToObject(report, "accuracy", acc);
    cJSON *pk = cJSON_AddObjectToObject(report, "pass_at_k");
    for (int k = 1; k <= samples; k++) {
        double p = 0;
        for (int i = 0; i < n; i++) p += pass_at_k((int)samples, n_correct[i], k) / n;
        char key[16];
        snprintf(key, sizeof key, "%d", k);
        cJSON_AddNumberToObject(pk, key, p);
    }
    cJSON_AddNumberToObject(report, "generated_tokens", (double)gen_tokens);
    cJSON *proto = cJSON_AddObjectToObject(report, "protocol");
    cJSON_AddStringToObject(proto, "data", b.path);
    cJSON_AddStringToObject(proto, "checker", wmss_bench_kind_name(b.info->kind));
    cJSON_AddStringToObject(proto, "prompt", no_chat ? "plain text" : "chat template");
    cJSON_AddStringToObject(proto, "template", g.have_chat ? wmss_chat_family_name(g.chat.family) : "none");
    if (system) cJSON_AddStringToObject(proto, "instruction", system);
    cJSON_AddStringToObject(proto, "instruction_position", no_chat || no_system ? "after the question" : "system message");
    if (thinking >= 0) cJSON_AddBoolToObject(proto, "enable_thinking", thinking);
    cJSON_AddStringToObject(proto, "decoding", temp > 0 ? "sampling" : "greedy");
    cJSON_AddNumberToObject(proto, "temperature", temp);
    cJSON_AddNumberToObject(proto, "top_p", top_p);
    cJSON_AddNumberToObject(proto, "top_k", (double)top_k);
    cJSON_AddNumberToObject(proto, "seed", (double)seed);
    cJSON_AddNumberToObject(proto, "max_new_tokens", (double)max_new);
    cJSON_AddNumberToObject(proto, "limit", n);
    cJSON_AddStringToObject(report, "items_file", items_path);
    cJSON_AddItemToObject(report, "items", items);
    free(n_correct);
    char *text = cJSON_Print(report);
    cJSON_Delete(report);
    rc = text ? wmss_write_file_atomic(out, text, strlen(text), &e) : wmss_fail(&e, "out of memory");
    free(text);
    if (rc) goto end;
    fprintf(stderr, "%s: accuracy %.4f (mean@%ld over %d items); wrote %s and %s\n", b.info->name, acc, samples, n, out,
            items_path);
end:
    if (rc) fprintf(stderr, "wmss eval: %s\n", e.msg);
    for (int k = 0; k < total; k++) {
        if (ids) free(ids[k]);
        if (outs) free(outs[k].ids);
    }
    for (int i = 0; i < n && prompt_text; i++) free(prompt_text[i]);
    free(prompt_text);
    free(ids);
    free(lens);
    free(outs);
    gen_setup_free(&g);
    wmss_model_free(&m);
    wmss_bench_free(&b);
    return rc;
}
