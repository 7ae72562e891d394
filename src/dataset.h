// Training data: JSONL in TRL's formats, tokenized, with a per-token completion mask.
//
// One example per line:
//   {"messages": [...]}                        conversational; the chat template renders it,
//                                              the loss covers the assistant turns (their
//                                              end-of-turn token included)
//   {"prompt": "...", "completion": "..."}     loss on the completion; EOS appended
//   {"prompt": [msgs], "completion": [msgs]}   conversational prompt-completion (TRL): the
//                                              prompt rendered with the generation prompt,
//                                              the loss on the rest of the rendering
//   {"text": "..."}                            language modeling: loss on every token; EOS
//                                              appended
//   {"input_ids": [...], "completion_mask": [...]}  pre-tokenized (mask optional = all 1)
// Text is tokenized with add_special_tokens (so Llama 3 gets its BOS where transformers
// adds it). Token t is a training target iff mask[t] = 1 and t > 0. With loss_on_all the
// mask is set to 1 everywhere after the first token (after truncation).
#ifndef WMSS_DATASET_H
#define WMSS_DATASET_H

#include <stdint.h>
#include <stdio.h>

#include "chat.h"
#include "error.h"
#include "tokenizer.h"

typedef enum { WMSS_BAD_STOP = 0, WMSS_BAD_SKIP } wmss_bad_policy;
typedef enum { WMSS_LONG_TRUNCATE = 0, WMSS_LONG_DROP } wmss_long_policy;

typedef struct {
    int max_len;                   // tokens per example (after EOS); longer ones truncated / dropped
    wmss_bad_policy on_bad;        // malformed lines: stop with an error, or skip and count
    wmss_long_policy on_long;
    const wmss_tokenizer *tok;     // needed for text formats (NULL: pre-tokenized only)
    const wmss_chat_template *chat;  // needed for conversational formats
    const char *chat_error;        // why there is no template (reported if one is needed)
    int enable_thinking;           // qwen3 template option (-1 unset)
    int vocab_size;                // ids must be < vocab_size (0: no check)
    int loss_on_all;               // every token after an example's first is a target,
                                   // whatever the format's mask says (--loss-on all)
    FILE *log;                     // warnings (first few per kind); NULL = silent
} wmss_data_opts;

typedef struct {
    int n;                 // examples kept
    int64_t n_tokens;      // total tokens
    int64_t *offset;       // (n+1) into ids / mask
    int32_t *ids;          // all examples' tokens, one after another
    uint8_t *mask;         // 1 where the token is a training target
    int *line;             // (n) 1-based source line of each example
    int *record;           // (n) 0-based index among the file's non-blank lines (the
                           // example's index in D for entropy files and selection)
    char **id;             // (n) the example's "id" as JSON text, or NULL when it has none
    int *n_targets;        // (n) target tokens per example
    char path[4096];
    // what happened while reading
    int n_lines, n_records, n_bad, n_truncated, n_dropped_long, n_no_target;
} wmss_dataset;

int wmss_dataset_load(const char *path, const wmss_data_opts *o, wmss_dataset *ds, wmss_error *e);
void wmss_dataset_free(wmss_dataset *ds);

static inline int wmss_example_len(const wmss_dataset *ds, int i) { return (int)(ds->offset[i + 1] - ds->offset[i]); }

#endif
