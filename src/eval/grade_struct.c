// The LaTeX checker: two answers are normalized, then compared as
//   unions      A \cup B, parts matched in any order
//   matrices    \begin{pmatrix} a \\ b \end{pmatrix} (also bmatrix / matrix), cell by cell;
//               a column vector also equals a parenthesized tuple of its entries
//   tuples and intervals  (a, b), [a, b), ...: same brackets, same order
//   sets and lists        \{a, b\} or "a, b": same elements in any order; a \pm b
//                         stands for the two elements a+b and a-b
//   scalars     equal strings, equal values (exact rationals; 1e-9 relative for values
//               with radicals or pi), or the same words ignoring case
// Nesting is followed to a fixed depth; beyond it, strings are compared.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grade_internal.h"

#define MAX_PARTS 64
#define MAX_NEST 6
#define SCALAR_TOL 1e-9

typedef struct {
    const char *s;
    size_t n;
} view;

static int view_eq(view a, view b) { return a.n == b.n && !memcmp(a.s, b.s, a.n); }

static int is_open(const char *s, size_t n, size_t i, size_t *len) {
    if (s[i] == '(' || s[i] == '[' || s[i] == '{') { *len = 1; return 1; }
    if (s[i] == '\\' && i + 1 < n && s[i + 1] == '{') { *len = 2; return 1; }
    return 0;
}

static int is_close(const char *s, size_t n, size_t i, size_t *len) {
    if (s[i] == ')' || s[i] == ']' || s[i] == '}') { *len = 1; return 1; }
    if (s[i] == '\\' && i + 1 < n && s[i + 1] == '}') { *len = 2; return 1; }
    return 0;
}

// Splits v at top-level occurrences of sep (bracket depth 0). Returns the number of
// parts, or -1 if brackets are unbalanced or there are more than MAX_PARTS.
static int split_top(view v, const char *sep, view *parts) {
    size_t sl = strlen(sep), depth = 0, start = 0;
    int np = 0;
    for (size_t i = 0; i < v.n;) {
        size_t L;
        if (is_open(v.s, v.n, i, &L)) { depth++; i += L; continue; }
        if (is_close(v.s, v.n, i, &L)) {
            if (depth == 0) return -1;
            depth--;
            i += L;
            continue;
        }
        if (depth == 0 && v.n - i >= sl && !memcmp(v.s + i, sep, sl) &&
            !(g_isalpha((unsigned char)sep[sl - 1]) && i + sl < v.n && g_isalpha((unsigned char)v.s[i + sl]))) {
            if (np == MAX_PARTS) return -1;
            parts[np].s = v.s + start;
            parts[np].n = i - start;
            np++;
            i += sl;
            start = i;
            continue;
        }
        if (v.s[i] == '\\') { i += g_control_len(v.s + i, v.n - i); continue; }
        i++;
    }
    if (depth != 0 || np == MAX_PARTS) return -1;
    parts[np].s = v.s + start;
    parts[np].n = v.n - start;
    return np + 1;
}

// Does the bracket opened at v.s[0] close exactly at the end of v?
static int wrapped(view v) {
    size_t depth = 0;
    for (size_t i = 0; i < v.n;) {
        size_t L;
        if (is_open(v.s, v.n, i, &L)) { depth++; i += L; continue; }
        if (is_close(v.s, v.n, i, &L)) {
            if (depth == 0) return 0;
            depth--;
            i += L;
            if (depth == 0) return i == v.n;
            continue;
        }
        if (v.s[i] == '\\') { i += g_control_len(v.s + i, v.n - i); continue; }
        i++;
    }
    return 0;
}

static view trim_var(view v) {
    gspan sp = {0, v.n};
    grade_strip_var(v.s, &sp);
    view r = {v.s + sp.start, sp.len};
    return r;
}

static int words_equal_ci(view a, view b) {
    if (a.n != b.n || a.n < 2) return 0;
    for (size_t i = 0; i < a.n; i++) {
        if (!g_isalpha((unsigned char)a.s[i]) && a.s[i] != ' ') return 0;
        if (g_tolower((unsigned char)a.s[i]) != g_tolower((unsigned char)b.s[i])) return 0;
    }
    return 1;
}

// "52_8", "4210_{5}": a numeral with a base subscript; *digits receives the numeral.
static int base_numeral(view v, view *digits) {
    size_t i = 0;
    while (i < v.n && (g_isdigit((unsigned char)v.s[i]) || (v.s[i] >= 'A' && v.s[i] <= 'Z'))) i++;
    if (i == 0 || i >= v.n || v.s[i] != '_') return 0;
    size_t j = i + 1, braced = j < v.n && v.s[j] == '{';
    j += braced;
    size_t d = j;
    while (j < v.n && g_isdigit((unsigned char)v.s[j])) j++;
    if (j == d || (braced && (j >= v.n || v.s[j++] != '}')) || j != v.n) return 0;
    digits->s = v.s;
    digits->n = i;
    return 1;
}

static int scalar_equal(view a, view b) {
    a = trim_var(a);
    b = trim_var(b);
    if (view_eq(a, b)) return 1;
    gval va, vb;
    if (grade_eval(a.s, a.n, &va) && grade_eval(b.s, b.n, &vb)) return gval_equal(&va, &vb, SCALAR_TOL);
    // "52_8" and "52": the same numeral, one without its base subscript.
    view da, db;
    int ba = base_numeral(a, &da), bb = base_numeral(b, &db);
    if (ba != bb) return view_eq(ba ? da : a, bb ? db : b);
    return words_equal_ci(a, b);
}

// The rows and cells of a matrix environment; returns 1 and fills cells (row-major),
// *rows and *cols, or 0 if v is not a rectangular matrix.
static int matrix_cells(view v, view *cells, int *rows, int *cols) {
    static const char *const envs[] = {"pmatrix", "bmatrix", "matrix", "Bmatrix"};
    for (int k = 0; k < 4; k++) {
        char open[32], close[32];
        snprintf(open, sizeof open, "\\begin{%s}", envs[k]);
        snprintf(close, sizeof close, "\\end{%s}", envs[k]);
        size_t ol = strlen(open), cl = strlen(close);
        if (v.n < ol + cl || memcmp(v.s, open, ol) || memcmp(v.s + v.n - cl, close, cl)) continue;
        view body = {v.s + ol, v.n - ol - cl};
        view rowv[MAX_PARTS];
        int nr = split_top(body, "\\\\", rowv);
        if (nr < 1) return 0;
        if (nr > 1 && rowv[nr - 1].n == 0) nr--;  // a trailing "\\"
        int nc = -1, total = 0;
        for (int r = 0; r < nr; r++) {
            view cv[MAX_PARTS];
            int c = split_top(rowv[r], "&", cv);
            if (c < 1 || (nc >= 0 && c != nc) || total + c > MAX_PARTS) return 0;
            nc = c;
            for (int j = 0; j < c; j++) cells[total++] = cv[j];
        }
        *rows = nr;
        *cols = nc;
        return 1;
    }
    return 0;
}

typedef enum { K_SCALAR, K_TUPLE, K_SET } kind;

typedef struct {
    kind k;
    char open, close;  // tuples: the bracket characters
    int n;
    view el[2 * MAX_PARTS];
    gstr own[2 * MAX_PARTS];  // storage for elements made by expanding \pm
} shape;

static void shape_free(shape *sh) {
    for (int i = 0; i < sh->n; i++) gs_free(&sh->own[i]);
}

// Adds element e to a set, expanding one top-level "a \pm b" into a+b and a-b.
static int add_set_element(shape *sh, view e) {
    view pm[MAX_PARTS];
    int np = split_top(e, "\\pm", pm);
    if (np == 2 && sh->n + 2 <= 2 * MAX_PARTS) {
        for (int sign = 0; sign < 2; sign++) {
            gstr *g = &sh->own[sh->n];
            gs_init(g);
            gs_put(g, pm[0].s, pm[0].n);
            gs_putc(g, sign ? '-' : '+');
            gs_put(g, pm[1].s, pm[1].n);
            if (g->oom) { sh->n++; return -1; }
            // "\pm 3" -> "+3" and "-3": a leading '+' is not part of the value's text
            view nv = {g->p, g->n};
            if (pm[0].n == 0 && !sign) nv.s++, nv.n--;
            sh->el[sh->n++] = nv;
        }
        return 0;
    }
    if (sh->n + 1 > 2 * MAX_PARTS) return -1;
    gs_init(&sh->own[sh->n]);
    sh->el[sh->n++] = trim_var(e);
    return 0;
}

// Classifies v as a tuple/interval, a set/list or a scalar (possibly with \pm).
static int classify(view v, shape *sh) {
    memset(sh, 0, sizeof *sh);
    sh->k = K_SCALAR;
    view parts[MAX_PARTS];
    // \{ ... \} or \emptyset
    if (v.n >= 4 && !memcmp(v.s, "\\{", 2) && !memcmp(v.s + v.n - 2, "\\}", 2) && wrapped(v)) {
        view inner = {v.s + 2, v.n - 4};
        sh->k = K_SET;
        if (inner.n == 0) return 0;
        int np = split_top(inner, ",", parts);
        if (np < 1) { sh->k = K_SCALAR; return 0; }
        for (int i = 0; i < np; i++)
            if (add_set_element(sh, parts[i])) return -1;
        return 0;
    }
    if (v.n >= 2 && (v.s[0] == '(' || v.s[0] == '[') && (v.s[v.n - 1] == ')' || v.s[v.n - 1] == ']') && wrapped(v)) {
        view inner = {v.s + 1, v.n - 2};
        int np = split_top(inner, ",", parts);
        if (np >= 2) {
            sh->k = K_TUPLE;
            sh->open = v.s[0];
            sh->close = v.s[v.n - 1];
            for (int i = 0; i < np; i++) {
                gs_init(&sh->own[i]);
                sh->el[sh->n++] = parts[i];
            }
            return 0;
        }
    }
    int np = split_top(v, ",", parts);
    if (np >= 2) {
        sh->k = K_SET;  // a bare list: "1, -2"
        for (int i = 0; i < np; i++)
            if (add_set_element(sh, parts[i])) return -1;
        return 0;
    }
    view pm[MAX_PARTS];
    if (split_top(v, "\\pm", pm) == 2) {
        sh->k = K_SET;
        return add_set_element(sh, v);
    }
    return 0;
}

static int equiv(view a, view b, int depth);

// Matches every element of A with a distinct equal element of B (any order).
static int match_unordered(const view *a, int na, const view *b, int nb, int depth) {
    if (na != nb) return 0;
    char used[2 * MAX_PARTS] = {0};
    for (int i = 0; i < na; i++) {
        int found = 0;
        for (int j = 0; j < nb && !found; j++) {
            if (used[j]) continue;
            int r = equiv(a[i], b[j], depth + 1);
            if (r < 0) return -1;
            if (r) used[j] = 1, found = 1;
        }
        if (!found) return 0;
    }
    return 1;
}

static int match_ordered(const view *a, const view *b, int n, int depth) {
    for (int i = 0; i < n; i++) {
        int r = equiv(a[i], b[i], depth + 1);
        if (r <= 0) return r;
    }
    return 1;
}

static int equiv(view a, view b, int depth) {
    a = trim_var(a);
    b = trim_var(b);
    if (view_eq(a, b)) return 1;
    if (depth > MAX_NEST || a.n > GRADE_ANSWER_MAX || b.n > GRADE_ANSWER_MAX) return 0;
    view pa[MAX_PARTS], pb[MAX_PARTS];
    int na = split_top(a, "\\cup", pa), nb = split_top(b, "\\cup", pb);
    if ((na > 1 || nb > 1) && na > 0 && nb > 0) return match_unordered(pa, na, pb, nb, depth);
    view ca[MAX_PARTS], cb[MAX_PARTS];
    int ra, ka, rb, kb;
    int ma = matrix_cells(a, ca, &ra, &ka), mb = matrix_cells(b, cb, &rb, &kb);
    if (ma && mb) return ra == rb && ka == kb ? match_ordered(ca, cb, ra * ka, depth) : 0;
    shape *sa = malloc(sizeof *sa), *sb = malloc(sizeof *sb);
    int r = -1;
    if (!sa || !sb || classify(a, sa) || classify(b, sb)) goto done;
    r = 0;
    if (ma || mb) {
        // A column vector equals the tuple "(a, b, c)" of its entries.
        const view *cells = ma ? ca : cb;
        int rows = ma ? ra : rb, cols = ma ? ka : kb;
        const shape *t = ma ? sb : sa;
        if (cols == 1 && t->k == K_TUPLE && t->open == '(' && t->close == ')' && t->n == rows)
            r = ma ? match_ordered(cells, t->el, rows, depth) : match_ordered(t->el, cells, rows, depth);
        goto done;
    }
    if (sa->k == K_TUPLE && sb->k == K_TUPLE) {
        if (sa->open == sb->open && sa->close == sb->close && sa->n == sb->n) r = match_ordered(sa->el, sb->el, sa->n, depth);
    } else if (sa->k == K_SET && sb->k == K_SET) {
        r = match_unordered(sa->el, sa->n, sb->el, sb->n, depth);
    } else if (sa->k == K_SCALAR && sb->k == K_SCALAR) {
        r = scalar_equal(a, b);
    }
done:
    if (sa) shape_free(sa);
    if (sb) shape_free(sb);
    free(sa);
    free(sb);
    return r;
}

// A predicted answer may carry a derivation the gold does not: "\frac{6}{2} = 3",
// "AB = 5", "\frac{1}{3} \approx 0.33". When the plain comparison fails, the part
// after the last top-level '=' (if the gold has none and the prediction is not a list)
// and the part before "\approx" are compared too. Only the prediction is cut this
// way: a gold equation such as "5x + 4 = 0" must not match "0".
static int equiv_pred(view p, view g) {
    view parts[MAX_PARTS];
    int np = split_top(p, "\\approx", parts);
    if (np >= 2 && parts[0].n > 0) {
        int r = equiv(parts[0], g, 0);
        if (r) return r;
        p = parts[0];
    }
    view gp[MAX_PARTS], cp[MAX_PARTS];
    if (memchr(p.s, '<', p.n) || memchr(p.s, '>', p.n) || memchr(p.s, '!', p.n)) return 0;  // "x <= 3"
    np = split_top(p, "=", parts);
    if (np >= 2 && split_top(g, "=", gp) == 1 && split_top(p, ",", cp) == 1 && parts[np - 1].n > 0)
        return equiv(parts[np - 1], g, 0);
    return 0;
}

static int latex_equal(const char *a, size_t na, const char *b, size_t nb, int pred_first) {
    if (na > GRADE_ANSWER_MAX || nb > GRADE_ANSWER_MAX) return na == nb && !memcmp(a, b, na);
    gstr x, y;
    gs_init(&x);
    gs_init(&y);
    int r = -1;
    if (!grade_latex_normalize(a, na, &x) && !grade_latex_normalize(b, nb, &y)) {
        view vx = {x.p, x.n}, vy = {y.p, y.n};
        r = (x.n == 0 || y.n == 0) ? 0 : equiv(vx, vy, 0);
        if (r == 0 && pred_first && x.n && y.n) r = equiv_pred(vx, vy);
    }
    gs_free(&x);
    gs_free(&y);
    return r;
}

int grade_latex_equal(const char *a, size_t na, const char *b, size_t nb) { return latex_equal(a, na, b, nb, 0); }

int grade_latex_equal_pred(const char *pred, size_t np, const char *gold, size_t ng) {
    return latex_equal(pred, np, gold, ng, 1);
}
