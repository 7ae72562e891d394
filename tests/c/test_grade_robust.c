// The grader on hostile output text: huge strings, unbalanced and deeply nested braces,
// long operator chains, invalid UTF-8, and seeded random token soup. Every call must
// return 0 (no crash, no hang, clean under ASan/UBSan) and must not call such text
// correct. Bad gold answers must fail with a message.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "grade.h"

static char *repeat(const char *head, const char *unit, size_t times, const char *tail) {
    size_t hl = strlen(head), ul = strlen(unit), tl = strlen(tail);
    char *s = malloc(hl + ul * times + tl + 1), *p = s;
    memcpy(p, head, hl);
    p += hl;
    for (size_t i = 0; i < times; i++, p += ul) memcpy(p, unit, ul);
    memcpy(p, tail, tl + 1);
    return s;
}

static void grade_all_kinds(check_state *st, const char *name, const char *out, int may_be_correct) {
    static const char *golds[3] = {"5", "A", "\\frac{1}{2}"};
    static const char q[] = "Answer Choices: (A) 1 (B) 2 (C) 3 (D) 4 (E) 5";
    for (int k = 0; k < 3; k++) {
        wmss_grade_result r;
        wmss_error e = {{0}};
        int rc = wmss_grade_item((wmss_bench_kind)k, out, golds[k], q, &r, &e);
        CHECK(st, rc == 0, "%s (kind %d): %s", name, k, e.msg);
        CHECK(st, may_be_correct || !r.correct, "%s (kind %d) graded correct (extracted \"%s\")", name, k, r.extracted);
        CHECK(st, strlen(r.extracted) < WMSS_GRADE_TEXT_MAX, "%s: extracted not cut", name);
    }
}

static void hostile(check_state *st) {
    const size_t N = 200000;
    struct {
        const char *name, *head, *unit, *tail;
    } cases[] = {
        {"open braces", "\\boxed{", "{", ""},
        {"close braces", "", "}", ""},
        {"nested boxes", "", "\\boxed{", "9"},
        {"nested boxes closed", "", "\\boxed{", ""},
        {"deep frac", "\\boxed{", "\\frac{", "9"},
        {"deep parens", "\\boxed{", "(", "9"},
        {"minus chain", "\\boxed{", "-", "9}"},
        {"power chain", "\\boxed{", "9^", "9}"},
        {"sqrt chain", "\\boxed{", "\\sqrt", "9}"},
        {"frac chain", "\\boxed{", "\\frac", "9}"},
        {"commas", "\\boxed{", ",", "}"},
        {"cups", "\\boxed{", "(1,2)\\cup", "(3,4)}"},
        {"set", "\\boxed{\\{", "1,", "\\}}"},
        {"backslashes", "\\boxed{", "\\", "}"},
        {"text groups", "\\boxed{", "\\text{", "}"},
        {"left right", "\\boxed{", "\\left(\\right)", "}"},
        {"digits", "\\boxed{", "9", "}"},
        {"thousands", "", "1,000,", "7"},
        {"answer is", "", "the answer is ", ""},
        {"dollars", "\\boxed{", "$", "}"},
        {"matrix", "\\boxed{\\begin{pmatrix}", "1\\\\", "\\end{pmatrix}}"},
        {"unicode minus", "", "\xE2\x88\x92", "1"},
        {"invalid utf-8", "\\boxed{", "\xff\xfe\xC2", "}"},
        {"degree", "\\boxed{", "^\\circ", "}"},
        {"letters", "", "(A)", ""},
        {"plus-minus", "\\boxed{", "1\\pm", "1}"},
        {"big number", "\\boxed{", "9999999999", "}"},
        {"fractions", "", "1/", "2"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        char *s = repeat(cases[k].head, cases[k].unit, N, cases[k].tail);
        clock_t t0 = clock();
        // Digits, thousands and letters may legitimately end with a gradable answer.
        grade_all_kinds(st, cases[k].name, s, 1);
        double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
        printf("%-20s %7zu bytes: %.3f s\n", cases[k].name, strlen(s), secs);
        free(s);
    }
    // The same shapes at a size that is normalized and evaluated (answers under 8 KB).
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        size_t times = 7000 / (strlen(cases[k].unit) + 1);
        char *m = repeat(cases[k].head, cases[k].unit, times, cases[k].tail);
        clock_t t0 = clock();
        grade_all_kinds(st, cases[k].name, m, 1);
        // and against itself as gold (reflexive, whatever it is)
        CHECK(st, wmss_grade_equal(WMSS_BENCH_LATEX, m, m, NULL), "%s: not equal to itself", cases[k].name);
        double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
        if (secs > 0.5) printf("%-20s %7zu bytes (medium): %.3f s\n", cases[k].name, strlen(m), secs);
        free(m);
    }
    // Nested sets and tuples compared element by element (bounded work).
    char *nest = repeat("", "\\{1,2,(3,4),", 500, "5\\}");
    char *nest2 = repeat("", "\\{2,1,(3,4),", 500, "5\\}");
    clock_t t1 = clock();
    wmss_grade_equal(WMSS_BENCH_LATEX, nest, nest2, NULL);
    printf("nested sets %zu bytes: %.3f s\n", strlen(nest), (double)(clock() - t1) / CLOCKS_PER_SEC);
    free(nest);
    free(nest2);
    char *wide = repeat("\\{", "\\{1,2\\},", 600, "0\\}");
    char *wide2 = repeat("\\{", "\\{2,1\\},", 600, "1\\}");
    t1 = clock();
    wmss_grade_equal(WMSS_BENCH_LATEX, wide, wide2, NULL);
    printf("wide set %zu bytes: %.3f s\n", strlen(wide), (double)(clock() - t1) / CLOCKS_PER_SEC);
    free(wide);
    free(wide2);
    // A 16 MB output: only the tail is searched, the answer at the end is found.
    size_t big = 16u << 20;
    char *s = malloc(big + 32);
    memset(s, 'x', big);
    strcpy(s + big, " \\boxed{5}");
    wmss_grade_result r;
    wmss_error e = {{0}};
    CHECK(st, wmss_grade_item(WMSS_BENCH_NUMERIC, s, "5", NULL, &r, &e) == 0 && r.correct, "16 MB output: %s", e.msg);
    free(s);
}

static unsigned long long lcg(unsigned long long *x) {
    *x = *x * 6364136223846793005ULL + 1442695040888963407ULL;
    return *x >> 33;
}

// Random outputs built from LaTeX-ish tokens: none may crash.
static void soup(check_state *st) {
    static const char *tok[] = {"\\boxed{", "\\fbox{", "{", "}", "\\{", "\\}", "(", ")", "[", "]", "\\frac", "\\dfrac",
                                "\\sqrt", "[3]", "\\pi", "\\text{", "\\mathrm{", " cm", "^", "_", "\\circ", "^\\circ",
                                "\\left(", "\\right)", "\\left.", "\\cup", "\\pm", ",", ".", "-", "+", "*", "/", "=",
                                "x", "A", "(C)", "1", "2", "0", "9", "12", "1,000", "0.5", "$", "\\$", "%", "\\%",
                                "\\\\", "&", "\\begin{pmatrix}", "\\end{pmatrix}", "the answer is ", "Answer: ", " ",
                                "\n", "!", "\\binom", "\\infty", "\\in", "\xE2\x88\x92", "\xCF\x80", "\xff", "{,}"};
    const int ntok = (int)(sizeof tok / sizeof tok[0]);
    unsigned long long x = 12345;
    char *buf = malloc(1 << 16);
    for (int it = 0; it < 3000; it++) {
        size_t n = 0, len = lcg(&x) % 200;
        for (size_t k = 0; k < len; k++) {
            const char *t = tok[lcg(&x) % ntok];
            size_t tl = strlen(t);
            memcpy(buf + n, t, tl);
            n += tl;
        }
        buf[n] = '\0';
        static const char *golds[3] = {"12", "C", "\\frac{1}{2}"};
        static const char q[] = "Answer Choices: (A) 1 (B) 2 (C) 0.5 (D) 12 (E) x";
        for (int k = 0; k < 3; k++) {
            wmss_grade_result r;
            wmss_error e = {{0}};
            int rc = wmss_grade_item((wmss_bench_kind)k, buf, golds[k], q, &r, &e);
            if (rc) CHECK(st, 0, "soup %d kind %d: %s", it, k, e.msg);
        }
        // Equivalence is symmetric and reflexive on arbitrary text.
        char *half = buf + n / 2;
        for (int k = 0; k < 3; k += 2) {
            int ab = wmss_grade_equal((wmss_bench_kind)k, buf, half, NULL), ba = wmss_grade_equal((wmss_bench_kind)k, half, buf, NULL);
            if (ab != ba) CHECK(st, 0, "soup %d kind %d: equal(a,b)=%d but equal(b,a)=%d: [%s] [%s]", it, k, ab, ba, buf, half);
        }
    }
    free(buf);
    CHECK(st, 1, "soup done");
}

static void bad_golds(check_state *st) {
    wmss_grade_result r;
    wmss_error e = {{0}};
    CHECK(st, wmss_grade_item(WMSS_BENCH_NUMERIC, "5", "five", NULL, &r, &e) == -1 && strstr(e.msg, "not a number"), "%s", e.msg);
    CHECK(st, wmss_grade_item(WMSS_BENCH_CHOICE, "A", "F", "(A) 1 (B) 2", &r, &e) == -1 && strstr(e.msg, "option letter"), "%s", e.msg);
    CHECK(st, wmss_grade_item(WMSS_BENCH_LATEX, "5", "  ", NULL, &r, &e) == -1 && strstr(e.msg, "empty"), "%s", e.msg);
    CHECK(st, wmss_grade_item(WMSS_BENCH_LATEX, NULL, "5", NULL, &r, &e) == 0 && !r.found && !r.correct, "NULL output");
    CHECK(st, wmss_grade_item((wmss_bench_kind)7, "5", "5", NULL, &r, &e) == -1, "unknown kind");
    // The loader: unknown names and missing files are errors with the name in them.
    wmss_bench b;
    CHECK(st, wmss_bench_load("gsm9k", "/nonexistent", &b, &e) == -1 && strstr(e.msg, "gsm9k") && strstr(e.msg, "gsm8k"),
          "%s", e.msg);
    CHECK(st, wmss_bench_load("gsm8k", "/nonexistent/file.jsonl", &b, &e) == -1 && strstr(e.msg, "/nonexistent/file.jsonl"),
          "%s", e.msg);
    CHECK(st, wmss_bench_find("math500") && wmss_bench_find("math500")->kind == WMSS_BENCH_LATEX, "table");
    CHECK(st, wmss_bench_find("aime2025") && wmss_bench_find("aime2025")->max_new_tokens == 8192, "table");
    CHECK(st, !wmss_bench_find("MATH500") && wmss_bench_count() == 7, "table");
}

int main(void) {
    check_state st = {0, 0};
    hostile(&st);
    soup(&st);
    bad_golds(&st);
    return check_finish(&st, "test_grade_robust");
}
