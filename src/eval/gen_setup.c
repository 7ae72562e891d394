// Generation's tokenizer, template, stop tokens, prompts and decoding: see gen_setup.h.
#include "gen_setup.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"

static void add_stop(int32_t *ids, int *n, int cap, int32_t id) {
    if (id < 0) return;
    for (int i = 0; i < *n; i++)
        if (ids[i] == id) return;
    if (*n < cap) ids[(*n)++] = id;
}

int wmss_gen_stop_ids(const char *model_dir, const wmss_config *cfg, const wmss_tokenizer *tok, int32_t *ids, int cap) {
    int n = 0;
    for (int i = 0; i < cfg->n_eos; i++) add_stop(ids, &n, cap, cfg->eos_token_ids[i]);
    add_stop(ids, &n, cap, wmss_tokenizer_eos_id(tok));
    char path[4200], *text;
    size_t len;
    wmss_error ignored;  // an unreadable generation_config.json adds nothing
    snprintf(path, sizeof path, "%s/generation_config.json", model_dir);
    if (wmss_file_exists(path) && wmss_read_file(path, &text, &len, &ignored) == 0) {
        cJSON *j = cJSON_ParseWithLength(text, len);
        free(text);
        const cJSON *eos = cJSON_GetObjectItemCaseSensitive(j, "eos_token_id");
        if (cJSON_IsNumber(eos)) add_stop(ids, &n, cap, (int32_t)eos->valuedouble);
        for (const cJSON *it = cJSON_IsArray(eos) ? eos->child : NULL; it; it = it->next)
            if (cJSON_IsNumber(it)) add_stop(ids, &n, cap, (int32_t)it->valuedouble);
        cJSON_Delete(j);
    }
    static const char *const END[] = {"<|im_end|>", "<|endoftext|>", "<|eot_id|>", "<|end_of_text|>", "<|eom_id|>",
                                      "<end_of_turn>", "<eos>"};
    for (size_t i = 0; i < sizeof END / sizeof END[0]; i++) {
        int32_t id = wmss_tokenizer_token_to_id(tok, END[i], strlen(END[i]));
        if (id >= 0 && wmss_tokenizer_is_special(tok, id)) add_stop(ids, &n, cap, id);
    }
    return n;
}

int wmss_gen_setup_load(wmss_gen_setup *g, const char *model_dir, const wmss_config *cfg, int chat,
                        const char *template_name, wmss_error *e) {
    memset(g, 0, sizeof *g);
    if (wmss_tokenizer_load(model_dir, &g->tok, e)) return -1;
    if (chat) {
        if (wmss_chat_template_load(&g->chat, model_dir, template_name, e)) {
            wmss_tokenizer_free(g->tok);
            g->tok = NULL;
            return -1;
        }
        g->have_chat = 1;
    }
    g->n_stop_ids = wmss_gen_stop_ids(model_dir, cfg, g->tok, g->stop_ids, WMSS_MAX_STOP_IDS);
    return 0;
}

void wmss_gen_setup_free(wmss_gen_setup *g) {
    if (g->have_chat) wmss_chat_template_free(&g->chat);
    if (g->tok) wmss_tokenizer_free(g->tok);
    memset(g, 0, sizeof *g);
}

int wmss_gen_prompt(const wmss_gen_setup *g, int chat, const char *system, const char *user, int enable_thinking,
                    int32_t **ids, int *n, char **text, wmss_error *e) {
    size_t count;
    if (!chat) {
        if (wmss_tokenizer_encode(g->tok, user, strlen(user), WMSS_ENCODE_PARSE_SPECIAL | WMSS_ENCODE_ADD_SPECIAL, ids,
                                  &count, e))
            return -1;
        *n = (int)count;
        if (text) *text = strdup(user);
        return 0;
    }
    wmss_chat_message msgs[2];
    int k = 0;
    if (system) msgs[k++] = (wmss_chat_message){.role = WMSS_CHAT_SYSTEM, .content = system};
    msgs[k++] = (wmss_chat_message){.role = WMSS_CHAT_USER, .content = user};
    wmss_chat_options co = WMSS_CHAT_OPTIONS_DEFAULT;
    co.add_generation_prompt = 1;
    co.enable_thinking = enable_thinking;
    wmss_chat_rendered r;
    if (wmss_chat_render(&g->chat, msgs, k, &co, &r, e)) return -1;
    int rc = wmss_tokenizer_encode(g->tok, r.text, r.len, WMSS_ENCODE_PARSE_SPECIAL, ids, &count, e);
    *n = (int)count;
    if (text) *text = rc ? NULL : strdup(r.text);
    wmss_chat_rendered_free(&r);
    return rc;
}

int wmss_gen_decode(const wmss_gen_setup *g, const wmss_gen_output *o, const char *const *stop_strings, char **text,
                    wmss_error *e) {
    size_t len;
    if (wmss_tokenizer_decode(g->tok, o->ids, o->n, 0, text, &len, e)) return -1;
    if (o->finish == WMSS_FINISH_STOP_STRING) {
        char *cut = strstr(*text, stop_strings[o->stop_string]);
        if (cut) *cut = '\0';
    }
    return 0;
}

const char *wmss_finish_name(wmss_finish f) {
    return f == WMSS_FINISH_STOP_ID ? "stop" : f == WMSS_FINISH_STOP_STRING ? "stop_string" : "length";
}
