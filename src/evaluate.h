// The paper's evaluation protocol on a math benchmark (or a code benchmark: below), as one call: chat template with
// a system prompt asking for step-by-step reasoning and a final \boxed{} answer (or
// plain text for base models), greedy by default, the paper's token budgets; grades
// every sample and writes the report (accuracy = mean@n, the unbiased pass@k for every
// k <= n, per-item results, the protocol used) and the per-sample file.
#ifndef WMSS_EVALUATE_H
#define WMSS_EVALUATE_H

#include <stdint.h>
#include <stdio.h>

#include "error.h"

#define WMSS_EVAL_INSTRUCTION "Please reason step by step, and put your final answer within \\boxed{}."

typedef struct {
    const char *bench;          // gsm8k, math500, svamp, mawps, aqua, aime2025, amc23 (grade.h)
    const char *data;           // the benchmark file; NULL: the shared benchmarks folder
    const char *out;            // report JSON; per-sample results go to OUT.items.jsonl
    int limit;                  // only the first N items; <= 0: all
    int samples;                // samples per item (1)
    double temperature;         // < 0: greedy, or 0.6 when samples > 1
    double top_p;               // 1
    int top_k;                  // 0 = off
    uint64_t seed;
    int max_new_tokens;         // 0: the benchmark's budget (the paper's)
    int batch;                  // sequences decoded together (16)
    int chat;                   // 1: chat template; 0: plain-text prompt (base models)
    const char *system;         // the instruction; NULL: WMSS_EVAL_INSTRUCTION (none with no_system)
    int no_system;              // no system message: the instruction follows the question
    const char *chat_template;  // NULL / "auto" or a family name
    int enable_thinking;        // Qwen3: -1 unset, 0, 1
    FILE *log;                  // progress and the closing line; NULL: quiet
    // Code benchmarks (humaneval, humanevalplus, mbpp; code.h): EvalPlus's prompts (chat:
    // its instruction, the answer started with its response prefix and "```python";
    // no_chat: the function signature and docstring, completed), max_new_tokens 768 by
    // default, the programs graded in the sandbox.
    int jobs;                   // programs graded in parallel (0: the core count)
    double code_timeout;        // wall-clock seconds per program (0: 20; 60 for humanevalplus)
} wmss_eval_opts;

void wmss_eval_opts_default(wmss_eval_opts *o);

typedef struct {
    int n, samples;
    double accuracy;            // mean@samples over the n items
    int *n_correct;             // (n) correct samples per item (malloc'd)
    char items_path[4200];
} wmss_eval_result;

int wmss_evaluate(const char *model_dir, const wmss_eval_opts *o, wmss_eval_result *r, wmss_error *e);
void wmss_eval_result_free(wmss_eval_result *r);

// The unbiased pass@k of one item with c correct of n samples: 1 - C(n-c, k) / C(n, k).
double wmss_pass_at_k(int n, int c, int k);

// The scores of many samples per item, as `wmss eval --samples n` and `wmss grade` report
// them: accuracy = mean@n = the mean over items of n_correct[i] / n_samples[i], and
// pass_at_k[k-1] = the mean over items of wmss_pass_at_k(n_samples[i], n_correct[i], k)
// for every k <= kmax = the fewest samples of any item (pass@k needs k samples of each).
typedef struct {
    int n_items, kmax;
    double accuracy;
    double *pass_at_k;  // (kmax), malloc'd
} wmss_sample_scores;

int wmss_score_samples(int n_items, const int *n_samples, const int *n_correct, wmss_sample_scores *s, wmss_error *e);
void wmss_sample_scores_free(wmss_sample_scores *s);

#endif
