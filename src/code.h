// The code benchmarks: HumanEval, HumanEval+ (EvalPlus v0.1.10) and MBPP (the original
// release, test split: task_ids 11-510), graded by running the programs in the sandbox
// (src/sandbox.h) with a Python harness (src/eval/code_harness.py, embedded).
//
//   humaneval      the task's check(candidate) on prompt + completion (or the solution)
//   humanevalplus  EvalPlus: the base and plus inputs, each output compared with the
//                  canonical solution's output on the same input (exact; floats within
//                  atol, 1e-6 when atol is 0; find_zero by |poly(x)| <= atol), with a
//                  per-input time limit max(time_floor, time_factor x the canonical
//                  solution's time on that input) = max(1 s, 4 x t) by default, EvalPlus's
//                  values. Correct = base and plus pass; base_correct = base inputs pass.
//   mbpp           test_setup_code, the solution, then each assert of test_list
// MBPP+ (EvalPlus's extended MBPP tests) is not available offline.
#ifndef WMSS_CODE_H
#define WMSS_CODE_H

#include <stdio.h>

#include "error.h"
#include "sandbox.h"

typedef enum { WMSS_CODE_HUMANEVAL = 0, WMSS_CODE_HUMANEVALPLUS, WMSS_CODE_MBPP } wmss_code_kind;

typedef struct {
    const char *name;   // "humaneval"
    wmss_code_kind kind;
    char path[4096];    // the file read
    int n;
    char **task_id;     // "HumanEval/0", "11" (MBPP task_id)
    char **prompt;      // the completion-mode prompt (HumanEval: signature + docstring; MBPP: EvalPlus's docstring)
    char **question;    // the task as text for chat mode (HumanEval: the prompt; MBPP: the docstring prompt)
    char **entry_point; // the function graded
    char **canonical;   // the reference solution as a whole program
    char **test;        // HumanEval: the check() code; MBPP: test_setup_code
    char **tests_json;  // MBPP: the test_list asserts (JSON array)
    char **inputs_json; // HumanEval+: base_input then plus_input (JSON array)
    int *n_base;        // HumanEval+: how many of inputs are base inputs
    double *atol;       // HumanEval+
} wmss_code_bench;

// 1 if name is a code benchmark.
int wmss_code_bench_known(const char *name);
// Loads from path: the file, a benchmarks folder, or NULL (wmss_benchmarks_dir()).
// HumanEvalPlus.jsonl.gz is read with zlib (plain JSONL works too).
int wmss_code_bench_load(const char *name, const char *path, wmss_code_bench *b, wmss_error *e);
void wmss_code_bench_free(wmss_code_bench *b);

// ---- prompts and extraction, EvalPlus style (src/eval/code_prompt.c) ----

// EvalPlus's chat instruction and the start of the answer (the generation continues it).
#define WMSS_CODE_INSTRUCTION "Please provide a self-contained Python script that solves the following problem in a markdown code block:"
#define WMSS_CODE_RESPONSE "Below is a Python script with a self-contained function that solves the problem and passes corresponding tests:"

// The stop strings: completion mode EvalPlus's EOS plus "\ndef ", "\nclass ", "\nimport ",
// "\nfrom ", "\nassert " (HumanEval) or "\n\"\"\"", "\nassert" (MBPP); chat mode the EOS
// plus "\n```\n".
const char *const *wmss_code_stop_strings(wmss_code_kind kind, int chat, int *n);
// The chat user message (malloc'd): the instruction and the task in a ``` block.
char *wmss_code_chat_message(const wmss_code_bench *b, int i);

// How a model's text becomes the program graded.
typedef enum {
    WMSS_CODE_AUTO = 0,     // chat if the text has a ``` block or defines the entry point, else completion
    WMSS_CODE_COMPLETION,   // prompt + text cut at the first stop string
    WMSS_CODE_CHAT,         // the longest ``` code block (else the text), sanitized
    WMSS_CODE_SOLUTION,     // the text is the whole program, as it is
} wmss_code_mode;

// The program for item i (malloc'd); *sanitize = 1 when the harness should reduce it to
// the entry point and what it needs.
char *wmss_code_program(const wmss_code_bench *b, int i, const char *text, wmss_code_mode mode, int *sanitize);

// ---- grading (src/eval/code_grade.c) ----

typedef struct {
    wmss_sandbox_limits limits;  // per program; timeout 0: 20 s (HumanEval, MBPP), 60 s (HumanEval+)
    double time_factor;          // HumanEval+ per-input limit: max(time_floor, time_factor * t) (4)
    double time_floor;           // (1 s)
    FILE *log;                   // progress; NULL quiet
} wmss_code_grade_opts;

void wmss_code_grade_opts_default(wmss_code_grade_opts *o);

typedef struct {
    int index;            // item
    const char *program;  // from wmss_code_program
    int sanitize;
} wmss_code_sample;

typedef struct {
    int correct;          // every test passed (HumanEval+: base and plus)
    int base_correct;     // HumanEval+: the base inputs passed; else = correct
    char reason[32];      // "" when correct; assertion, exception, timeout, memory, output limit, killed, file size, no result
    char detail[320];     // the exception, the failing test or input
    int n_tests, n_passed;
    double wall_s;
} wmss_code_verdict;

// Grades n samples (in parallel, o->limits.jobs at a time); v[k] for s[k].
int wmss_code_grade(const wmss_code_bench *b, const wmss_code_sample *s, int n, const wmss_code_grade_opts *o,
                    wmss_code_verdict *v, wmss_error *e);

#endif
