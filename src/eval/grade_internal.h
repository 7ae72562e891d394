// Internals of the grader (src/grade.h), shared by src/eval/grade_*.c:
//   grade_str.c       growable strings, character classes
//   grade_extract.c   answer extraction: last \boxed{} / \fbox{}, "answer is", numbers
//   grade_rational.c  exact rationals (128-bit, overflow-checked)
//   grade_latex.c     LaTeX normalization
//   grade_value.c     evaluation of a normalized answer to an exact or approximate number
//   grade_struct.c    tuples, intervals, sets, lists, matrices, unions; the LaTeX checker
//   grade_numeric.c   the numeric checker (GSM8K, SVAMP, MAWPS)
//   grade_choice.c    the multiple-choice checker (AQuA)
//   grade_item.c      wmss_grade_item: dispatch and the result
//   grade_bench.c     the benchmark table and loader
#ifndef WMSS_GRADE_INTERNAL_H
#define WMSS_GRADE_INTERNAL_H

#include <stddef.h>

#include "grade.h"

// Answers longer than this (after extraction) are compared byte for byte only: no
// normalization or evaluation (no gold answer is anywhere near this long).
#define GRADE_ANSWER_MAX 8192
// Only the last GRADE_SCAN_MAX bytes of an output are searched for an answer.
#define GRADE_SCAN_MAX (4u << 20)

// ---- grade_str.c ----
typedef struct {
    char *p;      // NUL-terminated when not oom
    size_t n, cap;
    int oom;      // an allocation failed; the content is then incomplete
} gstr;

void gs_init(gstr *s);
void gs_free(gstr *s);
void gs_clear(gstr *s);
void gs_putc(gstr *s, char c);
void gs_put(gstr *s, const char *p, size_t n);
void gs_puts(gstr *s, const char *p);
// Replaces dst's content by src's (moves the buffer; src becomes empty).
void gs_move(gstr *dst, gstr *src);

int g_isdigit(int c);
int g_isalpha(int c);
int g_isspace(int c);
int g_isalnum(int c);
int g_tolower(int c);
// Case-insensitive prefix test of s[0..n) against the NUL-terminated word.
int g_prefix_ci(const char *s, size_t n, const char *word);
// Length of the control word at s[0] == '\\' (backslash + letters; or backslash + one
// non-letter character); 0 if s[0] is not a backslash.
size_t g_control_len(const char *s, size_t n);
// Copies s[0..n) into out (cap bytes), cut with "..." when longer.
void g_copy_cut(char *out, size_t cap, const char *s, size_t n);

// ---- grade_extract.c ----
typedef struct {
    size_t start, len;
} gspan;

// The content of the last complete \boxed{...} or \fbox{...} (braces balanced, escaped
// braces \{ \} not counted) or "\boxed X" (up to a space or '$'). Empty boxes are skipped.
// Returns 1 found, 0 none, -1 out of memory.
int grade_find_boxed(const char *s, size_t n, gspan *out);
// The text after the last "answer is" / "answer:" (case-insensitive) up to the end of
// its line. Returns 1 found, 0 none.
int grade_find_answer_phrase(const char *s, size_t n, gspan *out);
// The content of the first $...$, \(...\) or \[...\] in s[0..n). Returns 1 found, 0 none.
int grade_find_math(const char *s, size_t n, gspan *out);

// A number in running text: optional sign, optional "$", digits with optional
// thousands groups (1,234,567), optional decimals, or ".5"; with fractions=1 also
// "a/b" written without spaces.
typedef struct {
    size_t start, len;  // the whole token, sign included
} gnumber;
// Number starting exactly at s[i] (sign, '$' or digit), or 0.
int grade_number_at(const char *s, size_t n, size_t i, int fractions, gnumber *t);
int grade_first_number(const char *s, size_t n, int fractions, gnumber *t);
int grade_last_number(const char *s, size_t n, int fractions, gnumber *t);
// A standalone option letter A-E at the start of s (after "(", "option", "choice",
// markdown, "\text{"): writes it to *letter. Returns 1 found, 0 none.
int grade_letter_at_start(const char *s, size_t n, char *letter);

// ---- grade_rational.c ----
__extension__ typedef __int128 gi128;
typedef struct {
    gi128 num, den;  // den > 0, gcd(|num|, den) == 1
} gq;

// All return 0, or -1 on overflow / division by zero.
int gq_make(gi128 num, gi128 den, gq *out);
int gq_int(long long v, gq *out);
int gq_add(gq a, gq b, gq *out);
int gq_sub(gq a, gq b, gq *out);
int gq_mul(gq a, gq b, gq *out);
int gq_div(gq a, gq b, gq *out);
int gq_neg(gq a, gq *out);
int gq_pow(gq a, long long k, gq *out);
// Exact square root if a is the square of a rational: returns 0, else -1.
int gq_sqrt(gq a, gq *out);
int gq_eq(gq a, gq b);
double gq_to_double(gq a);
// Parses a decimal literal "123", "12.5", ".5" (digits only, no sign) exactly.
int gq_parse_decimal(const char *s, size_t n, gq *out);

// ---- grade_latex.c ----
// Normalizes a LaTeX answer: drops \left / \right / spacing commands / "$" / "%" /
// degree marks / \text-wrapped and bare units at the end, unwraps \text{} / \mathrm{},
// \dfrac and \tfrac -> \frac with braced arguments, \sqrt2 -> \sqrt{2}, removes spaces
// (keeping one after a control word before a letter), strips trailing periods, outer
// braces, thousands separators of a lone number, "(C)" -> "C".
// out receives the result; returns -1 when out of memory.
int grade_latex_normalize(const char *s, size_t n, gstr *out);
// Strips a leading "x =" / "x \in" (one variable, a single top-level '=') from a
// normalized answer, in place on the span.
void grade_strip_var(const char *s, gspan *sp);

// ---- grade_value.c ----
typedef struct {
    int exact;  // q holds the exact value
    gq q;
    double d;   // the value (approximation when !exact)
} gval;

// Evaluates a normalized answer: numbers, + - * / ^, \frac, \sqrt, \sqrt[n], \pi,
// \cdot, \times, \div, parentheses, implicit products, mixed numbers (2\frac{1}{2}).
// Returns 1 with a value, 0 if s is not such an expression (letters, \infty, overflow
// of an exact quantity, too deep).
int grade_eval(const char *s, size_t n, gval *v);
// Exact equality when both are exact; otherwise |a-b| <= rel_tol * max(|a|, |b|).
int gval_equal(const gval *a, const gval *b, double rel_tol);

// ---- grade_struct.c ----
// The LaTeX checker on two raw answers (normalizes both). 1 equal, 0 not, -1 oom.
int grade_latex_equal(const char *a, size_t na, const char *b, size_t nb);
// The same for a prediction against a gold answer, also trying the prediction's value
// after its last '=' ("\frac{6}{2} = 3") and before "\approx" (not symmetric).
int grade_latex_equal_pred(const char *pred, size_t np, const char *gold, size_t ng);
// The LaTeX checker's ladder on an output.
int grade_latex_item(const char *out, size_t n, const char *gold, wmss_grade_result *r);

// ---- grade_numeric.c ----
// The value of a numeric answer text (LaTeX allowed: \frac, \$, units, thousands
// separators); 1 found, 0 none, -1 oom.
int grade_numeric_value(const char *s, size_t n, gval *v);
int grade_numeric_equal(const gval *a, const gval *b);  // relative tolerance 1e-6
// The numeric checker's ladder on an output; r->found/extracted/method/correct set.
int grade_numeric_item(const char *out, size_t n, const gval *gold, wmss_grade_result *r);

// ---- grade_choice.c ----
// The options of an AQuA question: text[k] of option 'A'+k (spans into question);
// returns the number found in order (0..5).
int grade_choice_options(const char *question, gspan opt[5]);
// The letter an answer text names: a letter, or a value equal to exactly one option.
// Returns 1 with *letter set, 0 none, -1 oom.
int grade_choice_letter(const char *s, size_t n, const char *question, char *letter);
// The choice checker's ladder on an output (gold: 'A'..'E').
int grade_choice_item(const char *out, size_t n, char gold, const char *question, wmss_grade_result *r);
// The gold letter of a gold answer text ("C", "(C)"), or 0.
char grade_choice_gold(const char *gold);

// ---- grade_item.c ----
// Records an extracted span in r (method, text).
void grade_set_extracted(wmss_grade_result *r, const char *method, const char *s, size_t n);

#endif
