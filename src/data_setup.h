// A model's training data, the way a trainer reads it: the tokenizer and chat template
// of a model directory, and the dataset tokenized with them. The data options
// (wmss_data_spec) are declared once here; every command that reads training data
// (sft, joint, entropy, stats, prepare, grads, run) takes the same ones.
#ifndef WMSS_DATA_SETUP_H
#define WMSS_DATA_SETUP_H

#include <stdio.h>

#include "chat.h"
#include "dataset.h"
#include "tokenizer.h"

typedef struct {
    const char *chat_template;    // NULL/"auto" or a family name
    int max_len;                  // tokens per example
    const char *bad_data;         // "stop" (NULL, the default) or "skip"
    const char *overlong;         // "truncate" (NULL, the default) or "drop"
    const char *enable_thinking;  // NULL, "true" or "false"
    int loss_on_all;              // the loss covers every next-token position, the prompt's
                                  // too (TRL's default without completion_only_loss; the
                                  // released code's joint phase); 0: the completion only
} wmss_data_spec;

#define WMSS_DATA_SPEC_DEFAULT ((wmss_data_spec){.max_len = 4096})

typedef struct {
    wmss_tokenizer *tok;       // NULL when the model directory has none
    wmss_chat_template chat;
    int have_chat;
    wmss_error chat_error;     // why there is no template
    wmss_dataset ds;
} wmss_data_setup;

// Loads the tokenizer and template from model_dir (or tokenizer_path when not NULL)
// and the dataset at data_path. log (NULL: quiet) gets the reader's warnings and a
// one-line summary of what was read.
int wmss_data_setup_load(wmss_data_setup *d, const char *model_dir, const char *tokenizer_path, const char *data_path,
                         const wmss_data_spec *s, int vocab_size, FILE *log, wmss_error *e);
void wmss_data_setup_free(wmss_data_setup *d);

#endif
