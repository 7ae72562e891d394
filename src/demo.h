// The built-in experiment's pieces: a seeded generator of multi-step grade-school word
// problems (difficulty levels 1-4), a byte-level BPE tokenizer trainer that writes a
// Hugging Face tokenizer.json, and SVG charts for the report.
#ifndef WMSS_DEMO_H
#define WMSS_DEMO_H

#include <stdio.h>

#include "error.h"
#include "rng.h"

#define WMSS_TASK_LEVELS 4
#define WMSS_TASK_TEXT 640

typedef struct {
    int level;                       // 1..4: the number of steps
    long answer;
    char question[WMSS_TASK_TEXT];   // the word problem
    char solution[WMSS_TASK_TEXT];   // step-by-step, ending "The answer is \boxed{N}."
} wmss_task_item;

// A random problem of the given level. Level L has L arithmetic steps on a running
// count; operands grow with the level, and levels 3-4 include a multiplication.
void wmss_task_make(wmss_rng *r, int level, wmss_task_item *it);

// A plain-text passage of the same domain for pretraining (a story with its worked
// arithmetic, not in the chat format).
void wmss_task_corpus_text(wmss_rng *r, char *out, size_t cap);

// Trains a byte-level BPE with `merges` merges on texts[0..n) (pre-tokenized with the
// Qwen2 regex, digits split one by one) and writes DIR/tokenizer.json and
// DIR/tokenizer_config.json (ChatML template, <|im_start|>, <|im_end|>, <|endoftext|>).
int wmss_bpe_train(const char *const *texts, int n, int merges, const char *dir, wmss_error *e);

// SVG charts. Series are (x, y) points; NAN y values are skipped.
typedef struct {
    const char *label;
    const double *x, *y;
    int n;
    const char *color;
} wmss_svg_series;

int wmss_svg_lines(const char *path, const char *title, const char *xlabel, const char *ylabel,
                   const wmss_svg_series *s, int n_series, wmss_error *e);
// Grouped bars: groups (e.g. difficulty levels) x series (e.g. runs), values in [0, 1].
int wmss_svg_bars(const char *path, const char *title, const char *const *groups, int n_groups,
                  const char *const *series, const char *const *colors, int n_series, const double *values,
                  wmss_error *e);

#endif
