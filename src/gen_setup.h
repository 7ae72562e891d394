// What generation needs besides the model: the tokenizer, the chat template, the stop
// tokens of a model directory (discovered the way transformers' generate stops), prompt
// rendering and output decoding. `wmss generate`, `wmss eval` and evaluate.h use it.
#ifndef WMSS_GEN_SETUP_H
#define WMSS_GEN_SETUP_H

#include "chat.h"
#include "config.h"
#include "generate.h"
#include "tokenizer.h"

#define WMSS_MAX_STOP_IDS 32

typedef struct {
    wmss_tokenizer *tok;
    wmss_chat_template chat;
    int have_chat;
    int32_t stop_ids[WMSS_MAX_STOP_IDS];
    int n_stop_ids;
} wmss_gen_setup;

// Stop-token discovery: config.json's and generation_config.json's eos_token_id, the
// tokenizer's eos token, and the end-of-turn / end-of-text special tokens the vocabulary
// has (<|im_end|>, <|eot_id|>, <end_of_turn>, ...), each once, at most cap. Returns the count.
int wmss_gen_stop_ids(const char *model_dir, const wmss_config *cfg, const wmss_tokenizer *tok, int32_t *ids, int cap);

// Loads the tokenizer (required), the chat template when chat is set (template_name
// NULL / "auto" detects it) and the stop ids.
int wmss_gen_setup_load(wmss_gen_setup *g, const char *model_dir, const wmss_config *cfg, int chat,
                        const char *template_name, wmss_error *e);
void wmss_gen_setup_free(wmss_gen_setup *g);

// Token ids of a prompt: with chat, [system], user, then the assistant header
// (add_generation_prompt); without, the text as the tokenizer encodes it with its
// special tokens (e.g. Llama's BOS). *text (optional) receives the rendered prompt.
int wmss_gen_prompt(const wmss_gen_setup *g, int chat, const char *system, const char *user, int enable_thinking,
                    int32_t **ids, int *n, char **text, wmss_error *e);

// Decodes generated ids; output cut before the matched stop string.
int wmss_gen_decode(const wmss_gen_setup *g, const wmss_gen_output *o, const char *const *stop_strings, char **text,
                    wmss_error *e);

// "stop", "stop_string" or "length".
const char *wmss_finish_name(wmss_finish f);

#endif
