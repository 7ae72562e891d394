// Prompts and extraction of the code benchmarks, as EvalPlus does them (code.h).
#include <stdlib.h>
#include <string.h>

#include "code.h"

#define EOS "<|endoftext|>", "<|endofmask|>", "</s>", "\nif __name__", "\ndef main(", "\nprint("
static const char *const STOP_HE[] = {EOS, "\ndef ", "\nclass ", "\nimport ", "\nfrom ", "\nassert "};
static const char *const STOP_MBPP[] = {EOS, "\n\"\"\"", "\nassert"};
static const char *const STOP_CHAT[] = {EOS, "\n```\n"};

const char *const *wmss_code_stop_strings(wmss_code_kind kind, int chat, int *n) {
    if (chat) {
        *n = (int)(sizeof STOP_CHAT / sizeof *STOP_CHAT);
        return STOP_CHAT;
    }
    if (kind == WMSS_CODE_MBPP) {
        *n = (int)(sizeof STOP_MBPP / sizeof *STOP_MBPP);
        return STOP_MBPP;
    }
    *n = (int)(sizeof STOP_HE / sizeof *STOP_HE);
    return STOP_HE;
}

static char *join(const char *const *parts, int n) {
    size_t len = 0;
    for (int i = 0; i < n; i++) len += strlen(parts[i]);
    char *p = malloc(len + 1);
    if (!p) return NULL;
    size_t k = 0;
    for (int i = 0; i < n; i++) {
        size_t m = strlen(parts[i]);
        memcpy(p + k, parts[i], m);
        k += m;
    }
    p[k] = '\0';
    return p;
}

char *wmss_code_chat_message(const wmss_code_bench *b, int i) {
    // EvalPlus: the instruction, then the task stripped of surrounding blanks in a ``` block.
    const char *q = b->question[i];
    while (*q == ' ' || *q == '\n' || *q == '\t' || *q == '\r') q++;
    size_t n = strlen(q);
    while (n && (q[n - 1] == ' ' || q[n - 1] == '\n' || q[n - 1] == '\t' || q[n - 1] == '\r')) n--;
    char *task = malloc(n + 1);
    if (!task) return NULL;
    memcpy(task, q, n);
    task[n] = '\0';
    const char *parts[] = {WMSS_CODE_INSTRUCTION, "\n```\n", task, "\n```\n"};
    char *m = join(parts, 4);
    free(task);
    return m;
}

// The longest fenced code block (``` or ```python ... ```), or NULL.
static char *longest_block(const char *t) {
    const char *best = NULL;
    size_t best_n = 0;
    const char *p = t;
    while ((p = strstr(p, "```"))) {
        const char *body = strchr(p + 3, '\n');  // skip the language tag
        if (!body) break;
        body++;
        const char *end = strstr(body, "```");
        size_t n = end ? (size_t)(end - body) : strlen(body);  // an unclosed block runs to the end
        if (n > best_n || !best) {
            best = body;
            best_n = n;
        }
        if (!end) break;
        p = end + 3;
    }
    if (!best) return NULL;
    char *s = malloc(best_n + 1);
    if (s) {
        memcpy(s, best, best_n);
        s[best_n] = '\0';
    }
    return s;
}

static int defines(const char *t, const char *entry) {
    size_t n = strlen(entry);
    for (const char *p = t; (p = strstr(p, "def ")); p += 4) {
        const char *s = p + 4;
        while (*s == ' ') s++;
        if (!strncmp(s, entry, n) && (s[n] == '(' || s[n] == ' ')) return 1;
    }
    return 0;
}

char *wmss_code_program(const wmss_code_bench *b, int i, const char *text, wmss_code_mode mode, int *sanitize) {
    *sanitize = 0;
    if (!text) text = "";
    if (mode == WMSS_CODE_AUTO)
        mode = strstr(text, "```") || defines(text, b->entry_point[i]) ? WMSS_CODE_CHAT : WMSS_CODE_COMPLETION;
    if (mode == WMSS_CODE_SOLUTION) return strdup(text);
    if (mode == WMSS_CODE_CHAT) {
        *sanitize = 1;
        char *blk = longest_block(text);
        return blk ? blk : strdup(text);
    }
    // Completion: cut at the first stop string, appended to the prompt.
    int ns;
    const char *const *stops = wmss_code_stop_strings(b->kind, 0, &ns);
    size_t cut = strlen(text);
    for (int k = 0; k < ns; k++) {
        const char *s = strstr(text, stops[k]);
        if (s && (size_t)(s - text) < cut) cut = (size_t)(s - text);
    }
    size_t np = strlen(b->prompt[i]);
    char *p = malloc(np + cut + 2);
    if (!p) return NULL;
    memcpy(p, b->prompt[i], np);
    memcpy(p + np, text, cut);
    p[np + cut] = '\n';
    p[np + cut + 1] = '\0';
    return p;
}
