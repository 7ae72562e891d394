// Grading of a predictions file made by any engine (`wmss grade`), for every benchmark:
// the math ones (grade.h) and the code ones (code.h). PRED.jsonl holds one
//   {"index": i, "output": "...", "sample": s}
// per line; the same index may appear on several lines (n samples of item i; "sample",
// optional, orders them; without it the lines' order does). Code benchmarks also take
// "completion" (appended to the prompt) or "solution" (the whole program) instead of
// "output", and "task_id" instead of "index". The report has accuracy = mean@n, the
// unbiased pass@k for every k <= n (wmss_score_samples, as `wmss eval` computes them),
// per-item counts and per-sample verdicts.
#ifndef WMSS_GRADE_FILE_H
#define WMSS_GRADE_FILE_H

#include <stdio.h>

#include "code.h"
#include "error.h"

typedef struct {
    const char *bench;          // a math or code benchmark name
    const char *pred;           // the predictions (JSONL)
    const char *data;           // the benchmark file or folder; NULL: the shared benchmarks folder
    const char *out;            // the report (JSON, written atomically)
    wmss_code_mode mode;        // code: how "output" becomes a program (AUTO)
    wmss_code_grade_opts code;  // code: sandbox limits, --jobs, HumanEval+ time limits
    FILE *log;
} wmss_grade_file_opts;

void wmss_grade_file_opts_default(wmss_grade_file_opts *o);

typedef struct {
    int n_items, n_predictions, n_correct, kmax;
    double accuracy;            // mean@n
    double pass_at_1;
    double accuracy_base;       // HumanEval+: the base inputs only
} wmss_grade_file_result;

int wmss_grade_file(const wmss_grade_file_opts *o, wmss_grade_file_result *r, wmss_error *e);

#endif
