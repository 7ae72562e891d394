// Synthetic multi-step word problems: a running count of things a person has, changed
// step by step. A problem is its structure (start, events, operands); its solution text
// is rendered with phrasings, connectives, operand orders, openings, restatements and
// closings drawn at random per rendering, as human-written reasoning varies, so that a
// model of the solutions keeps entropy that no amount of training removes. Every
// rendering states each step's arithmetic and ends in \boxed{N}.
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "demo.h"

static const char *const NAMES[] = {"Ava", "Ben", "Cora", "Dan", "Eli", "Fay", "Gus", "Hana",
                                    "Ivy", "Jon", "Kai", "Lena", "Milo", "Nora", "Omar", "Pia"};
static const char *const PRONOUN[] = {"she", "he", "she", "he", "he", "she", "he", "she",  // NAMES' pronouns
                                      "she", "he", "he", "she", "he", "she", "he", "she"};
static const char *const THINGS[] = {"apples", "marbles", "stickers", "coins", "pencils", "cards",
                                     "shells", "books", "stamps", "cookies", "balloons", "beads"};
#define N_NAMES 16
#define N_THINGS 12

static int pick(wmss_rng *r, int n) { return (int)(wmss_rng_next(r) % (uint64_t)n); }
static long range(wmss_rng *r, long lo, long hi) { return lo + (long)(wmss_rng_next(r) % (uint64_t)(hi - lo + 1)); }
static int chance(wmss_rng *r, double p) { return wmss_rng_uniform(r) < p; }

typedef struct {
    char *p;
    size_t left;
} sbuf;

static void put(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
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

// Events: what happens in a step (the question's sentence and the solution's restatement).
enum { EV_BUY, EV_GET, EV_FIND, EV_GIVE, EV_LOSE, EV_SELL, EV_TIMES };

static void question_event(sbuf *q, const wmss_task_item *it, const wmss_task_step *s) {
    const char *who = NAMES[it->who], *fr = NAMES[it->friend_], *what = THINGS[it->what];
    switch (s->event) {
    case EV_BUY: put(q, " %s buys %ld more %s.", who, s->x, what); break;
    case EV_GET: put(q, " %s gets %ld %s from %s.", who, s->x, what, fr); break;
    case EV_FIND: put(q, " %s finds %ld more %s.", who, s->x, what); break;
    case EV_GIVE: put(q, " %s gives %ld %s to %s.", who, s->x, what, fr); break;
    case EV_LOSE: put(q, " %s loses %ld %s.", who, s->x, what); break;
    case EV_SELL: put(q, " %s sells %ld %s.", who, s->x, what); break;
    default: put(q, " Then the number of %s becomes %ld times as large.", what, s->x); break;
    }
}

// A renderer's choices: uniform, or (house > 0) biased toward a house style. With
// probability `house` a choice takes its favourite option (the explicit one: restate the
// goal and each event, keep a running total, name the things), as one careful author's
// habits would; otherwise it is uniform. The pretraining corpus is written by "many authors" (house 0),
// the SFT set by one (house > 0): SFT then teaches a style, lowering the entropy on its
// completions, while the arithmetic it needs is already the base's.
// `habit`: the probability that a step's connective is the favourite ("First," / "Then")
// whatever the house style. The corpus's authors share that habit; the SFT set's sources
// (habit 0) vary their connectives more: where M0 is surer, the SFT model learns a choice,
// so some examples' entropy rises with SFT (the repair term [dH]+).
typedef struct {
    wmss_rng *r;
    double house, habit;
} gen;

static int choose(gen *g, int n, int fav) {
    if (g->house > 0 && wmss_rng_uniform(g->r) < g->house) return fav;
    return pick(g->r, n);
}

// The person, by name or (not the favourite) by pronoun.
static const char *person(gen *g, const wmss_task_item *it) {
    return choose(g, 2, 0) ? PRONOUN[it->who] : NAMES[it->who];
}

// A restatement of the event, e.g. "Ava buys 5 more" / "after buying 5 more".
static void restate(gen *g, sbuf *b, const wmss_task_item *it, const wmss_task_step *s, int gerund) {
    const char *fr = NAMES[it->friend_];
    static const char *const V3[][3] = {{"buys %ld more", "picks up %ld more", "buys another %ld"},
                                        {"gets %ld from %s", "receives %ld from %s", "is given %ld by %s"},
                                        {"finds %ld more", "comes across %ld more", "finds another %ld"},
                                        {"gives %ld to %s", "hands %ld to %s", "passes %ld to %s"},
                                        {"loses %ld", "misplaces %ld", "drops %ld"},
                                        {"sells %ld", "sells off %ld", "sells %ld away"},
                                        {"has %ld times as many", "ends up with %ld times as many", "multiplies the count by %ld"}};
    static const char *const VG[][3] = {{"buying %ld more", "picking up %ld more", "buying another %ld"},
                                        {"getting %ld from %s", "receiving %ld from %s", "being given %ld by %s"},
                                        {"finding %ld more", "coming across %ld more", "finding another %ld"},
                                        {"giving %ld to %s", "handing %ld to %s", "passing %ld to %s"},
                                        {"losing %ld", "misplacing %ld", "dropping %ld"},
                                        {"selling %ld", "selling off %ld", "selling %ld away"},
                                        {"the count grows %ld times", "the count is multiplied by %ld", "multiplying by %ld"}};
    static const char *const SO[] = {"so", "which means", "and", "so now"};
    char tmp[96];
    const char *fmt = gerund ? VG[s->event][choose(g, 3, 0)] : V3[s->event][choose(g, 3, 0)];
    snprintf(tmp, sizeof tmp, fmt, s->x, fr);
    if (gerund) put(b, "after %s, ", tmp);
    else {
        const char *who = person(g, it);
        put(b, "%s %s, %s ", who, tmp, SO[choose(g, 4, 0)]);
    }
}

// The arithmetic of one step in one of several phrasings (operand orders, symbols or
// words, the word for "equals"), the result optionally followed by the things' name
// (`what`; NULL in drills).
static void arithmetic(gen *g, sbuf *b, const wmss_task_step *s, const char *what) {
    const long a = s->before, x = s->x, c = s->after;
    static const char *const SYM[] = {"=", "is", "equals"}, *const WORD[] = {"is", "equals", "makes", "gives"};
    const char *sym = SYM[choose(g, 3, 0)], *word = WORD[choose(g, 4, 0)];
    if (s->op == '+') {
        switch (choose(g, 5, 0)) {
        case 0: put(b, "%ld + %ld %s %ld", a, x, sym, c); break;
        case 1: put(b, "%ld plus %ld %s %ld", a, x, word, c); break;
        case 2: put(b, "%ld + %ld %s %ld", x, a, sym, c); break;
        case 3: put(b, "adding %ld to %ld gives %ld", x, a, c); break;
        default: put(b, "%ld and %ld more make %ld", a, x, c); break;
        }
    } else if (s->op == '-') {
        switch (choose(g, 4, 0)) {
        case 0: put(b, "%ld - %ld %s %ld", a, x, sym, c); break;
        case 1: put(b, "%ld minus %ld %s %ld", a, x, word, c); break;
        case 2: put(b, "taking %ld from %ld leaves %ld", x, a, c); break;
        default: put(b, "%ld - %ld leaves %ld", a, x, c); break;
        }
    } else {
        switch (choose(g, 4, 0)) {
        case 0: put(b, "%ld * %ld %s %ld", a, x, sym, c); break;
        case 1: put(b, "%ld times %ld %s %ld", a, x, word, c); break;
        case 2: put(b, "%ld * %ld %s %ld", x, a, sym, c); break;
        default: put(b, "%ld multiplied by %ld gives %ld", a, x, c); break;
        }
    }
    if (what && choose(g, 2, 1)) put(b, " %s", what);
}

// A thinking-aloud remark before each step and before the closing, as reasoning text
// has: none (the favourite) or one of eleven.
static void aside(gen *g, sbuf *b) {
    static const char *const ASIDE[] = {"", " Okay.", " Good.", " Right.", " Alright.", " Let's see.", " Hmm.",
                                        " Let me think.", " Sure.", " Fine.", " Let me check.", " Got it."};
    put(b, "%s", ASIDE[choose(g, 12, 0)]);
}

static void cap_first(char *s) {
    if (*s >= 'a' && *s <= 'z') *s = (char)(*s - 'a' + 'A');
}

void wmss_task_render(wmss_rng *r, const wmss_task_item *it, double house, double habit, char *out, size_t cap) {
    const char *who = NAMES[it->who], *what = THINGS[it->what];
    gen g = {r, house, habit};
    sbuf b = {out, cap};
    if (cap) out[0] = '\0';
    switch (choose(&g, 6, 3)) {  // opening
    case 0: put(&b, "%s starts with %ld %s.", who, it->start, what); break;
    case 1: put(&b, "At first, %s has %ld %s.", who, it->start, what); break;
    case 2: put(&b, "%s has %ld %s to begin with.", who, it->start, what); break;
    case 3: put(&b, "Let's solve it step by step. %s starts with %ld %s.", who, it->start, what); break;
    case 4: put(&b, "We start from %ld %s.", it->start, what); break;
    default: put(&b, "In the beginning there are %ld %s.", it->start, what); break;
    }
    switch (choose(&g, 3, 1)) {  // the goal: unsaid, or restated in one of two ways
    case 1: put(&b, " We need to find how many %s %s has at the end.", what, who); break;
    case 2: put(&b, " The question asks for the final number of %s.", what); break;
    default: break;
    }
    for (int k = 0; k < it->n_steps; k++) {
        const wmss_task_step *s = &it->step[k];
        static const char *const FIRST[] = {"First, ", "", "To start, ", "To begin, "},
                          *const NEXT[] = {"Then ", "", "Next, ", "After that, ", "Now ", "Later, ", "And then ", "Afterwards, "};
        aside(&g, &b);
        const int habitual = g.habit > 0 && wmss_rng_uniform(g.r) < g.habit;
        const char *conn = k == 0 ? FIRST[habitual ? 0 : choose(&g, 4, 0)] : NEXT[habitual ? 0 : choose(&g, 8, 0)];
        char sentence[256];
        sbuf t = {sentence, sizeof sentence};
        put(&t, "%s", conn);
        switch (choose(&g, 3, 1)) {  // restatement of the event: none, "X buys 5 more, so", "After buying 5 more,"
        case 1: restate(&g, &t, it, s, 0); break;
        case 2: restate(&g, &t, it, s, 1); break;
        default: break;
        }
        arithmetic(&g, &t, s, what);
        put(&t, ".");
        cap_first(sentence);
        put(&b, " %s", sentence);
        if (k + 1 < it->n_steps) switch (choose(&g, 6, 1)) {  // a running total: none, or one of five
            case 1: put(&b, " Now %s has %ld %s.", person(&g, it), s->after, what); break;
            case 2: put(&b, " That makes %ld %s so far.", s->after, what); break;
            case 3: put(&b, " So the count is %ld.", s->after); break;
            case 4: put(&b, " That leaves %ld %s for now.", s->after, what); break;
            case 5: put(&b, " The count is now %ld.", s->after); break;
            default: break;
            }
    }
    aside(&g, &b);
    switch (choose(&g, 5, 2)) {  // closing
    case 0: put(&b, " The answer is \\boxed{%ld}.", it->answer); break;
    case 1: put(&b, " So %s has \\boxed{%ld} %s now.", who, it->answer, what); break;
    case 2: put(&b, " %s now has %ld %s. The answer is \\boxed{%ld}.", who, it->answer, what, it->answer); break;
    case 3: put(&b, " Therefore, the final answer is \\boxed{%ld}.", it->answer); break;
    default: put(&b, " In total %s ends with \\boxed{%ld} %s.", who, it->answer, what); break;
    }
}

void wmss_task_make(wmss_rng *r, int level, wmss_task_item *it) {
    if (level < 1) level = 1;
    if (level > WMSS_TASK_LEVELS) level = WMSS_TASK_LEVELS;
    memset(it, 0, sizeof *it);
    it->level = level;
    const long hi = level == 1 ? 9 : level == 2 ? 20 : level == 3 ? 30 : 50;
    it->who = pick(r, N_NAMES);
    it->friend_ = pick(r, N_NAMES);
    it->what = pick(r, N_THINGS);
    if (it->friend_ == it->who) it->friend_ = (it->who + 1 + pick(r, N_NAMES - 1)) % N_NAMES;
    long count = range(r, 2, hi);
    it->start = count;
    sbuf q = {it->question, sizeof it->question};
    put(&q, "%s has %ld %s.", NAMES[it->who], count, THINGS[it->what]);
    const int mul_step = level >= 3 ? pick(r, level) : -1;
    it->n_steps = level;
    for (int k = 0; k < level; k++) {
        wmss_task_step *s = &it->step[k];
        s->before = count;
        if (k == mul_step) {
            s->x = range(r, 2, level == 3 ? 3 : 4);
            s->op = '*';
            s->event = EV_TIMES;
            count *= s->x;
        } else if (count > 1 && pick(r, 2)) {
            s->x = range(r, 1, count - 1 < hi ? count - 1 : hi);
            s->op = '-';
            s->event = EV_GIVE + pick(r, 3);
            count -= s->x;
        } else {
            s->x = range(r, 1, hi);
            s->op = '+';
            s->event = EV_BUY + pick(r, 3);
            count += s->x;
        }
        s->after = count;
        question_event(&q, it, s);
    }
    put(&q, " How many %s does %s have now?", THINGS[it->what], NAMES[it->who]);
    it->answer = count;
    wmss_task_render(r, it, 0, 1, it->solution, sizeof it->solution);
}

// Drills of the arithmetic the solutions use, in the solutions' phrasings.
static void drill(wmss_rng *r, sbuf *b) {
    int n = 2 + pick(r, 4);
    for (int k = 0; k < n; k++) {
        wmss_task_step s = {0};
        switch (pick(r, 3)) {
        case 0: s.op = '+'; s.before = range(r, 0, 150); s.x = range(r, 1, 50); s.after = s.before + s.x; break;
        case 1: s.op = '-'; s.before = range(r, 2, 200); s.x = range(r, 1, s.before - 1 < 50 ? s.before - 1 : 50);
                s.after = s.before - s.x; break;
        default: s.op = '*'; s.before = range(r, 1, 80); s.x = range(r, 2, 4); s.after = s.before * s.x; break;
        }
        char t[128];
        sbuf tb = {t, sizeof t};
        gen g = {r, 0, 0};  // drills have no connectives
        arithmetic(&g, &tb, &s, NULL);
        cap_first(t);
        put(b, "%s%s.", k ? " " : "", t);
    }
}

void wmss_task_corpus_text(wmss_rng *r, const wmss_task_item *it, int kind, const char *instruction, double habit,
                           char *out, size_t cap) {
    sbuf b = {out, cap};
    if (cap) out[0] = '\0';
    if (kind == WMSS_CORPUS_DRILL) {
        drill(r, &b);
        return;
    }
    char sol[WMSS_TASK_TEXT];
    wmss_task_render(r, it, 0, habit, sol, sizeof sol);
    if (kind == WMSS_CORPUS_CHAT) {  // a conversation in the chat template (ChatML), as pretraining corpora hold
        if (chance(r, 0.8)) put(&b, "<|im_start|>system\n%s<|im_end|>\n", instruction);
        put(&b, "<|im_start|>user\n%s<|im_end|>\n<|im_start|>assistant\n%s<|im_end|>", it->question, sol);
        return;
    }
    switch (pick(r, 4)) {  // a worked solution in plain text
    case 0: put(&b, "%s\n%s\n%s", it->question, instruction, sol); break;  // the plain-text evaluation prompt's layout
    case 1: put(&b, "Problem: %s\nSolution: %s", it->question, sol); break;
    case 2: put(&b, "Question: %s\nAnswer: %s", it->question, sol); break;
    default: put(&b, "%s %s", it->question, sol); break;
    }
}
