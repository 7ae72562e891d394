// wmss generate: text generation with a KV cache, greedy or sampled, several prompts
// decoded together.
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "commands.h"
#include "fsutil.h"
#include "jsonl.h"
#include "gen_setup.h"

// Reads prompts: each line a JSON string or an object with "prompt" (a string).
static int read_prompts(const char *path, char ***out, int *n, wmss_error *e) {
    char *text;
    size_t len;
    if (wmss_read_file(path, &text, &len, e)) return -1;
    int cap = 64, line = 0, rc = 0;
    char **p = malloc(cap * sizeof *p);
    *n = 0;
    for (char *s = text, *end; p && s < text + len && !rc; s = end + 1) {
        end = memchr(s, '\n', text + len - s);
        if (!end) end = text + len;
        line++;
        size_t l = (size_t)(end - s);
        while (l && (s[l - 1] == '\r' || s[l - 1] == ' ')) l--;
        if (!l) continue;
        char where[4200];
        snprintf(where, sizeof where, "%s:%d", path, line);
        cJSON *j = wmss_jsonl_parse(s, l, where, (long long)(s - text), e);
        const cJSON *str = cJSON_IsString(j) ? j : cJSON_GetObjectItemCaseSensitive(j, "prompt");
        if (!j) rc = -1;
        else if (!cJSON_IsString(str)) rc = wmss_fail(e, "%s:%d: expected a JSON string or {\"prompt\": \"...\"}", path, line);
        else {
            if (*n == cap) {
                char **np = realloc(p, (cap *= 2) * sizeof *np);
                if (!np) rc = wmss_fail(e, "out of memory");
                else p = np;
            }
            if (!rc) p[(*n)++] = strdup(str->valuestring);
        }
        cJSON_Delete(j);
    }
    free(text);
    if (!p) return wmss_fail(e, "out of memory");
    *out = p;
    return rc;
}

static void print_json_string(FILE *f, const char *s) {
    cJSON *j = cJSON_CreateString(s);
    char *t = cJSON_PrintUnformatted(j);
    fputs(t ? t : "\"\"", f);
    free(t);
    cJSON_Delete(j);
}

static void print_ids(FILE *f, const char *key, const int32_t *ids, int n) {
    fprintf(f, ", \"%s\": [", key);
    for (int i = 0; i < n; i++) fprintf(f, "%s%d", i ? ", " : "", ids[i]);
    fputc(']', f);
}

int cmd_generate(int argc, char **argv) {
    const char *model_dir = NULL, *prompt = NULL, *jsonl = NULL, *system = NULL, *out = NULL, *tmpl = NULL;
    const char *max_new_s = "256", *temp_s = "0", *top_p_s = "1", *top_k_s = "0", *seed_s = "0", *batch_s = "8";
    const char *thinking_s = NULL, *stops[CLI_MAX_REPEAT];
    int chat = 0, n_stops = 0, with_ids = 0, done;
    const cli_opt opts[] = {
        {"--model", "DIR", "model directory (required)", &model_dir, NULL},
        {"--prompt", "STR", "one prompt", &prompt, NULL},
        {"--jsonl", "FILE", "prompts, one per line: a JSON string or {\"prompt\": ...}", &jsonl, NULL},
        {"--chat", NULL, "render each prompt as a user turn with the chat template", NULL, &chat},
        {"--system", "STR", "system message (with --chat)", &system, NULL},
        {"--chat-template", "NAME", "auto (default) or a family name", &tmpl, NULL},
        {"--enable-thinking", "true|false", "Qwen3 template option", &thinking_s, NULL},
        {"--max-new-tokens", "N", "tokens to generate at most (default 256)", &max_new_s, NULL},
        {"--temperature", "T", "0 = greedy (default)", &temp_s, NULL},
        {"--top-p", "P", "nucleus sampling mass (default 1 = off)", &top_p_s, NULL},
        {"--top-k", "K", "sample among the K most likely (default 0 = off)", &top_k_s, NULL},
        {"--seed", "S", "sampling seed (default 0)", &seed_s, NULL},
        {"--stop", "+STR", "stop string (output is cut before it)", stops, &n_stops},
        {"--batch", "N", "prompts decoded together (default 8)", &batch_s, NULL},
        {"--out", "FILE", "write JSONL here instead of standard output", &out, NULL},
        {"--ids", NULL, "also print the prompt's and the output's token ids", NULL, &with_ids},
    };
    int rc = cli_parse("generate", "--model DIR (--prompt STR | --jsonl FILE) [options]", argc, argv, opts,
                       sizeof opts / sizeof opts[0], &done);
    if (done) return rc;
    if (!model_dir || !!prompt == !!jsonl) {
        fprintf(stderr, "wmss generate: --model and exactly one of --prompt, --jsonl are required\n");
        return 2;
    }
    long max_new, top_k, seed, batch;
    double temp, top_p;
    if (cli_int("--max-new-tokens", max_new_s, 1, 1 << 24, &max_new) || cli_double("--temperature", temp_s, &temp) ||
        cli_double("--top-p", top_p_s, &top_p) || cli_int("--top-k", top_k_s, 0, 1 << 24, &top_k) ||
        cli_int("--seed", seed_s, 0, 0x7fffffffffffffffL, &seed) || cli_int("--batch", batch_s, 1, 4096, &batch))
        return 2;
    if (top_p <= 0 || top_p > 1 || temp < 0) {
        fprintf(stderr, "wmss generate: need 0 < --top-p <= 1 and --temperature >= 0\n");
        return 2;
    }
    int thinking = -1;
    if (thinking_s) thinking = !strcmp(thinking_s, "true") ? 1 : !strcmp(thinking_s, "false") ? 0 : -2;
    if (thinking == -2) {
        fprintf(stderr, "wmss generate: --enable-thinking must be true or false\n");
        return 2;
    }
    wmss_error e = {{0}};
    wmss_model m = {0};
    wmss_gen_setup g = {0};
    char **texts = NULL;
    int n = 0;
    int32_t **ids = NULL;
    int *lens = NULL;
    wmss_gen_output *outs = NULL;
    rc = 1;
    if (wmss_model_load(model_dir, &m, &e) || wmss_gen_setup_load(&g, model_dir, &m.cfg, chat, tmpl, &e)) goto end;
    if (jsonl) {
        if (read_prompts(jsonl, &texts, &n, &e)) goto end;
    } else {
        texts = malloc(sizeof *texts);
        texts[0] = strdup(prompt);
        n = 1;
    }
    ids = calloc(n, sizeof *ids);
    lens = calloc(n, sizeof *lens);
    outs = calloc(n, sizeof *outs);
    if (!ids || !lens || !outs) { wmss_fail(&e, "out of memory"); goto end; }
    for (int i = 0; i < n; i++)
        if (wmss_gen_prompt(&g, chat, system, texts[i], thinking, &ids[i], &lens[i], NULL, &e)) {
            wmss_error_prefix(&e, "prompt %d", i);
            goto end;
        }
    wmss_gen_opts o = {.max_new_tokens = (int)max_new, .temperature = (float)temp, .top_p = (float)top_p,
                       .top_k = (int)top_k, .seed = (uint64_t)seed, .batch = (int)batch, .prefill_chunk = 2048,
                       .stop_ids = g.stop_ids, .n_stop_ids = g.n_stop_ids, .stop_strings = stops,
                       .n_stop_strings = n_stops, .tok = g.tok};
    if (wmss_generate(&m, (const int32_t *const *)ids, lens, n, &o, outs, NULL, NULL, &e)) goto end;
    wmss_atomic_file af = {0};
    FILE *f = stdout;
    if (out) {
        if (wmss_atomic_open(&af, out, &e)) goto end;
        f = af.f;
    }
    for (int i = 0; i < n && rc; i++) {
        char *text;
        if (wmss_gen_decode(&g, &outs[i], stops, &text, &e)) {
            if (out) wmss_atomic_abort(&af);
            goto end;
        }
        fprintf(f, "{\"index\": %d, \"output\": ", i);
        print_json_string(f, text);
        fprintf(f, ", \"tokens\": %d, \"finish\": \"%s\"", outs[i].n, wmss_finish_name(outs[i].finish));
        if (with_ids) {
            print_ids(f, "prompt_ids", ids[i], lens[i]);
            print_ids(f, "output_ids", outs[i].ids, outs[i].n);
        }
        fputs("}\n", f);
        free(text);
    }
    if (out && wmss_atomic_commit(&af, &e)) goto end;
    rc = 0;
end:
    if (rc) fprintf(stderr, "wmss generate: %s\n", e.msg);
    for (int i = 0; i < n; i++) {
        free(texts[i]);
        if (ids) free(ids[i]);
        if (outs) free(outs[i].ids);
    }
    free(texts);
    free(ids);
    free(lens);
    free(outs);
    wmss_gen_setup_free(&g);
    wmss_model_free(&m);
    return rc;
}
