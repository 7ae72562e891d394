// Grading of model outputs on the paper's math benchmarks (GSM8K, MATH-500, SVAMP,
// MAWPS, AQuA, AIME 2025, AMC 2023): the benchmark table, a loader for the benchmark
// files, and one call that extracts the answer from a model's output and checks it
// against the gold answer. What each checker accepts is in docs/grading.md.
//
//   numeric (GSM8K, SVAMP, MAWPS): the last \boxed{} answer, else the phrase "answer
//     is ..." / "answer: ...", else the last number; thousands separators, "$", "%",
//     units and trailing ".0" handled; equal within a relative tolerance of 1e-6.
//   choice (AQuA): the option letter (boxed, after "answer is", else the last "(X)"), or a
//     boxed value mapped to the option whose text it equals.
//   latex (MATH-500, AIME, AMC): the last brace-balanced \boxed{} / \fbox{} (else "answer
//     is", else the last number), LaTeX normalization, then exact rational comparison,
//     numeric comparison for radicals and pi, tuples / intervals / sets / matrices
//     element by element.
//
// Arbitrary output text never fails and never crashes: work is linear in the output
// size, nesting is handled with heap stacks or bounded depth. The functions fail (-1)
// only for a bad gold answer or out of memory.
#ifndef WMSS_GRADE_H
#define WMSS_GRADE_H

#include "error.h"

typedef enum {
    WMSS_BENCH_NUMERIC = 0,  // a number; relative tolerance 1e-6
    WMSS_BENCH_CHOICE,       // a letter A-E; options "(A) ... (E)" inside the question
    WMSS_BENCH_LATEX,        // a LaTeX expression, tuple, interval, set, ...
} wmss_bench_kind;

// One benchmark: where its file is (relative to the benchmarks folder), which fields
// hold the question and the gold answer, how the gold is stored, how it is checked.
typedef struct {
    const char *name;            // "gsm8k"
    const char *file;            // "gsm8k/test.jsonl", relative to the benchmarks folder
    const char *question_field;  // "question"
    const char *gold_field;      // "answer"
    const char *solution_field;  // a worked solution, when the file has one ("solution"), else NULL
    int gold_after_hashes;       // 1: the gold number follows "#### " at the end of the field (GSM8K)
    wmss_bench_kind kind;
    int max_new_tokens;          // the paper's generation budget (4096; 8192 for AIME / AMC)
} wmss_bench_info;

// The table, by name (NULL if unknown) or by position (0 <= i < wmss_bench_count()).
const wmss_bench_info *wmss_bench_find(const char *name);
int wmss_bench_count(void);
const wmss_bench_info *wmss_bench_at(int i);
const char *wmss_bench_kind_name(wmss_bench_kind kind);  // "numeric", "choice", "latex"

// The benchmarks folder: $WMSS_BENCHMARKS if set; else the first "shared/benchmarks"
// found in a parent folder of the running executable (build/wmss in a checkout with
// shared/ beside it); else the same search from the current directory.
int wmss_benchmarks_dir(char *out, size_t cap, wmss_error *e);

// A loaded benchmark: n items in file order (item i is "index" i of a predictions file).
typedef struct {
    const wmss_bench_info *info;
    char path[4096];   // the file read
    int n;
    char **question;   // (n) question text (AQuA: with its "Answer Choices: (A) ...")
    char **gold;       // (n) the gold answer as graded (GSM8K: the number after "#### ")
    char **gold_text;  // (n) the gold field as stored (GSM8K: the whole rationale)
    char **solution;   // (n) worked solution (GSM8K: the rationale; MATH-500: "solution"), or NULL
} wmss_bench;

// Loads benchmark `name` from path: a file, a benchmarks folder (then info->file inside
// it), or NULL for wmss_benchmarks_dir(). JSON arrays and JSONL are both read (by
// content, not by extension). Every gold answer is checked to be gradable (numeric:
// a number; choice: a letter A-E); errors name the file and line.
int wmss_bench_load(const char *name, const char *path, wmss_bench *b, wmss_error *e);
void wmss_bench_free(wmss_bench *b);

#define WMSS_GRADE_TEXT_MAX 512

typedef struct {
    int correct;      // 1: the extracted answer equals the gold answer
    int found;        // 1: an answer was extracted from the output
    const char *method;  // how it was found: "boxed", "answer-is", "last-number", "last-letter", "none"
    char extracted[WMSS_GRADE_TEXT_MAX];  // the answer as found (AQuA: the letter), cut with "..."
} wmss_grade_result;

// Grades one output against one gold answer (as in wmss_bench.gold). question is used
// by the choice checker (its options) and may be NULL otherwise.
int wmss_grade_item(wmss_bench_kind kind, const char *output, const char *gold, const char *question,
                    wmss_grade_result *r, wmss_error *e);

// The same for item i of a loaded benchmark.
int wmss_grade_bench_item(const wmss_bench *b, int i, const char *output, wmss_grade_result *r, wmss_error *e);

// Equivalence of two answers as the checkers decide it (no extraction): a and b are
// answer texts such as "\frac{1}{2}" and "0.5". Exposed for tests and tools.
int wmss_grade_equal(wmss_bench_kind kind, const char *a, const char *b, const char *question);

#endif
