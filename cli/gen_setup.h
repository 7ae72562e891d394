// Shared by `wmss generate` and `wmss eval`: the tokenizer, chat template and stop
// tokens of a model directory, prompt rendering, and output decoding.
#ifndef WMSS_GEN_SETUP_H
#define WMSS_GEN_SETUP_H

#include "chat.h"
#include "generate.h"
#include "model.h"
#include "tokenizer.h"

#define GEN_MAX_STOP_IDS 32

typedef struct {
    wmss_tokenizer *tok;
    wmss_chat_template chat;
    int have_chat;
    int32_t stop_ids[GEN_MAX_STOP_IDS];
    int n_stop_ids;
} gen_setup;

// Loads the tokenizer (required) and, when chat is set, the chat template (name NULL /
// "auto" detects it). Stop ids: config.json's and generation_config.json's
// eos_token_id, the tokenizer's eos token, and the end-of-turn / end-of-text special
// tokens the vocabulary has (<|im_end|>, <|eot_id|>, <end_of_turn>, ...).
int gen_setup_load(gen_setup *g, const char *model_dir, const wmss_config *cfg, int chat, const char *template_name,
                   wmss_error *e);
void gen_setup_free(gen_setup *g);

// Token ids of a prompt: with chat, [system], user, then the assistant header
// (add_generation_prompt); without, the text as the tokenizer encodes it with its
// special tokens (e.g. Llama's BOS). *text (optional) receives the rendered prompt.
int gen_setup_prompt(const gen_setup *g, int chat, const char *system, const char *user, int enable_thinking,
                     int32_t **ids, int *n, char **text, wmss_error *e);

// Decodes generated ids; output cut before the matched stop string.
int gen_setup_decode(const gen_setup *g, const wmss_gen_output *o, const char *const *stop_strings, char **text,
                     wmss_error *e);

const char *gen_finish_name(wmss_finish f);

#endif
