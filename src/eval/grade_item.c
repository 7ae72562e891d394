// wmss_grade_item: checks the gold answer, runs the benchmark kind's extraction ladder
// and comparison, and fills the result. Also the LaTeX checker's ladder.
#include <string.h>

#include "grade_internal.h"

void grade_set_extracted(wmss_grade_result *r, const char *method, const char *s, size_t n) {
    r->found = 1;
    r->method = method;
    g_copy_cut(r->extracted, sizeof r->extracted, s, n);
}

// Prose rather than an answer after "the answer is": four or more plain words.
static int looks_like_prose(const char *s, size_t n) {
    int words = 0;
    for (size_t i = 0; i < n;) {
        if (s[i] == '\\') {  // a control word is not a word of prose
            size_t L = g_control_len(s + i, n - i);
            i += L ? L : 1;
            continue;
        }
        size_t j = i;
        while (j < n && g_isalpha((unsigned char)s[j])) j++;
        if (j - i >= 2 && (i == 0 || s[i - 1] == ' ') && (j == n || s[j] == ' ' || s[j] == ',' || s[j] == '.')) words++;
        i = j > i ? j : i + 1;
    }
    return words >= 4;
}

int grade_latex_item(const char *out, size_t n, const char *gold, wmss_grade_result *r) {
    size_t gl = strlen(gold);
    gspan sp;
    int rc = grade_find_boxed(out, n, &sp);
    if (rc < 0) return -1;
    if (rc) {
        grade_set_extracted(r, "boxed", out + sp.start, sp.len);
        rc = grade_latex_equal_pred(out + sp.start, sp.len, gold, gl);
        if (rc < 0) return -1;
        r->correct = rc;
        return 0;
    }
    if (grade_find_answer_phrase(out, n, &sp)) {
        const char *p = out + sp.start;
        gspan m;
        size_t s = 0, e = sp.len;
        if (grade_find_math(p, sp.len, &m)) {
            s = m.start;
            e = m.start + m.len;
        } else {
            // "The answer is 12 cm. So ..." : up to the end of the sentence.
            e = 0;
            while (e < sp.len && !(p[e] == '.' && (e + 1 == sp.len || g_isspace((unsigned char)p[e + 1])))) e++;
        }
        while (s < e && g_isspace((unsigned char)p[s])) s++;
        while (e > s && g_isspace((unsigned char)p[e - 1])) e--;
        if (e > s && !looks_like_prose(p + s, e - s)) {
            grade_set_extracted(r, "answer-is", p + s, e - s);
            rc = grade_latex_equal_pred(p + s, e - s, gold, gl);
            if (rc < 0) return -1;
            r->correct = rc;
            return 0;
        }
    }
    gnumber t;
    if (grade_last_number(out, n, 1, &t)) {
        grade_set_extracted(r, "last-number", out + t.start, t.len);
        rc = grade_latex_equal_pred(out + t.start, t.len, gold, gl);
        if (rc < 0) return -1;
        r->correct = rc;
    }
    return 0;
}

static int blank(const char *s) {
    for (; *s; s++)
        if (!g_isspace((unsigned char)*s)) return 0;
    return 1;
}

int wmss_grade_item(wmss_bench_kind kind, const char *output, const char *gold, const char *question,
                    wmss_grade_result *r, wmss_error *e) {
    memset(r, 0, sizeof *r);
    r->method = "none";
    if (!output) output = "";
    if (!gold || blank(gold)) return wmss_fail(e, "grade: empty gold answer");
    size_t n = strlen(output);
    int rc;
    switch (kind) {
    case WMSS_BENCH_NUMERIC: {
        gval g;
        rc = grade_numeric_value(gold, strlen(gold), &g);
        if (rc == 0) return wmss_fail(e, "grade: gold answer \"%.200s\" is not a number", gold);
        if (rc > 0) rc = grade_numeric_item(output, n, &g, r);
        break;
    }
    case WMSS_BENCH_CHOICE: {
        char g = grade_choice_gold(gold);
        if (!g) return wmss_fail(e, "grade: gold answer \"%.200s\" is not an option letter A-E", gold);
        rc = grade_choice_item(output, n, g, question, r);
        break;
    }
    case WMSS_BENCH_LATEX:
        rc = grade_latex_item(output, n, gold, r);
        break;
    default:
        return wmss_fail(e, "grade: unknown benchmark kind %d", (int)kind);
    }
    if (rc < 0) return wmss_fail(e, "grade: out of memory");
    return 0;
}

int wmss_grade_bench_item(const wmss_bench *b, int i, const char *output, wmss_grade_result *r, wmss_error *e) {
    if (i < 0 || i >= b->n) return wmss_fail(e, "%s: no item %d (the benchmark has %d)", b->path, i, b->n);
    if (wmss_grade_item(b->info->kind, output, b->gold[i], b->question[i], r, e))
        return wmss_error_prefix(e, "%s: item %d", b->path, i);
    return 0;
}

int wmss_grade_equal(wmss_bench_kind kind, const char *a, const char *b, const char *question) {
    size_t na = strlen(a), nb = strlen(b);
    switch (kind) {
    case WMSS_BENCH_NUMERIC: {
        gval x, y;
        return grade_numeric_value(a, na, &x) == 1 && grade_numeric_value(b, nb, &y) == 1 && grade_numeric_equal(&x, &y);
    }
    case WMSS_BENCH_CHOICE: {
        char x, y;
        return grade_choice_letter(a, na, question, &x) == 1 && grade_choice_letter(b, nb, question, &y) == 1 && x == y;
    }
    case WMSS_BENCH_LATEX:
        return grade_latex_equal(a, na, b, nb) == 1;
    }
    return 0;
}
