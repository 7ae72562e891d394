// The grader on the benchmarks' own gold data (../shared/benchmarks, found from
// $WMSS_ROOT as tests/run.sh sets it):
//   - every benchmark loads with its documented row count and every gold is gradable;
//   - GSM8K test: each gold rationale (the "answer" text, "#### N" included) graded as a
//     model output is correct against N — all 1319;
//   - MATH-500: the last \boxed{} of each gold "solution" grades equal to "answer" for
//     at least 99% (the failures are printed; docs/grading.md lists them);
//   - every benchmark: "\boxed{gold}" and "The answer is gold." grade correct, and
//     the next item's gold, where it is a different string, grades wrong.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "grade.h"

static void bench_dir(char *out, size_t cap) {
    const char *root = getenv("WMSS_ROOT");
    if (root) {
        snprintf(out, cap, "%s/../shared/benchmarks", root);
        return;
    }
    wmss_error e = {{0}};
    if (wmss_benchmarks_dir(out, cap, &e)) {
        fprintf(stderr, "%s\n", e.msg);
        exit(1);
    }
}

static int load(check_state *st, const char *dir, const char *name, wmss_bench *b) {
    wmss_error e = {{0}};
    int rc = wmss_bench_load(name, dir, b, &e);
    CHECK(st, rc == 0, "%s: %s", name, e.msg);
    return rc;
}

static void gsm8k_rationales(check_state *st, const char *dir) {
    wmss_bench b;
    if (load(st, dir, "gsm8k", &b)) return;
    CHECK(st, b.n == 1319, "gsm8k has %d items", b.n);
    int ok = 0;
    for (int i = 0; i < b.n; i++) {
        wmss_grade_result r;
        wmss_error e = {{0}};
        if (wmss_grade_bench_item(&b, i, b.solution[i], &r, &e)) {
            CHECK(st, 0, "gsm8k %d: %s", i, e.msg);
            continue;
        }
        if (r.correct) ok++;
        else fprintf(stderr, "gsm8k %d: gold %s, extracted \"%s\" (%s)\n", i, b.gold[i], r.extracted, r.method);
    }
    printf("GSM8K gold rationales: %d/%d correct\n", ok, b.n);
    CHECK(st, ok == b.n, "GSM8K gold rationales: %d/%d", ok, b.n);
    wmss_bench_free(&b);
}

static void math500_solutions(check_state *st, const char *dir) {
    wmss_bench b;
    if (load(st, dir, "math500", &b)) return;
    CHECK(st, b.n == 500, "math500 has %d items", b.n);
    int ok = 0;
    for (int i = 0; i < b.n; i++) {
        wmss_grade_result r;
        wmss_error e = {{0}};
        CHECK(st, b.solution[i] != NULL, "math500 %d has no solution", i);
        if (!b.solution[i]) continue;
        if (wmss_grade_bench_item(&b, i, b.solution[i], &r, &e)) {
            CHECK(st, 0, "math500 %d: %s", i, e.msg);
            continue;
        }
        if (r.correct) ok++;
        else printf("  MATH-500 failure: index %d, answer \"%s\", extracted \"%s\" (%s)\n", i, b.gold[i], r.extracted, r.method);
    }
    printf("MATH-500 gold solutions: %d/%d correct (%.1f%%)\n", ok, b.n, 100.0 * ok / b.n);
    CHECK(st, ok * 100 >= 99 * b.n, "MATH-500 gold solutions: %d/%d < 99%%", ok, b.n);
    // The gold answers rewritten in ways that keep their meaning must still grade equal.
    int rewritten[4] = {0, 0, 0, 0};
    for (int i = 0; i < b.n; i++) {
        const char *g = b.gold[i];
        size_t n = strlen(g);
        char *w = malloc(4 * n + 64), *o;
        for (int t = 0; t < 4; t++) {
            o = w;
            for (size_t k = 0; k < n; k++) {
                if (t == 0 && !strncmp(g + k, "\\frac", 5)) { o += sprintf(o, "\\dfrac"); k += 4; }
                else if (t == 1 && (g[k] == ',' || g[k] == '+' || g[k] == '=')) o += sprintf(o, " %c ", g[k]);
                else if (t == 2 && g[k] == ' ' && k > 0 && !((g[k - 1] >= 'a' && g[k - 1] <= 'z') || (g[k - 1] >= 'A' && g[k - 1] <= 'Z'))) continue;
                else *o++ = g[k];
            }
            *o = '\0';
            char *out = malloc(strlen(w) + 64);
            if (t == 3) sprintf(out, "Final Answer: The final answer is $%s$. I hope it is correct.", g);
            else sprintf(out, "so $\\boxed{%s}$", w);
            wmss_grade_result r;
            wmss_error e = {{0}};
            if (!wmss_grade_bench_item(&b, i, out, &r, &e) && r.correct) rewritten[t]++;
            else fprintf(stderr, "MATH-500 %d: rewritten gold \"%s\" graded wrong against \"%s\"\n", i, out, g);
            free(out);
        }
        free(w);
    }
    printf("MATH-500 rewritten golds: \\dfrac %d, spaced %d, unspaced %d, Minerva phrase %d (of %d)\n", rewritten[0],
           rewritten[1], rewritten[2], rewritten[3], b.n);
    for (int t = 0; t < 4; t++) CHECK(st, rewritten[t] == b.n, "rewrite %d: %d/%d", t, rewritten[t], b.n);
    wmss_bench_free(&b);
}

// Every benchmark's gold, boxed or after "The answer is", grades correct; the next
// item's gold (when it is a different string) grades wrong.
// Neighbouring golds that are different strings for the same answer (checked by hand):
// MATH-500 22 "5" / 23 "x=5"; MAWPS 48 "15" / 49 "15.0".
static int same_answer_by_hand(const char *bench, int i) {
    return (!strcmp(bench, "math500") && i == 22) || (!strcmp(bench, "mawps") && i == 48);
}

static void self_consistency(check_state *st, const char *dir) {
    static const int rows[] = {1319, 500, 1000, 238, 254, 30, 40};
    for (int k = 0; k < wmss_bench_count(); k++) {
        const wmss_bench_info *in = wmss_bench_at(k);
        wmss_bench b;
        if (load(st, dir, in->name, &b)) continue;
        CHECK(st, b.n == rows[k], "%s: %d items, want %d", in->name, b.n, rows[k]);
        int ok_boxed = 0, ok_phrase = 0, wrong_other = 0, others = 0;
        for (int i = 0; i < b.n; i++) {
            char *out = malloc(strlen(b.gold[i]) + 64);
            wmss_grade_result r;
            wmss_error e = {{0}};
            sprintf(out, "So we get \\boxed{%s}.", b.gold[i]);
            if (!wmss_grade_bench_item(&b, i, out, &r, &e) && r.correct) ok_boxed++;
            else fprintf(stderr, "%s %d: boxed gold \"%s\" not correct (%s)\n", in->name, i, b.gold[i], e.msg);
            sprintf(out, "The answer is %s%s%s.", in->kind == WMSS_BENCH_LATEX ? "$" : "", b.gold[i],
                    in->kind == WMSS_BENCH_LATEX ? "$" : "");
            if (!wmss_grade_bench_item(&b, i, out, &r, &e) && r.correct) ok_phrase++;
            else fprintf(stderr, "%s %d: \"%s\" not correct\n", in->name, i, out);
            free(out);
            int j = (i + 1) % b.n;
            if (strcmp(b.gold[i], b.gold[j])) {
                char *o2 = malloc(strlen(b.gold[j]) + 32);
                sprintf(o2, "\\boxed{%s}", b.gold[j]);
                others++;
                int want = same_answer_by_hand(in->name, i);
                if (!wmss_grade_bench_item(&b, i, o2, &r, &e) && r.correct == want) wrong_other++;
                else fprintf(stderr, "%s %d: the gold of item %d (\"%s\") graded %d\n", in->name, i, j, b.gold[j], r.correct);
                free(o2);
            }
        }
        printf("%-9s %4d items: boxed gold %d, \"answer is\" gold %d, next item's gold as expected %d/%d\n", in->name, b.n,
               ok_boxed, ok_phrase, wrong_other, others);
        CHECK(st, ok_boxed == b.n && ok_phrase == b.n && wrong_other == others, "%s self-consistency", in->name);
        wmss_bench_free(&b);
    }
}

// All 124,750 pairs of MATH-500 gold answers: the pairs of different strings that grade
// equal must be exactly these, each checked by hand (the same value with a degree mark,
// a unit, a "$", "x=", a base subscript, thousands separators or another \frac / list
// spelling). Anything else equal would be a false positive of the checker.
static const int MATH500_EQUAL_PAIRS[][2] = {
    {7, 229},   {13, 23},   {22, 23},   {23, 47},   {23, 59},   {23, 211},  {23, 302},  {23, 344},  {25, 456},
    {70, 104},  {70, 200},  {109, 133}, {109, 324}, {128, 281}, {128, 488}, {133, 260}, {155, 362}, {156, 192},
    {177, 192}, {192, 233}, {194, 362}, {198, 349}, {229, 372}, {260, 324}, {263, 467}, {281, 287}, {281, 488},
    {287, 488}, {327, 467}, {362, 494}, {409, 418}, {445, 467}, {467, 489},
};

static void math500_pairs(check_state *st, const char *dir) {
    wmss_bench b;
    if (load(st, dir, "math500", &b)) return;
    const int np = (int)(sizeof MATH500_EQUAL_PAIRS / sizeof MATH500_EQUAL_PAIRS[0]);
    int equal = 0, expected = 0, pairs = 0;
    for (int i = 0; i < b.n; i++)
        for (int j = i + 1; j < b.n; j++) {
            pairs++;
            if (!strcmp(b.gold[i], b.gold[j])) continue;
            int want = 0;
            for (int k = 0; k < np && !want; k++) want = MATH500_EQUAL_PAIRS[k][0] == i && MATH500_EQUAL_PAIRS[k][1] == j;
            int got = wmss_grade_equal(WMSS_BENCH_LATEX, b.gold[i], b.gold[j], NULL);
            equal += got;
            expected += got && want;
            if (got != want) CHECK(st, 0, "MATH-500 golds %d \"%s\" and %d \"%s\": equal %d, want %d", i, b.gold[i], j, b.gold[j], got, want);
        }
    printf("MATH-500 gold pairs: %d pairs, %d pairs of different strings equal (%d expected by hand)\n", pairs, equal, np);
    CHECK(st, equal == np && expected == np, "MATH-500 pairs");
    wmss_bench_free(&b);
}

int main(void) {
    check_state st = {0, 0};
    char dir[4096];
    bench_dir(dir, sizeof dir);
    gsm8k_rationales(&st, dir);
    math500_solutions(&st, dir);
    math500_pairs(&st, dir);
    self_consistency(&st, dir);
    return check_finish(&st, "test_grade_gold");
}
