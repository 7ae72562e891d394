// wmss chat-format: renders a conversation with a tokenizer's chat template and prints
// the text (or, with --spans, a JSON object with the text and the assistant spans).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "chat.h"
#include "commands.h"
#include "fsutil.h"

// Prints s (n bytes) as a JSON string.
static void print_json_string(const char *s, size_t n) {
    putchar('"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') printf("\\%c", c);
        else if (c == '\n') fputs("\\n", stdout);
        else if (c == '\r') fputs("\\r", stdout);
        else if (c == '\t') fputs("\\t", stdout);
        else if (c < 0x20) printf("\\u%04x", c);
        else putchar(c);
    }
    putchar('"');
}

static int read_messages(const char *path, cJSON **json, wmss_chat_message **m, size_t *n,
                         wmss_error *e) {
    char *text;
    size_t len;
    if (wmss_read_file(path, &text, &len, e)) return -1;
    const char *end = NULL;
    *json = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    if (!*json) {
        size_t off = end ? (size_t)(end - text) : 0, line = 1;
        for (size_t i = 0; i < off && i < len; i++) line += text[i] == '\n';
        free(text);
        return wmss_fail(e, "%s:%zu: invalid JSON (near byte %zu)", path, line, off);
    }
    free(text);
    return wmss_chat_messages_from_json(*json, path, m, n, e);
}

int cmd_chat_format(int argc, char **argv) {
    const char *tokenizer = NULL, *messages_path = NULL, *name = "auto", *thinking = NULL;
    wmss_chat_options opt = WMSS_CHAT_OPTIONS_DEFAULT;
    int spans = 0, done;
    const cli_opt opts[] = {
        {"--tokenizer", "PATH", "tokenizer_config.json, tokenizer.json (the config beside it is "
                                "used) or a model directory (required)", &tokenizer, NULL},
        {"--messages", "FILE", "JSON: {\"messages\": [...]} or an array of {role, content} (required)",
         &messages_path, NULL},
        {"--chat-template", "NAME", "auto (default: detect from the template text), qwen3, qwen2.5, "
                                    "llama3, llama3.1, llama3.2, gemma3, or none (the contents "
                                    "concatenated as they are)", &name, NULL},
        {"--add-generation-prompt", NULL, "end with the header that opens an assistant turn", NULL,
         &opt.add_generation_prompt},
        {"--enable-thinking", "BOOL", "qwen3: true or false (default: unset, the template's default)",
         &thinking, NULL},
        {"--date-string", "STR", "llama3.1/3.2 'Today Date' (default: 3.1 '26 Jul 2024', 3.2 today)",
         &opt.date_string, NULL},
        {"--spans", NULL, "print {\"template\", \"text\", \"spans\": [{message, begin, end}]} with the "
                          "byte offsets of each assistant turn", NULL, &spans},
    };
    int rc = cli_parse("chat-format", "--tokenizer PATH --messages FILE [options]", argc, argv, opts,
                       sizeof opts / sizeof opts[0], &done);
    if (done) return rc;
    if (!tokenizer || !messages_path) {
        fprintf(stderr, "wmss chat-format: --tokenizer PATH and --messages FILE are required\n");
        return 2;
    }
    if (thinking) {
        if (!strcmp(thinking, "true")) opt.enable_thinking = 1;
        else if (!strcmp(thinking, "false")) opt.enable_thinking = 0;
        else {
            fprintf(stderr, "wmss chat-format: --enable-thinking: expected true or false, got '%s'\n", thinking);
            return 2;
        }
    }
    wmss_error e = {{0}};
    wmss_chat_template t = {0};
    cJSON *json = NULL;
    wmss_chat_message *m = NULL;
    size_t n = 0;
    wmss_chat_rendered r = {0};
    rc = 1;
    if (wmss_chat_template_load(&t, tokenizer, name, &e) || read_messages(messages_path, &json, &m, &n, &e))
        goto done;
    if (wmss_chat_render(&t, m, n, &opt, &r, &e)) {
        wmss_error_prefix(&e, "%s: %s template", messages_path, wmss_chat_family_name(t.family));
        goto done;
    }
    if (spans) {
        printf("{\"template\": \"%s\", \"text\": ", wmss_chat_family_name(t.family));
        print_json_string(r.text, r.len);
        printf(", \"spans\": [");
        for (size_t i = 0; i < r.n_spans; i++)
            printf("%s{\"message\": %zu, \"begin\": %zu, \"end\": %zu}", i ? ", " : "",
                   r.spans[i].message, r.spans[i].begin, r.spans[i].end);
        printf("]}\n");
    } else {
        fwrite(r.text, 1, r.len, stdout);
    }
    if (fflush(stdout) == 0) rc = 0;
    else snprintf(e.msg, sizeof e.msg, "cannot write the output");
done:
    if (rc) fprintf(stderr, "wmss chat-format: %s\n", e.msg);
    wmss_chat_rendered_free(&r);
    free(m);
    cJSON_Delete(json);
    wmss_chat_template_free(&t);
    return rc;
}
