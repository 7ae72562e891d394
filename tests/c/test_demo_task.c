// The built-in task's generator: every rendering of a solution is correct (each step's
// arithmetic as the problem's structure says, the running count chained, \boxed{answer}
// at the end), renderings of one problem vary (openings, phrasings, closings), the
// answer follows from the question's events, and the size overrides parse and refuse.
#include <math.h>
#include <stdlib.h>

#include "check.h"
#include "demo.h"

// The numbers of a rendering in order, as written.
static int numbers(const char *s, long *v, int cap) {
    int n = 0;
    for (const char *p = s; *p && n < cap;) {
        if (*p >= '0' && *p <= '9') {
            char *end;
            v[n++] = strtol(p, &end, 10);
            p = end;
        } else p++;
    }
    return n;
}

int main(void) {
    check_state st = {0};
    wmss_rng r;
    wmss_rng_seed(&r, 7);
    int distinct_total = 0, tried = 0;
    for (int trial = 0; trial < 400; trial++) {
        wmss_task_item it;
        wmss_task_make(&r, 1 + trial % WMSS_TASK_LEVELS, &it);
        // The structure chains and gives the answer.
        long c = it.start;
        for (int k = 0; k < it.n_steps; k++) {
            const wmss_task_step *s = &it.step[k];
            CHECK(&st, s->before == c, "step %d starts from %ld, not %ld", k, s->before, c);
            c = s->op == '+' ? c + s->x : s->op == '-' ? c - s->x : c * s->x;
            CHECK(&st, s->after == c && c >= 0, "step %d: %ld %c %ld -> %ld", k, s->before, s->op, s->x, s->after);
        }
        CHECK(&st, c == it.answer && it.n_steps == it.level, "answer %ld vs %ld", c, it.answer);
        // Every rendering holds each step's result and ends with the boxed answer.
        char seen[8][WMSS_TASK_TEXT];
        int n_seen = 0;
        for (int k = 0; k < 8; k++) {
            char sol[WMSS_TASK_TEXT], boxed[64];
            wmss_task_render(&r, &it, k & 1 ? 0.6 : 0, k & 2 ? 0.7 : 0, sol, sizeof sol);
            snprintf(boxed, sizeof boxed, "\\boxed{%ld}", it.answer);
            const char *b = strstr(sol, boxed);
            CHECK(&st, b && !strstr(b + 1, "\\boxed"), "no single final %s in: %s", boxed, sol);
            long v[64];
            int nv = numbers(sol, v, 64), at = 0;
            for (int s = 0; s < it.n_steps; s++) {  // each step's result appears, in order
                while (at < nv && v[at] != it.step[s].after) at++;
                CHECK(&st, at < nv, "step %d's result %ld missing in: %s", s, it.step[s].after, sol);
            }
            CHECK(&st, strlen(sol) + 1 < sizeof sol, "rendering truncated");
            int dup = 0;
            for (int j = 0; j < n_seen; j++) dup |= !strcmp(seen[j], sol);
            if (!dup) snprintf(seen[n_seen++], sizeof seen[0], "%s", sol);
        }
        distinct_total += n_seen;
        tried++;
    }
    // 8 renderings of a problem are almost always all different.
    CHECK(&st, distinct_total > 7 * tried, "renderings vary too little: %d distinct of %d", distinct_total, 8 * tried);
    // The house style: at 1 every choice is the favourite (one rendering: "Let's solve it
    // step by step." opening, the goal restated, "First, " / "Then ", each event restated,
    // running totals, the things named after each result, the two-sentence closing); at
    // 0.5 that opening is drawn about 0.5 + 0.5/6 of the time, at 0 about 1/6.
    {
        wmss_task_item it;
        wmss_task_make(&r, 3, &it);
        char a[WMSS_TASK_TEXT], b[WMSS_TASK_TEXT];
        wmss_task_render(&r, &it, 1, 0, a, sizeof a);
        wmss_task_render(&r, &it, 1, 0, b, sizeof b);
        CHECK(&st, !strcmp(a, b) && !strncmp(a, "Let's solve it step by step.", 28) && strstr(a, " We need to find ") &&
                       strstr(a, " First, ") && strstr(a, " Then ") && strstr(a, ", so ") && strstr(a, " Now ") &&
                       strstr(a, " now has ") && strstr(a, ". The answer is \\boxed{"),
              "house 1 is not the one explicit style: %s | %s", a, b);
        int first[2] = {0, 0};
        const double hs[2] = {0, 0.5};
        for (int h = 0; h < 2; h++)
            for (int k = 0; k < 3000; k++) {
                wmss_task_render(&r, &it, hs[h], 0, a, sizeof a);
                first[h] += !strncmp(a, "Let's solve it step by step.", 28);
            }
        CHECK(&st, fabs(first[0] / 3000.0 - 1 / 6.0) < 0.03 && fabs(first[1] / 3000.0 - (0.5 + 0.5 / 6)) < 0.03,
              "favourite-opening shares %.3f (house 0) and %.3f (house 0.5)", first[0] / 3000.0, first[1] / 3000.0);
    }
    // The corpus's authors' habit: at habit 1 every rendering has "First, " and three
    // "Then "; at habit 0 (the SFT sources) "Next, " appears at each of the three later
    // steps with chance 1/8; at habit 0.7, 0.3/8.
    {
        wmss_task_item it;
        wmss_task_make(&r, 4, &it);
        char a[WMSS_TASK_TEXT];
        int fixed = 1, next[2] = {0, 0};
        for (int k = 0; k < 2000; k++) {
            wmss_task_render(&r, &it, 0, 1, a, sizeof a);
            int thens = 0;
            for (const char *p = a; (p = strstr(p, "Then ")); p++) thens++;
            fixed &= strstr(a, "First, ") && thens >= 3;
            for (int h = 0; h < 2; h++) {
                wmss_task_render(&r, &it, 0, h ? 0.7 : 0, a, sizeof a);
                for (const char *p = a; (p = strstr(p, "Next, ")); p++) next[h]++;
            }
        }
        CHECK(&st, fixed, "a habit-1 rendering without \"First, \" and three \"Then \": %s", a);
        CHECK(&st, fabs(next[0] / 6000.0 - 1 / 8.0) < 0.02 && fabs(next[1] / 6000.0 - 0.3 / 8) < 0.01,
              "\"Next, \" per later step: %.3f at habit 0 (1/8), %.3f at habit 0.7 (0.3/8)", next[0] / 6000.0, next[1] / 6000.0);
    }
    // Corpus texts: a chat conversation is in ChatML; a plain one holds the question.
    wmss_task_item it;
    wmss_task_make(&r, 3, &it);
    char text[3 * WMSS_TASK_TEXT];
    wmss_task_corpus_text(&r, &it, WMSS_CORPUS_CHAT, "INSTR", 0.7, text, sizeof text);
    CHECK(&st, strstr(text, "<|im_start|>user\n") && strstr(text, it.question) && strstr(text, "<|im_start|>assistant\n"),
          "chat text: %s", text);
    wmss_task_corpus_text(&r, &it, WMSS_CORPUS_PLAIN, "INSTR", 0.7, text, sizeof text);
    CHECK(&st, strstr(text, it.question) && !strstr(text, "<|im_start|>"), "plain text: %s", text);
    // Size overrides.
    wmss_demo_size z = WMSS_DEMO_QUICK;
    wmss_error e;
    CHECK(&st, wmss_demo_size_set(&z, "train=123,lr=0.0005", &e) == 0 && z.train == 123 && z.lr == 0.0005, "%s", e.msg);
    CHECK(&st, wmss_demo_size_set(&z, "trian=1", &e) != 0 && strstr(e.msg, "unknown field"), "typo accepted");
    CHECK(&st, wmss_demo_size_set(&z, "heads=3", &e) != 0, "heads not a multiple of kv_heads accepted");
    CHECK(&st, wmss_demo_size_set(&z, "house_share=1.5", &e) != 0 && strstr(e.msg, "house_share"), "house_share 1.5 accepted");
    CHECK(&st, wmss_demo_size_set(&z, "habit=1.01", &e) != 0 && strstr(e.msg, "habit"), "habit 1.01 accepted");
    z = WMSS_DEMO_QUICK;
    char s1[2048];
    wmss_demo_size_string(&WMSS_DEMO_FULL, s1, sizeof s1);
    z = WMSS_DEMO_QUICK;
    CHECK(&st, wmss_demo_size_set(&z, s1, &e) == 0 && !memcmp(&z, &WMSS_DEMO_FULL, sizeof z), "round trip: %s", s1);
    return check_finish(&st, "test_demo_task");
}
