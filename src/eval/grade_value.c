// Evaluation of a normalized answer to a number: exact rationals while every step is
// rational (integers, decimals, fractions, integer powers, perfect-square roots), a
// double once a step is irrational (\sqrt{2}, \pi, fractional powers). Recursive
// descent with a depth bound, so nesting cannot exhaust the stack.
//
//   expr   := term (('+' | '-') term)*
//   term   := unary (('*' | \cdot | \times | '/' | \div) unary | power)*     (implicit product)
//   unary  := ('-' | '+') unary | power
//   power  := atom ['!'] ['^' (group | digits | atom)]
//   atom   := number [\frac{int}{int}] (mixed number) | \frac group group | \binom group group
//           | \sqrt ['[' expr ']'] group | \pi | '(' expr ')' | '{' expr '}'
#include <math.h>
#include <string.h>

#include "grade_internal.h"

#define MAX_DEPTH 64

typedef struct {
    const char *s;
    size_t n, i;
    int depth;
    int fail;
} parser;

static void skip_spaces(parser *P) {
    while (P->i < P->n && P->s[P->i] == ' ') P->i++;
}

static int peek(parser *P) {
    skip_spaces(P);
    return P->i < P->n ? (unsigned char)P->s[P->i] : -1;
}

// Is the control word `w` (without backslash) next? Consumes it if so.
static int eat_word(parser *P, const char *w) {
    skip_spaces(P);
    size_t L = g_control_len(P->s + P->i, P->n - P->i);
    if (L < 2 || L - 1 != strlen(w) || memcmp(P->s + P->i + 1, w, L - 1)) return 0;
    P->i += L;
    return 1;
}

static int next_is_word(parser *P, const char *w) {
    size_t save = P->i;
    int r = eat_word(P, w);
    P->i = save;
    return r;
}

static void set_exact(gval *v, gq q) {
    v->exact = 1;
    v->q = q;
    v->d = gq_to_double(q);
}

static void set_double(parser *P, gval *v, double d) {
    if (!isfinite(d)) P->fail = 1;
    v->exact = 0;
    v->d = d;
}

static void v_add(parser *P, gval *a, const gval *b, int sub) {
    if (a->exact && b->exact) {
        gq r;
        if ((sub ? gq_sub : gq_add)(a->q, b->q, &r)) P->fail = 1;  // overflow: not comparable exactly
        else set_exact(a, r);
        return;
    }
    set_double(P, a, sub ? a->d - b->d : a->d + b->d);
}

static void v_mul(parser *P, gval *a, const gval *b) {
    if (a->exact && b->exact) {
        gq r;
        if (gq_mul(a->q, b->q, &r)) P->fail = 1;
        else set_exact(a, r);
        return;
    }
    set_double(P, a, a->d * b->d);
}

static void v_div(parser *P, gval *a, const gval *b) {
    if (b->d == 0 || (b->exact && b->q.num == 0)) {
        P->fail = 1;
        return;
    }
    if (a->exact && b->exact) {
        gq r;
        if (gq_div(a->q, b->q, &r)) P->fail = 1;
        else set_exact(a, r);
        return;
    }
    set_double(P, a, a->d / b->d);
}

static void v_neg(gval *a) {
    if (a->exact) gq_neg(a->q, &a->q);
    a->d = -a->d;
}

// Exact k-th root of a rational (k >= 2) if it exists.
static int root_exact(gq a, long long k, gq *out) {
    if (k == 2) return gq_sqrt(a, out);
    if (k > 64) return -1;
    int neg = a.num < 0;
    if (neg && k % 2 == 0) return -1;
    gi128 parts[2] = {neg ? -a.num : a.num, a.den}, roots[2];
    for (int p = 0; p < 2; p++) {
        double est = round(pow((double)parts[p], 1.0 / (double)k));
        int ok = 0;
        for (int delta = -1; delta <= 1 && !ok; delta++) {
            gq r, rk;
            if (est + delta < 0 || gq_int((long long)(est + delta), &r) || gq_pow(r, k, &rk)) continue;
            if (rk.num == parts[p]) {
                roots[p] = r.num;
                ok = 1;
            }
        }
        if (!ok) return -1;
    }
    return gq_make(neg ? -roots[0] : roots[0], roots[1], out);
}

static void v_root(parser *P, gval *a, long long k) {
    gq r;
    if (a->exact && k >= 2 && root_exact(a->q, k, &r) == 0) {
        set_exact(a, r);
        return;
    }
    if (a->d < 0 && k % 2 == 0) {
        P->fail = 1;  // not a real number
        return;
    }
    double m = pow(fabs(a->d), 1.0 / (double)k);
    set_double(P, a, a->d < 0 ? -m : m);
}

static void v_pow(parser *P, gval *a, const gval *b) {
    if (a->exact && b->exact) {
        gq base = a->q, r;
        gi128 num = b->q.num, den = b->q.den;
        if (den == 1 || den == 2 || den == 3) {
            if (den > 1 && root_exact(base, (long long)den, &base)) goto inexact;
            if (num > 100000 || num < -100000) { P->fail = 1; return; }
            if (base.num == 0 && num < 0) { P->fail = 1; return; }
            if (gq_pow(base, (long long)num, &r)) { P->fail = 1; return; }
            set_exact(a, r);
            return;
        }
    }
inexact:
    if (a->d < 0 && !(b->exact && b->q.den == 1)) {
        P->fail = 1;
        return;
    }
    set_double(P, a, pow(a->d, b->d));
}

static void parse_expr(parser *P, gval *v);
static void parse_unary(parser *P, gval *v);

// A braced group "{ expr }".
static void parse_group(parser *P, gval *v) {
    if (peek(P) != '{') { P->fail = 1; return; }
    P->i++;
    parse_expr(P, v);
    if (peek(P) != '}') { P->fail = 1; return; }
    P->i++;
}

// A run of digits with an optional decimal part at P->i; *integer = no point.
static int parse_number(parser *P, gval *v, int *integer) {
    skip_spaces(P);
    size_t j = P->i;
    while (j < P->n && g_isdigit((unsigned char)P->s[j])) j++;
    *integer = 1;
    if (j < P->n && P->s[j] == '.' && j + 1 < P->n && g_isdigit((unsigned char)P->s[j + 1])) {
        *integer = 0;
        j++;
        while (j < P->n && g_isdigit((unsigned char)P->s[j])) j++;
    }
    gq q;
    if (j == P->i || gq_parse_decimal(P->s + P->i, j - P->i, &q)) return 0;
    P->i = j;
    set_exact(v, q);
    return 1;
}

// "\frac{12}{5}" with plain integer numerator and denominator, for mixed numbers.
static int plain_fraction_next(parser *P) {
    size_t j = P->i;
    if (!(P->n - j >= 5 && !memcmp(P->s + j, "\\frac", 5))) return 0;
    j += 5;
    for (int part = 0; part < 2; part++) {
        if (j >= P->n || P->s[j] != '{') return 0;
        j++;
        size_t d = j;
        while (j < P->n && g_isdigit((unsigned char)P->s[j])) j++;
        if (j == d || j >= P->n || P->s[j] != '}') return 0;
        j++;
    }
    return 1;
}

static void parse_atom(parser *P, gval *v) {
    int c = peek(P);
    int integer;
    if ((c >= '0' && c <= '9') || c == '.') {
        if (!parse_number(P, v, &integer)) { P->fail = 1; return; }
        if (integer && plain_fraction_next(P)) {  // 2\frac{1}{2} = 5/2
            gval f;
            parse_atom(P, &f);
            if (!P->fail && v->exact && f.exact) v_add(P, v, &f, 0);
        }
        return;
    }
    if (c == '(' || c == '{') {
        P->i++;
        parse_expr(P, v);
        if (peek(P) != (c == '(' ? ')' : '}')) { P->fail = 1; return; }
        P->i++;
        return;
    }
    if (eat_word(P, "frac")) {
        gval d;
        parse_group(P, v);
        parse_group(P, &d);
        if (!P->fail) v_div(P, v, &d);
        return;
    }
    if (eat_word(P, "binom")) {
        gval k;
        parse_group(P, v);
        parse_group(P, &k);
        if (P->fail || !v->exact || !k.exact || v->q.den != 1 || k.q.den != 1 || v->q.num < 0 || k.q.num < 0 ||
            k.q.num > v->q.num || v->q.num > 1000000) {
            P->fail = 1;
            return;
        }
        gq r, t;
        gq_int(1, &r);
        long long nn = (long long)v->q.num, kk = (long long)k.q.num;
        if (kk > nn - kk) kk = nn - kk;
        for (long long j = 1; j <= kk && !P->fail; j++) {
            gq f;
            if (gq_make(nn - kk + j, j, &f) || gq_mul(r, f, &t)) P->fail = 1;
            else r = t;
        }
        if (!P->fail) set_exact(v, r);
        return;
    }
    if (eat_word(P, "sqrt")) {
        long long k = 2;
        if (peek(P) == '[') {
            P->i++;
            gval kv;
            parse_expr(P, &kv);
            if (P->fail || peek(P) != ']' || !kv.exact || kv.q.den != 1 || kv.q.num < 2 || kv.q.num > 64) {
                P->fail = 1;
                return;
            }
            P->i++;
            k = (long long)kv.q.num;
        }
        parse_group(P, v);
        if (!P->fail) v_root(P, v, k);
        return;
    }
    if (eat_word(P, "pi")) {
        set_double(P, v, M_PI);
        return;
    }
    P->fail = 1;
}

static void parse_power(parser *P, gval *v) {
    parse_atom(P, v);
    if (P->fail) return;
    if (peek(P) == '!') {  // factorial of a small integer
        P->i++;
        if (!v->exact || v->q.den != 1 || v->q.num < 0 || v->q.num > 30) { P->fail = 1; return; }
        gq r, t;
        gq_int(1, &r);
        for (long long j = 2; j <= (long long)v->q.num && !P->fail; j++) {
            gq f;
            gq_int(j, &f);
            if (gq_mul(r, f, &t)) P->fail = 1;
            else r = t;
        }
        if (!P->fail) set_exact(v, r);
    }
    if (peek(P) != '^') return;
    P->i++;
    gval e;
    int c = peek(P), integer;
    if (c == '{') {
        parse_group(P, &e);
    } else if (c >= '0' && c <= '9') {
        if (!parse_number(P, &e, &integer)) P->fail = 1;
    } else if (c == '-') {  // 2^-1
        P->i++;
        if (!parse_number(P, &e, &integer)) P->fail = 1;
        else v_neg(&e);
    } else {
        P->depth++;
        if (P->depth > MAX_DEPTH) P->fail = 1;
        else parse_atom(P, &e);
        P->depth--;
    }
    if (!P->fail) v_pow(P, v, &e);
}

static void parse_unary(parser *P, gval *v) {
    if (++P->depth > MAX_DEPTH) {
        P->fail = 1;
        P->depth--;
        return;
    }
    int c = peek(P);
    if (c == '-' || c == '+') {
        P->i++;
        parse_unary(P, v);
        if (c == '-' && !P->fail) v_neg(v);
    } else {
        parse_power(P, v);
    }
    P->depth--;
}

static int atom_starts(parser *P) {
    int c = peek(P);
    if ((c >= '0' && c <= '9') || c == '.' || c == '(' || c == '{') return 1;
    return next_is_word(P, "frac") || next_is_word(P, "sqrt") || next_is_word(P, "pi") || next_is_word(P, "binom");
}

static void parse_term(parser *P, gval *v) {
    parse_unary(P, v);
    while (!P->fail) {
        int c = peek(P);
        gval w;
        if (c == '*' || eat_word(P, "cdot") || eat_word(P, "times")) {
            if (c == '*') P->i++;
            parse_unary(P, &w);
            if (!P->fail) v_mul(P, v, &w);
        } else if (c == '/' || eat_word(P, "div")) {
            if (c == '/') P->i++;
            parse_unary(P, &w);
            if (!P->fail) v_div(P, v, &w);
        } else if (atom_starts(P)) {
            parse_power(P, &w);
            if (!P->fail) v_mul(P, v, &w);
        } else {
            break;
        }
    }
}

static void parse_expr(parser *P, gval *v) {
    if (++P->depth > MAX_DEPTH) {
        P->fail = 1;
        P->depth--;
        return;
    }
    parse_term(P, v);
    while (!P->fail) {
        int c = peek(P);
        if (c != '+' && c != '-') break;
        P->i++;
        gval w;
        parse_term(P, &w);
        if (!P->fail) v_add(P, v, &w, c == '-');
    }
    P->depth--;
}

int grade_eval(const char *s, size_t n, gval *v) {
    if (n == 0 || n > GRADE_ANSWER_MAX) return 0;
    parser P = {s, n, 0, 0, 0};
    memset(v, 0, sizeof *v);
    parse_expr(&P, v);
    if (P.fail || peek(&P) != -1) return 0;
    if (!v->exact && !isfinite(v->d)) return 0;
    return 1;
}

int gval_equal(const gval *a, const gval *b, double rel_tol) {
    if (a->exact && b->exact) return gq_eq(a->q, b->q);
    if (!isfinite(a->d) || !isfinite(b->d)) return 0;
    double diff = fabs(a->d - b->d), scale = fmax(fabs(a->d), fabs(b->d));
    return diff <= rel_tol * scale;
}
