// The multiple-choice checker (AQuA): the options "(A) ... (E)" are read from the
// question; the answer is an option letter, or a value that equals exactly one option's
// text (numerically within 1e-6, else as normalized text ignoring case).
#include <string.h>

#include "grade_internal.h"

int grade_choice_options(const char *question, gspan opt[5]) {
    if (!question) return 0;
    size_t n = strlen(question);
    // The last "(A)" followed in order by "(B)" ... : the answer choices.
    const char *a = NULL;
    for (const char *p = question; (p = strstr(p, "(A)")); p += 3) a = p;
    if (!a) return 0;
    size_t pos[6];
    int k = 0;
    const char *p = a;
    for (; k < 5; k++) {
        char marker[4] = {'(', (char)('A' + k), ')', '\0'};
        const char *m = strstr(p, marker);
        if (!m) break;
        pos[k] = (size_t)(m - question);
        p = m + 3;
    }
    for (int j = 0; j < k; j++) {
        size_t s = pos[j] + 3, e = j + 1 < k ? pos[j + 1] : n;
        while (s < e && g_isspace((unsigned char)question[s])) s++;
        while (e > s && (g_isspace((unsigned char)question[e - 1]) || question[e - 1] == ',')) e--;
        opt[j].start = s;
        opt[j].len = e - s;
    }
    return k;
}

char grade_choice_gold(const char *gold) {
    size_t a = 0, b = strlen(gold);
    while (a < b && g_isspace((unsigned char)gold[a])) a++;
    while (b > a && g_isspace((unsigned char)gold[b - 1])) b--;
    if (b - a == 3 && gold[a] == '(' && gold[b - 1] == ')') a++, b--;
    if (b - a != 1) return 0;
    char c = gold[a];
    if (c >= 'a' && c <= 'e') c = (char)(c - 'a' + 'A');
    return c >= 'A' && c <= 'E' ? c : 0;
}

static int texts_equal(const char *a, size_t na, const char *b, size_t nb) {
    gstr x, y;
    gs_init(&x);
    gs_init(&y);
    int r = -1;
    if (!grade_latex_normalize(a, na, &x) && !grade_latex_normalize(b, nb, &y)) {
        r = x.n > 0 && x.n == y.n;
        for (size_t i = 0; r == 1 && i < x.n; i++)
            if (g_tolower((unsigned char)x.p[i]) != g_tolower((unsigned char)y.p[i])) r = 0;
    }
    gs_free(&x);
    gs_free(&y);
    return r;
}

int grade_choice_letter(const char *s, size_t n, const char *question, char *letter) {
    if (grade_letter_at_start(s, n, letter)) return 1;
    gspan opt[5];
    int k = grade_choice_options(question, opt), hits = 0;
    if (k == 0 || n > GRADE_ANSWER_MAX) return 0;
    gval v, w;
    int rc = grade_numeric_value(s, n, &v);
    if (rc < 0) return -1;
    for (int j = 0; j < k; j++) {
        const char *o = question + opt[j].start;
        int same;
        int ro = rc ? grade_numeric_value(o, opt[j].len, &w) : 0;
        if (ro < 0) return -1;
        if (rc && ro) same = grade_numeric_equal(&v, &w);
        else if ((same = texts_equal(s, n, o, opt[j].len)) < 0) return -1;
        if (same) {
            if (hits && *letter != 'A' + j) return 0;  // two options match: ambiguous
            *letter = (char)('A' + j);
            hits = 1;
        }
    }
    return hits;
}

// The last "(X)" with X in A-E anywhere in the output.
static int last_paren_letter(const char *s, size_t n, size_t *at) {
    size_t base = n > GRADE_SCAN_MAX ? n - GRADE_SCAN_MAX : 0;
    for (size_t i = n; i-- > base + 2;)
        if (s[i] == ')' && s[i - 2] == '(' && s[i - 1] >= 'A' && s[i - 1] <= 'E') {
            *at = i - 1;
            return 1;
        }
    return 0;
}

int grade_choice_item(const char *out, size_t n, char gold, const char *question, wmss_grade_result *r) {
    gspan sp;
    char letter;
    int rc = grade_find_boxed(out, n, &sp);
    if (rc < 0) return -1;
    if (rc) {
        grade_set_extracted(r, "boxed", out + sp.start, sp.len);
        rc = grade_choice_letter(out + sp.start, sp.len, question, &letter);
        if (rc < 0) return -1;
        if (rc) {
            grade_set_extracted(r, "boxed", &letter, 1);
            r->correct = letter == gold;
        }
        return 0;
    }
    if (grade_find_answer_phrase(out, n, &sp)) {
        const char *p = out + sp.start;
        gspan m;
        rc = 0;
        if (grade_letter_at_start(p, sp.len, &letter)) rc = 1;
        else if (grade_find_math(p, sp.len, &m)) rc = grade_choice_letter(p + m.start, m.len, question, &letter);
        if (!rc) {
            // "The answer is 23.65 dollars." : the value up to the end of the sentence.
            size_t e = 0;
            while (e < sp.len && !(p[e] == '.' && (e + 1 == sp.len || g_isspace((unsigned char)p[e + 1])))) e++;
            rc = grade_choice_letter(p, e, question, &letter);
        }
        if (rc < 0) return -1;
        if (rc) {
            grade_set_extracted(r, "answer-is", &letter, 1);
            r->correct = letter == gold;
            return 0;
        }
    }
    size_t at;
    if (last_paren_letter(out, n, &at)) {
        grade_set_extracted(r, "last-letter", out + at, 1);
        r->correct = out[at] == gold;
    }
    return 0;
}
