// The built-in experiment's pieces: a seeded generator of multi-step grade-school word
// problems (difficulty levels 1-4), a byte-level BPE tokenizer trainer that writes a
// Hugging Face tokenizer.json, and SVG charts for the report.
#ifndef WMSS_DEMO_H
#define WMSS_DEMO_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include "error.h"
#include "rng.h"

#define WMSS_TASK_LEVELS 4
#define WMSS_TASK_TEXT 1024

typedef struct {
    char op;                         // '+', '-', '*'
    int event;                       // what happens (buys, gets, finds, gives, loses, sells, times)
    long x, before, after;           // the operand and the count before and after the step
} wmss_task_step;

typedef struct {
    int level;                       // 1..4: the number of steps
    int n_steps, who, friend_, what; // the structure the texts are rendered from
    long start, answer;
    wmss_task_step step[WMSS_TASK_LEVELS];
    char question[WMSS_TASK_TEXT];   // the word problem
    char solution[WMSS_TASK_TEXT];   // one rendering of the step-by-step solution, ending in \boxed{N}
} wmss_task_item;

// A random problem of the given level. Level L has L arithmetic steps on a running
// count; operands grow with the level, and levels 3-4 include a multiplication. The
// solution is one random rendering (wmss_task_render).
void wmss_task_make(wmss_rng *r, int level, wmss_task_item *it);

// A fresh rendering of the item's solution: the opening, an optional restatement of the
// question, per step a connective, an optional restatement of the event, one of several
// phrasings and operand orders of the arithmetic ("7 + 4 = 11", "7 plus 4 is 11",
// "adding 4 to 7 gives 11", ...), optional running totals, and one of several closings,
// each drawn at random. Every rendering is correct and ends with \boxed{answer}. With
// house in (0, 1], each choice takes its favourite option with probability house (else a
// uniform one): one author's style, as an SFT set distilled from one source has. With
// probability habit a step's connective is "First," / "Then" whatever the house style:
// the corpus's authors share that habit (wmss_demo_size.habit), the SFT set's sources
// (habit 0) vary their connectives ("Next,", "After that,", ...) more.
void wmss_task_render(wmss_rng *r, const wmss_task_item *it, double house, double habit, char *out, size_t cap);

// Pretraining texts about an item: a worked solution in plain text (several layouts,
// one of them the plain-text evaluation prompt's "question\ninstruction\nsolution"), a
// conversation in the ChatML template (as real pretraining corpora hold chat data), or
// an arithmetic drill in the solutions' phrasings (the item is not used).
enum { WMSS_CORPUS_PLAIN, WMSS_CORPUS_CHAT, WMSS_CORPUS_DRILL };
void wmss_task_corpus_text(wmss_rng *r, const wmss_task_item *it, int kind, const char *instruction, double habit, char *out,
                           size_t cap);

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


// ---------------------------------------------------------------------------------
// The built-in task, prepared in one call: the data (train, test, pretraining corpus),
// a tokenizer trained on it, and M0, a tiny Qwen3 pretrained on the corpus the way a
// base model is (plain-text worked solutions, conversations in the chat template and
// arithmetic drills; the corpus's problems are outside train and test), evaluated
// before any SFT. The sizes below, and the training settings the task is meant to be
// fine-tuned with (lr, batch, ...), are measured in docs/regime.md.

typedef struct {
    int train, test;                              // problems (levels 1-4 in turn)
    int corpus_plain, corpus_chat, corpus_drill;  // pretraining texts of each kind
    int merges;                                   // BPE merges of the tokenizer
    int hidden, layers, heads, kv_heads, head_dim, inter;
    int pretrain_epochs, pretrain_batch;
    double pretrain_lr;
    double house, house_share;                    // the SFT set: its house style (wmss_task_render) and the
                                                  // share of its examples written in it (the rest: house 0)
    double habit;                                 // the corpus's authors' habit: "First," / "Then" (wmss_task_render)
    // How the task is meant to be fine-tuned and evaluated (the demo and the harness
    // read them): SFT / WD-JT learning rate, batch, micro-batch, warmup ratio, max
    // length, and the evaluation's token budget and batch.
    double lr, warmup_ratio;
    int batch, micro_batch, max_len, max_new, eval_batch;
    int eval_m0;                                  // evaluate M0 (plain-text and chat prompts)
} wmss_demo_size;

extern const wmss_demo_size WMSS_DEMO_FULL, WMSS_DEMO_QUICK;

// Overrides fields from "key=value,key=value" (the field names above). 0 or -1 with
// the reason (an unknown key lists the known ones).
int wmss_demo_size_set(wmss_demo_size *z, const char *assignments, wmss_error *e);
// The fields as "key=value,..." (all of them).
void wmss_demo_size_string(const wmss_demo_size *z, char *out, size_t cap);

#define WMSS_DEMO_CURVE 10

typedef struct {
    char dir[4096], train[4200], test[4200], corpus[4200], tokenizer[4200], m0[4200];
    int n_train, n_test, n_corpus;
    int *test_level;                        // (n_test) levels 1..4 of the test items; malloc'd
    int vocab;
    long params;
    long corpus_tokens;                     // tokens of one pass over the corpus
    long pretrain_steps;
    double pretrain_epoch_loss[64];         // mean training loss of each pretraining epoch
    double pretrain_curve[WMSS_DEMO_CURVE]; // mean loss over each tenth of pretraining's steps
    double m0_acc_plain, m0_acc_chat;       // M0 on the test set (plain-text / chat prompt); NAN: not evaluated
    double m0_plain_by_level[WMSS_TASK_LEVELS], m0_chat_by_level[WMSS_TASK_LEVELS];
    double seconds_data, seconds_pretrain, seconds_eval;
    int reused;                             // 1: DIR already held this task (same size and seed)
} wmss_demo_task;

// Writes DIR/train.jsonl (conversations: system instruction, user question, assistant
// solution; "level", "id"), DIR/test.jsonl (GSM8K format: "question", "answer" ending
// "#### N", "level"), DIR/corpus.jsonl ("text" lines), DIR/tokenizer/, DIR/m0/ (the
// pretrained model and its metrics.jsonl), DIR/eval/m0-{plain,chat}.json and
// DIR/task.json (the size, seed and every number in *out). A DIR whose task.json has
// the same size and seed is reused as it is (out->reused). log: progress (NULL: quiet).
int wmss_demo_prepare(const char *dir, const wmss_demo_size *z, uint64_t seed, FILE *log, wmss_demo_task *out,
                      wmss_error *e);
void wmss_demo_task_free(wmss_demo_task *t);

// Accuracy by level of an evaluation's per-item results: n_correct (n items, samples
// each) and the items' levels.
void wmss_demo_by_level(const int *n_correct, int samples, const int *level, int n, double by_level[WMSS_TASK_LEVELS]);

// ---------------------------------------------------------------------------------
// The built-in experiment (`wmss demo`) in one call: the task (wmss_demo_prepare) under
// OUT/task, then the controlled comparison (compare.h) of the arms on it under
// OUT/compare: M0 -> the arms' recipes, fine-tuned with the size's settings, evaluated on
// the task's test split; the report in OUT/compare/report. A rerun continues.


typedef struct {
    const char *out;            // the demo directory (required)
    wmss_demo_size size;        // WMSS_DEMO_FULL or WMSS_DEMO_QUICK, with overrides
    uint64_t seed;              // the task's seed and the first training seed (1)
    int seeds;                  // training seeds (1)
    const char *arms;           // NULL: "m0,m1,sft-2ep,wmss"
    int prepare_only;           // stop after the task
    volatile sig_atomic_t *stop;  // interrupts training (rerun to continue); NULL: none
    FILE *log;                  // progress; NULL: quiet
} wmss_demo_opts;

typedef struct {
    wmss_demo_task task;
    int arms_run, arms_skipped, interrupted;
    char report_dir[4200];      // OUT/compare/report
} wmss_demo_result;

int wmss_demo_run(const wmss_demo_opts *o, wmss_demo_result *r, wmss_error *e);

// REPORT/regime.md: the conditions of the paper's setting (M0 at a plateau and solving
// some problems, the format seen, SFT entropy, saturation, the weak-strong gap, the repair
// term) with what the task and the comparison's results.json measured, and whether each
// held. wmss_demo_run writes it after the comparison's report.
int wmss_demo_regime_write(const char *report_dir, const wmss_demo_task *t, const wmss_demo_size *z, wmss_error *e);
void wmss_demo_result_free(wmss_demo_result *r);

#endif
