// The numeric checker (GSM8K, SVAMP, MAWPS): the answer is the last \boxed{}, else the
// "answer is" phrase, else the last number of the output; its value must equal the gold
// value within a relative tolerance of 1e-6.
#include <stdlib.h>
#include <string.h>

#include "grade_internal.h"

#define NUMERIC_TOL 1e-6

// The value of a number token from running text ("-$1,234.50", "3/4", U+2212 minus "7").
static int token_value(const char *s, size_t n, gval *v) {
    char buf[160];
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (k + 1 >= sizeof buf) return 0;  // a 150-digit number is no answer
        unsigned char c = (unsigned char)s[i];
        if (c == 0xE2 && i + 2 < n) {  // U+2212 minus
            buf[k++] = '-';
            i += 2;
        } else if (c == '-' || c == '.' || c == '/' || g_isdigit(c)) {
            buf[k++] = (char)c;
        }
    }
    buf[k] = '\0';
    int neg = k > 0 && buf[0] == '-';
    char *body = buf + neg, *slash = strchr(body, '/');
    size_t bl = slash ? (size_t)(slash - body) : strlen(body);
    gq num, den;
    memset(v, 0, sizeof *v);
    if (!gq_parse_decimal(body, bl, &num)) {
        if (!slash) {
            v->exact = 1;
            v->q = num;
        } else if (!gq_parse_decimal(slash + 1, strlen(slash + 1), &den) && den.num != 0 && !gq_div(num, den, &v->q)) {
            v->exact = 1;
        }
    }
    if (v->exact) {
        if (neg) gq_neg(v->q, &v->q);
        v->d = gq_to_double(v->q);
        return 1;
    }
    // Too long for exact arithmetic: a double is enough at a 1e-6 tolerance.
    char *end;
    double a = strtod(body, &end), d = slash ? strtod(slash + 1, NULL) : 1.0;
    if (end == body || d == 0) return 0;
    v->d = (neg ? -a : a) / d;
    return 1;
}

int grade_numeric_value(const char *s, size_t n, gval *v) {
    if (n <= GRADE_ANSWER_MAX) {
        gstr norm;
        gs_init(&norm);
        if (grade_latex_normalize(s, n, &norm)) {
            gs_free(&norm);
            return -1;
        }
        gspan sp = {0, norm.n};
        grade_strip_var(norm.p, &sp);
        int ok = grade_eval(norm.p + sp.start, sp.len, v);
        gs_free(&norm);
        if (ok) return 1;
    }
    // "18 eggs", "x = 5 apples": the first number after the last '='.
    size_t start = 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] == '=') start = i + 1;
    gnumber t;
    if (grade_first_number(s + start, n - start, 1, &t)) return token_value(s + start + t.start, t.len, v);
    if (start && grade_first_number(s, n, 1, &t)) return token_value(s + t.start, t.len, v);
    return 0;
}

int grade_numeric_equal(const gval *a, const gval *b) {
    if (a->exact && b->exact && gq_eq(a->q, b->q)) return 1;
    gval x = *a, y = *b;  // compare the values, exact or not, within the tolerance
    x.exact = y.exact = 0;
    return gval_equal(&x, &y, NUMERIC_TOL);
}

int grade_numeric_item(const char *out, size_t n, const gval *gold, wmss_grade_result *r) {
    gspan sp;
    gval v;
    int rc = grade_find_boxed(out, n, &sp);
    if (rc < 0) return -1;
    if (rc) {
        grade_set_extracted(r, "boxed", out + sp.start, sp.len);
        rc = grade_numeric_value(out + sp.start, sp.len, &v);
        if (rc < 0) return -1;
        r->correct = rc && grade_numeric_equal(&v, gold);
        return 0;
    }
    if (grade_find_answer_phrase(out, n, &sp)) {
        const char *p = out + sp.start;
        gspan m;
        if (grade_find_math(p, sp.len, &m)) {
            rc = grade_numeric_value(p + m.start, m.len, &v);
            if (rc < 0) return -1;
            if (rc) {
                grade_set_extracted(r, "answer-is", p + m.start, m.len);
                r->correct = grade_numeric_equal(&v, gold);
                return 0;
            }
        }
        gnumber t;
        if (grade_first_number(p, sp.len, 1, &t) && token_value(p + t.start, t.len, &v)) {
            grade_set_extracted(r, "answer-is", p + t.start, t.len);
            r->correct = grade_numeric_equal(&v, gold);
            return 0;
        }
    }
    gnumber t;
    if (grade_last_number(out, n, 1, &t) && token_value(out + t.start, t.len, &v)) {
        grade_set_extracted(r, "last-number", out + t.start, t.len);
        r->correct = grade_numeric_equal(&v, gold);
    }
    return 0;
}
