// Shared by the commands that read training data for a model: finds the tokenizer and
// chat template in the model directory and loads the dataset.
#ifndef WMSS_DATA_SETUP_H
#define WMSS_DATA_SETUP_H

#include "chat.h"
#include "dataset.h"
#include "model.h"
#include "tokenizer.h"

typedef struct {
    wmss_tokenizer *tok;       // NULL when the model directory has none
    wmss_chat_template chat;
    int have_chat;
    wmss_error chat_error;
    wmss_dataset ds;
} data_setup;

typedef struct {
    const char *chat_template;  // NULL/"auto" or a family name
    int max_len;
    const char *bad_data;       // "stop" (default) or "skip"
    const char *overlong;       // "truncate" (default) or "drop"
    const char *enable_thinking;  // NULL, "true" or "false"
    int quiet;                  // no summary, no warnings (the ranks other than 0 of a data-parallel run)
} data_flags;

// Loads tokenizer and template from model_dir (or tokenizer_path when not NULL) and
// the dataset. Prints a one-line summary of what was read to stderr.
int data_setup_load(data_setup *d, const char *model_dir, const char *tokenizer_path, const char *data_path,
                    const data_flags *f, int vocab_size, wmss_error *e);
void data_setup_free(data_setup *d);

#endif
