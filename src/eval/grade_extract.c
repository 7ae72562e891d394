// Answer extraction from model output: the last \boxed{} / \fbox{} (brace-balanced, by a
// backward scan with a heap stack, so any nesting depth costs O(n)), the "answer is"
// phrase, math spans, numbers in running text and option letters.
#include <stdlib.h>
#include <string.h>

#include "grade_internal.h"

static int escaped_at(const char *s, size_t base, size_t i) {
    return i > base && s[i - 1] == '\\' && !(i > base + 1 && s[i - 2] == '\\');
}

// Is s[..end) ending with "\boxed" or "\fbox" (spaces allowed before end)?
static int box_command_before(const char *s, size_t base, size_t end) {
    while (end > base && s[end - 1] == ' ') end--;
    static const char *const cmds[] = {"\\boxed", "\\fbox"};
    for (int k = 0; k < 2; k++) {
        size_t L = strlen(cmds[k]);
        if (end - base >= L && !memcmp(s + end - L, cmds[k], L)) return 1;
    }
    return 0;
}

static int blank(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (!g_isspace((unsigned char)s[i])) return 0;
    return 1;
}

// The last "\boxed X" without braces: returns its command's start or (size_t)-1.
static size_t last_braceless_box(const char *s, size_t base, size_t n, gspan *out) {
    for (size_t i = n; i-- > base;) {
        if (s[i] != '\\') continue;
        size_t L = 0;
        if (n - i >= 6 && !memcmp(s + i, "\\boxed", 6)) L = 6;
        else if (n - i >= 5 && !memcmp(s + i, "\\fbox", 5)) L = 5;
        if (!L) continue;
        size_t j = i + L;
        if (j >= n || s[j] != ' ') continue;
        while (j < n && s[j] == ' ') j++;
        if (j >= n || s[j] == '{') continue;
        size_t k = j;
        while (k < n && !g_isspace((unsigned char)s[k]) && s[k] != '$') k++;
        if (k == j) continue;
        out->start = j;
        out->len = k - j;
        return i;
    }
    return (size_t)-1;
}

int grade_find_boxed(const char *s, size_t n, gspan *out) {
    size_t base = n > GRADE_SCAN_MAX ? n - GRADE_SCAN_MAX : 0;
    size_t *stack = NULL, depth = 0, cap = 0;
    size_t braced_at = (size_t)-1;
    gspan braced = {0, 0};
    for (size_t i = n; i-- > base;) {
        char c = s[i];
        if ((c != '{' && c != '}') || escaped_at(s, base, i)) continue;
        if (c == '}') {
            if (depth == cap) {
                size_t nc = cap ? cap * 2 : 64;
                size_t *ns = realloc(stack, nc * sizeof *ns);
                if (!ns) { free(stack); return -1; }
                stack = ns;
                cap = nc;
            }
            stack[depth++] = i;
            continue;
        }
        if (depth == 0) continue;  // an unclosed '{' (e.g. a cut-off output)
        size_t close = stack[--depth];
        if (box_command_before(s, base, i) && !blank(s + i + 1, close - i - 1)) {
            braced_at = i;
            braced.start = i + 1;
            braced.len = close - i - 1;
            break;
        }
    }
    free(stack);
    gspan bare;
    size_t bare_at = last_braceless_box(s, base, n, &bare);
    if (bare_at != (size_t)-1 && (braced_at == (size_t)-1 || bare_at > braced_at)) {
        *out = bare;
        return 1;
    }
    if (braced_at == (size_t)-1) return 0;
    *out = braced;
    return 1;
}

int grade_find_answer_phrase(const char *s, size_t n, gspan *out) {
    size_t base = n > GRADE_SCAN_MAX ? n - GRADE_SCAN_MAX : 0;
    static const char *const phrases[] = {"answer is", "answer:"};
    for (size_t i = n; i-- > base;) {
        if (g_tolower((unsigned char)s[i]) != 'a') continue;
        if (i > base && g_isalpha((unsigned char)s[i - 1])) continue;  // "manswer"
        for (int k = 0; k < 2; k++) {
            if (!g_prefix_ci(s + i, n - i, phrases[k])) continue;
            size_t j = i + strlen(phrases[k]);
            while (j < n && (s[j] == ' ' || s[j] == '\t' || s[j] == ':' || s[j] == '*')) j++;
            // "The answer is:\n\n$5$": the rest of the line is empty; take the next line.
            while (j < n && (s[j] == '\n' || s[j] == '\r' || s[j] == ' ' || s[j] == '\t')) j++;
            size_t end = j;
            while (end < n && s[end] != '\n') end++;
            out->start = j;
            out->len = end - j;
            return 1;
        }
    }
    return 0;
}

int grade_find_math(const char *s, size_t n, gspan *out) {
    for (size_t i = 0; i < n; i++) {
        const char *open = NULL, *close = NULL;
        if (s[i] == '$' && !escaped_at(s, 0, i)) {
            open = (i + 1 < n && s[i + 1] == '$') ? "$$" : "$";
            close = open;
        } else if (s[i] == '\\' && i + 1 < n && (s[i + 1] == '(' || s[i + 1] == '[')) {
            open = s[i + 1] == '(' ? "\\(" : "\\[";
            close = s[i + 1] == '(' ? "\\)" : "\\]";
        } else {
            continue;
        }
        size_t ol = strlen(open), cl = strlen(close), j = i + ol;
        for (; j + cl <= n; j++) {
            if (!memcmp(s + j, close, cl) && !(close[0] == '$' && escaped_at(s, 0, j))) break;
        }
        if (j + cl > n) return 0;  // unclosed: no math span
        if (!blank(s + i + ol, j - i - ol)) {
            out->start = i + ol;
            out->len = j - i - ol;
            return 1;
        }
        i = j + cl - 1;
    }
    return 0;
}

// U+2212 MINUS SIGN in UTF-8.
static size_t minus_len(const char *s, size_t n, size_t i) {
    if (s[i] == '-') return 1;
    if (i + 2 < n && (unsigned char)s[i] == 0xE2 && (unsigned char)s[i + 1] == 0x88 && (unsigned char)s[i + 2] == 0x92)
        return 3;
    return 0;
}

static size_t digits_from(const char *s, size_t n, size_t j) {
    size_t k = j;
    while (k < n && g_isdigit((unsigned char)s[k])) k++;
    return k - j;
}

int grade_number_at(const char *s, size_t n, size_t i, int fractions, gnumber *t) {
    size_t j = i;
    size_t ml = minus_len(s, n, j);
    if (ml) {
        // A minus directly after a letter, digit or ')' is a binary operator.
        if (j > 0 && (g_isalnum((unsigned char)s[j - 1]) || s[j - 1] == ')')) return 0;
        j += ml;
    }
    if (j < n && s[j] == '$') j++;
    else if (j + 1 < n && s[j] == '\\' && s[j + 1] == '$') j += 2;
    if (j >= n) return 0;
    size_t k = j;
    if (g_isdigit((unsigned char)s[k])) {
        if (k > 0 && (g_isdigit((unsigned char)s[k - 1]) || (s[k - 1] == '.' && k > 1 && g_isdigit((unsigned char)s[k - 2]))))
            return 0;  // inside a number
        size_t d = digits_from(s, n, k);
        k += d;
        if (d <= 3)
            while (k + 3 < n + 0 && s[k] == ',' && digits_from(s, n, k + 1) == 3) k += 4;
        if (k + 1 < n && s[k] == '.' && g_isdigit((unsigned char)s[k + 1])) k += 1 + digits_from(s, n, k + 1);
    } else if (s[k] == '.' && k + 1 < n && g_isdigit((unsigned char)s[k + 1]) && !(k > 0 && g_isdigit((unsigned char)s[k - 1]))) {
        k += 1 + digits_from(s, n, k + 1);
    } else {
        return 0;
    }
    if (fractions && k + 1 < n && s[k] == '/' && g_isdigit((unsigned char)s[k + 1])) {
        size_t d = digits_from(s, n, k + 1);
        // "3/4" but not "3/4.5" or dates such as "1/2/2020"
        size_t e = k + 1 + d;
        if (!(e < n && (s[e] == '/' || (s[e] == '.' && e + 1 < n && g_isdigit((unsigned char)s[e + 1]))))) k = e;
    }
    t->start = i;
    t->len = k - i;
    return 1;
}

int grade_first_number(const char *s, size_t n, int fractions, gnumber *t) {
    for (size_t i = 0; i < n; i++)
        if (grade_number_at(s, n, i, fractions, t)) return 1;
    return 0;
}

int grade_last_number(const char *s, size_t n, int fractions, gnumber *t) {
    size_t i = n > GRADE_SCAN_MAX ? n - GRADE_SCAN_MAX : 0;
    int found = 0;
    gnumber cur;
    while (i < n) {
        if (grade_number_at(s, n, i, fractions, &cur)) {
            *t = cur;
            found = 1;
            i += cur.len;
        } else {
            i++;
        }
    }
    return found;
}

int grade_letter_at_start(const char *s, size_t n, char *letter) {
    size_t i = 0;
    int paren = 0;
    for (int guard = 0; guard < 16 && i < n; guard++) {
        size_t before = i;
        while (i < n && (g_isspace((unsigned char)s[i]) || s[i] == '*' || s[i] == '$' || s[i] == ':' || s[i] == '{' ||
                         s[i] == '"' || s[i] == '\''))
            i++;
        if (i < n && (s[i] == '(' || s[i] == '[')) { paren = 1; i++; }
        static const char *const skip[] = {"\\textbf", "\\text", "\\mathrm", "\\mathbf", "\\boxed", "option", "choice"};
        for (int k = 0; k < 7; k++)
            if (g_prefix_ci(s + i, n - i, skip[k])) { i += strlen(skip[k]); break; }
        if (i == before) break;
    }
    if (i >= n) return 0;
    char c = s[i];
    int upper = c >= 'A' && c <= 'E', lower = c >= 'a' && c <= 'e';
    if (!upper && !(lower && paren)) return 0;
    if (i + 1 < n && (g_isalnum((unsigned char)s[i + 1]) || s[i + 1] == '\\' || s[i + 1] == '_' || s[i + 1] == '^'))
        return 0;
    *letter = (char)(upper ? c : c - 'a' + 'A');
    return 1;
}
