// pass@k and mean@n against hand-computed values (wmss_pass_at_k, wmss_score_samples),
// and the code prompts / extraction (code.h) on hand-made answers.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "code.h"
#include "evaluate.h"

static int near(double a, double b) { return fabs(a - b) < 1e-12; }

int main(void) {
    check_state st = {0};
    // 1 - C(n-c, k) / C(n, k)
    CHECK(&st, near(wmss_pass_at_k(3, 1, 2), 2.0 / 3), "n=3 c=1 k=2: %g", wmss_pass_at_k(3, 1, 2));
    CHECK(&st, near(wmss_pass_at_k(3, 1, 1), 1.0 / 3), "n=3 c=1 k=1");
    CHECK(&st, near(wmss_pass_at_k(3, 0, 3), 0), "no correct sample");
    CHECK(&st, near(wmss_pass_at_k(3, 3, 1), 1), "all correct");
    CHECK(&st, near(wmss_pass_at_k(5, 2, 2), 1 - 3.0 / 10), "n=5 c=2 k=2: 1 - C(3,2)/C(5,2) = 0.7");
    CHECK(&st, near(wmss_pass_at_k(10, 3, 5), 1 - 21.0 / 252), "n=10 c=3 k=5: 1 - C(7,5)/C(10,5)");
    CHECK(&st, near(wmss_pass_at_k(4, 2, 3), 1), "n-c < k: 1");

    // Two items: 1 of 3 and 2 of 3 correct.
    wmss_sample_scores s;
    wmss_error e = {{0}};
    int ns[] = {3, 3}, nc[] = {1, 2};
    CHECK(&st, wmss_score_samples(2, ns, nc, &s, &e) == 0, "%s", e.msg);
    CHECK(&st, s.kmax == 3, "kmax %d", s.kmax);
    CHECK(&st, near(s.accuracy, 0.5), "mean@3 %g", s.accuracy);
    CHECK(&st, near(s.pass_at_k[0], 0.5), "pass@1 = mean@n %g", s.pass_at_k[0]);
    CHECK(&st, near(s.pass_at_k[1], (2.0 / 3 + 1) / 2), "pass@2 %g", s.pass_at_k[1]);
    CHECK(&st, near(s.pass_at_k[2], 1), "pass@3 %g", s.pass_at_k[2]);
    wmss_sample_scores_free(&s);
    // Unequal sample counts: pass@k only up to the fewest.
    int ns2[] = {3, 2}, nc2[] = {1, 2};
    CHECK(&st, wmss_score_samples(2, ns2, nc2, &s, &e) == 0, "%s", e.msg);
    CHECK(&st, s.kmax == 2 && near(s.accuracy, (1.0 / 3 + 1) / 2) && near(s.pass_at_k[1], (2.0 / 3 + 1) / 2), "unequal");
    wmss_sample_scores_free(&s);
    int bad_c[] = {4, 0};
    CHECK(&st, wmss_score_samples(2, ns, bad_c, &s, &e) == -1 && strstr(e.msg, "item 0"), "c > n refused: %s", e.msg);

    // Prompts and extraction on a hand-made item.
    char *tid[] = {"T/0"}, *prompt[] = {"def add(a, b):\n    \"\"\"Add.\"\"\"\n"}, *ep[] = {"add"};
    wmss_code_bench b = {.name = "humaneval", .kind = WMSS_CODE_HUMANEVAL, .n = 1, .task_id = tid, .prompt = prompt,
                         .question = prompt, .entry_point = ep};
    int san;
    char *p = wmss_code_program(&b, 0, "    return a + b\n\ndef other():\n    pass\nprint(add(1, 2))", WMSS_CODE_AUTO, &san);
    CHECK(&st, p && !san && !strcmp(p, "def add(a, b):\n    \"\"\"Add.\"\"\"\n    return a + b\n\n"), "completion cut at \\ndef: [%s]", p);
    free(p);
    p = wmss_code_program(&b, 0, "Sure:\n```python\nimport math\ndef add(a, b):\n    return a + b\n```\nand\n```\nx\n```", WMSS_CODE_AUTO, &san);
    CHECK(&st, p && san && !strcmp(p, "import math\ndef add(a, b):\n    return a + b\n"), "chat: the longest block: [%s]", p);
    free(p);
    p = wmss_code_program(&b, 0, "def add(a, b): return a - b", WMSS_CODE_SOLUTION, &san);
    CHECK(&st, p && !san && !strcmp(p, "def add(a, b): return a - b"), "solution as it is");
    free(p);
    char *m = wmss_code_chat_message(&b, 0);
    CHECK(&st, m && !strcmp(m, WMSS_CODE_INSTRUCTION "\n```\ndef add(a, b):\n    \"\"\"Add.\"\"\"\n```\n"), "chat message [%s]", m);
    free(m);
    int n;
    const char *const *stops = wmss_code_stop_strings(WMSS_CODE_MBPP, 0, &n);
    CHECK(&st, n == 8 && !strcmp(stops[7], "\nassert"), "mbpp stops");
    return check_finish(&st, "test_passk");
}
