// LaTeX answer normalization, as a chain of linear passes over the string (no recursion,
// brace matching with a heap stack):
//   A  tokens: \left \right \big.. and spacing commands dropped, \dfrac \tfrac -> \frac,
//      degree marks, "$", "%" dropped, Unicode math symbols -> LaTeX, runs of space -> " "
//   B  \text{} \mathrm{} \mbox{} ...: a trailing one after other content is a unit and is
//      dropped (with a following ^2 / ^3); otherwise unwrapped; "\text{ and }" -> ","; bare
//      unit words at the end ("5 cm", "864 inches^2") dropped
//   C  spaces dropped, except one between a control word and a letter ("\cot x")
//   D  \frac12 -> \frac{1}{2}, \frac{270}7 -> \frac{270}{7}, \sqrt2 -> \sqrt{2}
//   E  ^{2} -> ^2, _{8} -> _8 (single-character groups)
//   F  trailing periods, redundant outer braces, leading "+", thousands separators of a
//      lone number (10,080 -> 10080), "(C)" -> "C"
#include <stdlib.h>
#include <string.h>

#include "grade_internal.h"

#define NO_MATCH ((size_t)-1)

// match[i] = index of the '}' closing the '{' at i (NO_MATCH otherwise); escaped
// braces \{ \} are not braces. Returns NULL when out of memory.
static size_t *brace_match(const char *s, size_t n) {
    size_t *match = malloc((n ? n : 1) * sizeof *match), *stack = malloc((n ? n : 1) * sizeof *stack), depth = 0;
    if (!match || !stack) {
        free(match);
        free(stack);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        match[i] = NO_MATCH;
        if (s[i] == '\\') {  // skip the escaped character (\{, \}, \\)
            if (i + 1 < n) match[++i] = NO_MATCH;
            continue;
        }
        if (s[i] == '{') stack[depth++] = i;
        else if (s[i] == '}' && depth) match[stack[--depth]] = i;
    }
    free(stack);
    return match;
}

static int word_is(const char *w, size_t wl, const char *name) { return strlen(name) == wl && !memcmp(w, name, wl); }

static int word_in(const char *w, size_t wl, const char *const *names) {
    for (; *names; names++)
        if (word_is(w, wl, *names)) return 1;
    return 0;
}

static size_t tail_skip_space(const gstr *o) {
    size_t k = o->n;
    while (k > 0 && o->p[k - 1] == ' ') k--;
    return k;
}

static void put_space(gstr *o) {
    if (o->n && o->p[o->n - 1] != ' ') gs_putc(o, ' ');
}

// Unicode symbols models write instead of LaTeX (UTF-8 bytes -> replacement).
static const char *const UNICODE_MAP[][2] = {
    {"\xE2\x88\x92", "-"},        {"\xE2\x80\x93", "-"},        {"\xCF\x80", "\\pi "},
    {"\xE2\x88\x9E", "\\infty "}, {"\xE2\x88\x9A", "\\sqrt"},   {"\xC3\x97", "\\times "},
    {"\xC2\xB7", "\\cdot "},      {"\xE2\x8B\x85", "\\cdot "},  {"\xC2\xB1", "\\pm "},
    {"\xE2\x88\xAA", "\\cup "},   {"\xE2\x89\xA4", "\\leq "},   {"\xE2\x89\xA5", "\\geq "},
    {"\xE2\x88\x85", "\\emptyset "}, {"\xC2\xA0", " "},         {"\xE2\x80\x89", " "},
};

static void pass_tokens(const char *s, size_t n, gstr *o) {
    static const char *const dropped[] = {"left", "right", "bigl", "bigr", "Bigl", "Bigr", "big", "Big", "bigg",
                                          "Bigg", "biggl", "biggr", "Biggl", "Biggr", "middle", NULL};
    static const char *const spacing[] = {"displaystyle", "textstyle", "scriptstyle", "quad", "qquad", "limits",
                                          "nolimits", "hfill", "thinspace", "medspace", "thickspace", "enspace",
                                          "negthinspace", "allowbreak", "mathstrut", "hspace", "phantom", NULL};
    static const char *const degree[] = {"degree", "textdegree", "degrees", NULL};
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\\') {
            size_t L = g_control_len(s + i, n - i);
            const char *w = s + i + 1;
            size_t wl = L - 1;
            if (L == 2 && (w[0] == '!' || w[0] == ',' || w[0] == ';' || w[0] == ':' || w[0] == ' ' || w[0] == '>' ||
                           w[0] == '\n')) {
                put_space(o);
            } else if (L == 2 && (w[0] == '%' || w[0] == '$')) {
                // \% and \$ carry no value
            } else if (word_in(w, wl, dropped)) {
                size_t j = i + L;
                while (j < n && s[j] == ' ') j++;
                if (j < n && s[j] == '.') L = j + 1 - i;  // \left. and \right.
            } else if (word_in(w, wl, spacing)) {
                // \hspace{..} / \phantom{..}: their argument goes too
                size_t j = i + L;
                if ((word_is(w, wl, "hspace") || word_is(w, wl, "phantom")) && j < n && s[j] == '{') {
                    while (j < n && s[j] != '}') j++;
                    L = (j < n ? j + 1 : n) - i;
                }
                put_space(o);
            } else if (word_is(w, wl, "dfrac") || word_is(w, wl, "tfrac") || word_is(w, wl, "cfrac")) {
                gs_puts(o, "\\frac");
            } else if (word_is(w, wl, "dbinom") || word_is(w, wl, "tbinom")) {
                gs_puts(o, "\\binom");
            } else if (word_is(w, wl, "lbrace")) {
                gs_puts(o, "\\{");
            } else if (word_is(w, wl, "rbrace")) {
                gs_puts(o, "\\}");
            } else if (word_is(w, wl, "le") || word_is(w, wl, "leqslant")) {
                gs_puts(o, "\\leq");
            } else if (word_is(w, wl, "ge") || word_is(w, wl, "geqslant")) {
                gs_puts(o, "\\geq");
            } else if (word_is(w, wl, "ne")) {
                gs_puts(o, "\\neq");
            } else if (word_is(w, wl, "varnothing")) {
                gs_puts(o, "\\emptyset");
            } else if (word_in(w, wl, degree) || word_is(w, wl, "circ")) {
                // A degree mark: "^\circ", "^{\circ}", "\degree". A \circ that is not an
                // exponent (function composition) stays.
                size_t k = tail_skip_space(o);
                if (k > 0 && o->p[k - 1] == '^') {
                    o->n = k - 1;
                } else if (k > 1 && o->p[k - 1] == '{' && o->p[k - 2] == '^') {
                    size_t j = i + L;
                    while (j < n && s[j] == ' ') j++;
                    if (j < n && s[j] == '}') {
                        o->n = k - 2;
                        L = j + 1 - i;
                    } else {
                        gs_put(o, s + i, L);
                    }
                } else if (!word_is(w, wl, "circ")) {
                    // \degree alone
                } else {
                    gs_put(o, s + i, L);
                }
                if (o->p) o->p[o->n] = '\0';
            } else {
                gs_put(o, s + i, L);
            }
            i += L;
            continue;
        }
        if (c == '$' || c == '%') { i++; continue; }
        if (c == '{' && i + 2 < n && s[i + 1] == ',' && s[i + 2] == '}') {  // 11{,}111: a thousands separator
            gs_putc(o, ',');
            i += 3;
            continue;
        }
        if (g_isspace(c)) { put_space(o); i++; continue; }
        if (c == 0xC2 && i + 1 < n && (unsigned char)s[i + 1] == 0xB0) {  // U+00B0 DEGREE SIGN
            size_t k = tail_skip_space(o);
            if (k > 0 && o->p[k - 1] == '^') o->n = k - 1, o->p[o->n] = '\0';
            i += 2;
            continue;
        }
        if (c >= 0x80) {
            int done = 0;
            for (size_t k = 0; k < sizeof UNICODE_MAP / sizeof UNICODE_MAP[0] && !done; k++) {
                size_t ul = strlen(UNICODE_MAP[k][0]);
                if (n - i >= ul && !memcmp(s + i, UNICODE_MAP[k][0], ul)) {
                    gs_puts(o, UNICODE_MAP[k][1]);
                    i += ul;
                    done = 1;
                }
            }
            if (done) continue;
        }
        gs_putc(o, (char)c);
        i++;
    }
}

// Units dropped when they end an answer after a value ("5 cm", "864 inches^2").
static const char *const UNIT_WORDS[] = {
    "unit", "units", "sq", "square", "cubic", "cm", "mm", "km", "meter", "meters", "metre", "metres",
    "centimeter", "centimeters", "millimeter", "millimeters", "kilometer", "kilometers", "inch", "inches",
    "ft", "feet", "foot", "yd", "yard", "yards", "mile", "miles", "mph", "kg", "gram", "grams", "kilogram",
    "kilograms", "pound", "pounds", "lb", "lbs", "oz", "ounce", "ounces", "liter", "liters", "litre", "litres",
    "ml", "gallon", "gallons", "cent", "cents", "dollar", "dollars", "euro", "euros", "hour", "hours", "hr",
    "hrs", "minute", "minutes", "min", "mins", "second", "seconds", "sec", "secs", "day", "days", "week",
    "weeks", "month", "months", "year", "years", "degree", "degrees", "radian", "radians", "percent",
    "points", "people", "persons", "students", "times", "ways", NULL};

static int unit_word(const char *w, size_t wl) {
    char low[16];
    if (wl == 0 || wl >= sizeof low) return 0;
    for (size_t k = 0; k < wl; k++) low[k] = (char)g_tolower((unsigned char)w[k]);
    return word_in(low, wl, UNIT_WORDS);
}

// After position j (just past a unit), is there only " ^2", "^{3}", spaces and periods?
static int only_tail_after(const char *s, size_t n, size_t j) {
    while (j < n && s[j] == ' ') j++;
    if (j < n && s[j] == '^') {
        j++;
        if (j + 2 < n && s[j] == '{' && (s[j + 1] == '2' || s[j + 1] == '3') && s[j + 2] == '}') j += 3;
        else if (j < n && (s[j] == '2' || s[j] == '3')) j++;
        else return 0;
    }
    while (j < n && (s[j] == ' ' || s[j] == '.')) j++;
    return j == n;
}

static int has_content(const gstr *o) {
    for (size_t k = 0; k < o->n; k++)
        if (o->p[k] != ' ' && o->p[k] != '{' && o->p[k] != '(') return 1;
    return 0;
}

static int pass_text(const char *s, size_t n, gstr *o) {
    static const char *const textlike[] = {"text", "textbf", "textit", "textrm", "textsf", "texttt", "textnormal",
                                           "textup", "mathrm", "mathbf", "mathit", "mathsf", "mathtt", "mathnormal",
                                           "mbox", "hbox", "operatorname", "boldsymbol", "emph", NULL};
    size_t *match = brace_match(s, n);
    char *drop = calloc(n ? n : 1, 1);
    if (!match || !drop) {
        free(match);
        free(drop);
        return -1;
    }
    for (size_t i = 0; i < n;) {
        if (drop[i]) { i++; continue; }
        size_t L = g_control_len(s + i, n - i);
        if (L > 1 && word_in(s + i + 1, L - 1, textlike)) {
            size_t j = i + L;
            while (j < n && s[j] == ' ') j++;
            if (j < n && s[j] == '{' && match[j] != NO_MATCH) {
                size_t close = match[j];
                const char *c = s + j + 1;
                size_t cl = close - j - 1;
                while (cl && *c == ' ') c++, cl--;
                while (cl && c[cl - 1] == ' ') cl--;
                int letters = 0;
                for (size_t k = 0; k < cl; k++) letters |= g_isalpha((unsigned char)c[k]);
                if ((cl == 3 && g_prefix_ci(c, cl, "and")) || (cl == 2 && g_prefix_ci(c, cl, "or")) ||
                    (cl == 1 && c[0] == ',')) {
                    gs_putc(o, ',');
                    i = close + 1;
                    continue;
                }
                if (letters && has_content(o) && only_tail_after(s, n, close + 1)) break;  // a unit: drop the rest
                drop[close] = 1;  // unwrap: keep the content, drop the command and its braces
                i = j + 1;
                continue;
            }
        }
        if (L > 1) {
            gs_put(o, s + i, L);
            i += L;
        } else {
            gs_putc(o, s[i]);
            i++;
        }
    }
    free(match);
    free(drop);
    // Bare unit words at the end ("5 cm", "18 square feet", "864 inches^2").
    for (int round = 0; round < 3 && !o->oom; round++) {
        size_t e = o->n;
        while (e > 0 && (o->p[e - 1] == ' ' || o->p[e - 1] == '.')) e--;
        if (e >= 2 && o->p[e - 2] == '^' && (o->p[e - 1] == '2' || o->p[e - 1] == '3')) e -= 2;
        else if (e >= 4 && o->p[e - 4] == '^' && o->p[e - 3] == '{' && o->p[e - 1] == '}') e -= 4;
        size_t w = e;
        while (w > 0 && g_isalpha((unsigned char)o->p[w - 1])) w--;
        if (w == e || !unit_word(o->p + w, e - w)) break;
        if (w == 0 || !(o->p[w - 1] == ' ' || (g_isdigit((unsigned char)o->p[w - 1]) && e - w >= 2))) break;
        size_t b = w;
        while (b > 0 && o->p[b - 1] == ' ') b--;
        if (b == 0) break;
        char last = o->p[b - 1];
        // After a value ("5 cm", "2\pi cm", "(3) cm") or after another unit word
        // ("18 square feet": "square" goes in the next round).
        if (g_isalpha((unsigned char)last)) {
            size_t pw = b;
            while (pw > 0 && g_isalpha((unsigned char)o->p[pw - 1])) pw--;
            int control = pw > 0 && o->p[pw - 1] == '\\';  // "\pi"
            if (!control && !unit_word(o->p + pw, b - pw)) break;
        } else if (!(g_isdigit((unsigned char)last) || last == '}' || last == ')')) {
            break;
        }
        o->n = b;
        o->p[o->n] = '\0';
    }
    return o->oom ? -1 : 0;
}

static void pass_spaces(const char *s, size_t n, gstr *o) {
    int in_word = 0;  // the output ends with a control word
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == ' ') {
            size_t j = i;
            while (j < n && s[j] == ' ') j++;
            if (in_word && j < n && g_isalpha((unsigned char)s[j])) gs_putc(o, ' ');
            in_word = 0;
            i = j - 1;
            continue;
        }
        if (c == '\\') {
            size_t L = g_control_len(s + i, n - i);
            gs_put(o, s + i, L);
            in_word = L > 1 && g_isalpha((unsigned char)s[i + 1]);
            i += L - 1;
            continue;
        }
        in_word = 0;
        gs_putc(o, c);
    }
}

// The extent of one macro argument at s[p]: a braced group (through its '}'), a control
// word, or one character. Returns the index after it, sets *braced; NO_MATCH if none.
static size_t arg_end(const char *s, size_t n, const size_t *match, size_t p, int *braced) {
    *braced = 0;
    if (p >= n || s[p] == '}' || s[p] == '^' || s[p] == '_' || s[p] == '&') return NO_MATCH;
    if (s[p] == '{') {
        if (match[p] == NO_MATCH) return NO_MATCH;
        *braced = 1;
        return match[p] + 1;
    }
    if (s[p] == '\\') return p + g_control_len(s + p, n - p);
    size_t L = 1;  // one UTF-8 character
    while (p + L < n && ((unsigned char)s[p + L] & 0xC0) == 0x80) L++;
    return p + L;
}

static int pass_args(const char *s, size_t n, gstr *o) {
    size_t *match = brace_match(s, n);
    unsigned char *open = calloc(n + 1, 1), *close = calloc(n + 1, 1), *skip = calloc(n + 1, 1);
    if (!match || !open || !close || !skip) {
        free(match);
        free(open);
        free(close);
        free(skip);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '\\') continue;
        size_t L = g_control_len(s + i, n - i);
        int nargs = 0;
        if (word_is(s + i + 1, L - 1, "frac") || word_is(s + i + 1, L - 1, "binom")) nargs = 2;
        else if (word_is(s + i + 1, L - 1, "sqrt")) nargs = 1;
        size_t p = i + L;
        if (nargs == 1 && p < n && s[p] == '[') {  // \sqrt[3]{x}
            while (p < n && s[p] != ']') p++;
            p = p < n ? p + 1 : n;
        }
        for (int a = 0; a < nargs; a++) {
            int braced;
            while (p < n && s[p] == ' ') skip[p++] = 1;
            size_t end = arg_end(s, n, match, p, &braced);
            if (end == NO_MATCH) break;
            if (!braced && open[p] < 255 && close[end - 1] < 255) {
                open[p]++;
                close[end - 1]++;
            }
            p = end;
        }
        if (L > 1) i += L - 1;  // the word (or escaped character); braced arguments are scanned too
    }
    for (size_t i = 0; i < n; i++) {
        if (skip[i]) continue;
        for (int k = 0; k < open[i]; k++) gs_putc(o, '{');
        gs_putc(o, s[i]);
        for (int k = 0; k < close[i]; k++) gs_putc(o, '}');
    }
    free(match);
    free(open);
    free(close);
    free(skip);
    return o->oom ? -1 : 0;
}

static void pass_scripts(const char *s, size_t n, gstr *o) {
    for (size_t i = 0; i < n; i++) {
        if ((s[i] == '^' || s[i] == '_') && i + 3 < n + 0 && s[i + 1] == '{' && s[i + 3] == '}' &&
            (g_isalnum((unsigned char)s[i + 2]))) {
            gs_putc(o, s[i]);
            gs_putc(o, s[i + 2]);
            i += 3;
            continue;
        }
        gs_putc(o, s[i]);
    }
}

static int lone_thousands(const char *s, size_t n) {
    size_t i = 0;
    if (i < n && (s[i] == '-' || s[i] == '+')) i++;
    size_t d = 0;
    while (i < n && g_isdigit((unsigned char)s[i])) i++, d++;
    if (d < 1 || d > 3) return 0;
    int groups = 0;
    while (i + 3 < n + 0 && s[i] == ',' && g_isdigit((unsigned char)s[i + 1]) && g_isdigit((unsigned char)s[i + 2]) &&
           g_isdigit((unsigned char)s[i + 3]) && !(i + 4 < n && g_isdigit((unsigned char)s[i + 4]))) {
        i += 4;
        groups++;
    }
    if (!groups) return 0;
    if (i < n && s[i] == '.') {
        i++;
        if (i >= n || !g_isdigit((unsigned char)s[i])) return 0;
        while (i < n && g_isdigit((unsigned char)s[i])) i++;
    }
    return i == n;
}

static int pass_final(gstr *o) {
    for (int changed = 1; changed && !o->oom;) {
        changed = 0;
        char *p = o->p;
        size_t n = o->n;
        size_t a = 0, b = n;
        while (a < b && p[a] == ' ') a++;
        while (b > a && (p[b - 1] == ' ' || p[b - 1] == '.' || (p[b - 1] == '\\' && b - 1 > a && p[b - 2] == '\\'))) {
            if (p[b - 1] == '\\') b--;
            b--;
        }
        if (b - a >= 2 && p[a] == '{') {
            size_t *match = brace_match(p + a, b - a);
            if (!match) return -1;
            if (match[0] == b - a - 1) a++, b--;
            free(match);
        }
        if (b > a + 1 && p[a] == '+') a++;
        if (a != 0 || b != n) {
            memmove(p, p + a, b - a);
            o->n = b - a;
            p[o->n] = '\0';
            changed = 1;
        }
    }
    if (o->oom) return -1;
    if (lone_thousands(o->p, o->n)) {
        size_t k = 0;
        for (size_t i = 0; i < o->n; i++)
            if (o->p[i] != ',') o->p[k++] = o->p[i];
        o->n = k;
        o->p[k] = '\0';
    }
    if (o->n == 3 && o->p[0] == '(' && o->p[2] == ')' && o->p[1] >= 'A' && o->p[1] <= 'Z') {
        o->p[0] = o->p[1];
        o->n = 1;
        o->p[1] = '\0';
    }
    return 0;
}

int grade_latex_normalize(const char *s, size_t n, gstr *out) {
    gstr a, b;
    gs_init(&a);
    gs_init(&b);
    gs_clear(out);
    int rc = 0;
    pass_tokens(s, n, &a);
    gs_put(&a, "", 0);  // NUL-terminated even when empty
    if (a.oom || pass_text(a.p, a.n, &b)) rc = -1;
    gs_put(&b, "", 0);
    gs_clear(&a);
    if (!rc) pass_spaces(b.p, b.n, &a);
    gs_put(&a, "", 0);
    gs_clear(&b);
    if (!rc && (a.oom || pass_args(a.p, a.n, &b))) rc = -1;
    gs_put(&b, "", 0);
    if (!rc) pass_scripts(b.p, b.n, out);
    gs_put(out, "", 0);
    if (!rc && (out->oom || pass_final(out))) rc = -1;
    gs_free(&a);
    gs_free(&b);
    return rc || out->oom ? -1 : 0;
}

static const char *const VAR_WORDS[] = {"alpha", "beta", "gamma", "delta", "theta", "lambda", "mu", "phi",
                                        "varphi", "psi", "omega", "rho", "sigma", "tau", "epsilon", NULL};

void grade_strip_var(const char *s, gspan *sp) {
    const char *p = s + sp->start;
    size_t n = sp->len, i = 0;
    if (n == 0) return;
    if (g_isalpha((unsigned char)p[0])) {
        i = 1;
    } else if (p[0] == '\\') {
        size_t L = g_control_len(p, n);
        if (L < 2 || !word_in(p + 1, L - 1, VAR_WORDS)) return;
        i = L;
    } else {
        return;
    }
    if (i < n && p[i] == '_') {  // x_1, x_{12}
        i++;
        if (i < n && p[i] == '{') {
            while (i < n && p[i] != '}') i++;
            i++;
        } else {
            i++;
        }
    }
    if (i >= n) return;
    size_t rest;
    if (p[i] == '=') rest = i + 1;
    else if (n - i >= 3 && !memcmp(p + i, "\\in", 3) && !(n - i > 3 && g_isalpha((unsigned char)p[i + 3]))) rest = i + 3;
    else return;
    if (rest >= n) return;
    if (memchr(p + rest, '=', n - rest)) return;  // "x = y = 3" or an equation
    sp->start += rest;
    sp->len -= rest;
}
