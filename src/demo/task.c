// Synthetic multi-step word problems: a running count of things a person has, changed
// step by step. The completion states each step's arithmetic and ends in \boxed{N}.
#include <stdio.h>
#include <string.h>

#include "demo.h"

static const char *const NAMES[] = {"Ava", "Ben", "Cora", "Dan", "Eli", "Fay", "Gus", "Hana",
                                    "Ivy", "Jon", "Kai", "Lena", "Milo", "Nora", "Omar", "Pia"};
static const char *const THINGS[] = {"apples", "marbles", "stickers", "coins", "pencils", "cards",
                                     "shells", "books", "stamps", "cookies", "balloons", "beads"};

static int pick(wmss_rng *r, int n) { return (int)(wmss_rng_next(r) % (uint64_t)n); }
static long range(wmss_rng *r, long lo, long hi) { return lo + (long)(wmss_rng_next(r) % (uint64_t)(hi - lo + 1)); }

typedef struct {
    char *p;
    size_t left;
} sbuf;

static void put(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#include <stdarg.h>
static void put(sbuf *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b->p, b->left, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    size_t k = (size_t)n < b->left ? (size_t)n : b->left ? b->left - 1 : 0;
    b->p += k;
    b->left -= k;
}

void wmss_task_make(wmss_rng *r, int level, wmss_task_item *it) {
    if (level < 1) level = 1;
    if (level > WMSS_TASK_LEVELS) level = WMSS_TASK_LEVELS;
    memset(it, 0, sizeof *it);
    it->level = level;
    const long hi = level == 1 ? 9 : level == 2 ? 20 : level == 3 ? 30 : 50;
    const char *who = NAMES[pick(r, 16)], *friend_ = NAMES[pick(r, 16)], *what = THINGS[pick(r, 12)];
    if (friend_ == who) friend_ = NAMES[(pick(r, 15) + 1 + (int)(who - NAMES[0])) % 16];
    long count = range(r, 2, hi);
    sbuf q = {it->question, sizeof it->question}, s = {it->solution, sizeof it->solution};
    put(&q, "%s has %ld %s.", who, count, what);
    put(&s, "%s starts with %ld %s.", who, count, what);
    const int mul_step = level >= 3 ? pick(r, level) : -1;
    for (int step = 0; step < level; step++) {
        long x;
        if (step == mul_step) {
            x = range(r, 2, level == 3 ? 3 : 4);
            put(&q, " Then the number of %s becomes %ld times as large.", what, x);
            put(&s, " %ld * %ld = %ld.", count, x, count * x);
            count *= x;
        } else if (count > 1 && pick(r, 2)) {
            x = range(r, 1, count - 1 < hi ? count - 1 : hi);
            switch (pick(r, 3)) {
            case 0: put(&q, " %s gives %ld %s to %s.", who, x, what, friend_); break;
            case 1: put(&q, " %s loses %ld %s.", who, x, what); break;
            default: put(&q, " %s sells %ld %s.", who, x, what); break;
            }
            put(&s, " %ld - %ld = %ld.", count, x, count - x);
            count -= x;
        } else {
            x = range(r, 1, hi);
            switch (pick(r, 3)) {
            case 0: put(&q, " %s buys %ld more %s.", who, x, what); break;
            case 1: put(&q, " %s gets %ld %s from %s.", who, x, what, friend_); break;
            default: put(&q, " %s finds %ld more %s.", who, x, what); break;
            }
            put(&s, " %ld + %ld = %ld.", count, x, count + x);
            count += x;
        }
    }
    put(&q, " How many %s does %s have now?", what, who);
    put(&s, " The answer is \\boxed{%ld}.", count);
    it->answer = count;
}

void wmss_task_corpus_text(wmss_rng *r, char *out, size_t cap) {
    wmss_task_item it;
    wmss_task_make(r, 1 + pick(r, WMSS_TASK_LEVELS), &it);
    sbuf b = {out, cap};
    switch (pick(r, 3)) {
    case 0: put(&b, "%s %s", it.question, it.solution); break;
    case 1: put(&b, "Problem: %s\nSolution: %s", it.question, it.solution); break;
    default: {  // plain arithmetic facts
        long a = range(r, 0, 60), c = range(r, 0, 60);
        put(&b, "%ld + %ld = %ld. %ld - %ld = %ld. %ld * %ld = %ld.", a, c, a + c, a + c, c, a, a % 13, c % 7,
            (a % 13) * (c % 7));
    }
    }
}
