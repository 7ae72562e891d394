#include "data_flags.h"

#include <stdio.h>
#include <string.h>

int data_flags_opts(data_flags *df, const char *max_len_default, cli_opt *opts) {
    const int unlimited = !strcmp(max_len_default, "0");
    *df = (data_flags){.max_len = max_len_default, .max_len_min = unlimited ? 0 : 2};
    const cli_opt t[DATA_FLAG_COUNT] = {
        {"--max-len", "N",
         unlimited ? "tokens per example; longer ones are truncated (default: no limit)"
                   : "tokens per example; longer ones are truncated (default 4096)",
         &df->max_len, NULL},
        {"--chat-template", "NAME", "chat template family: auto (default), qwen3, qwen2.5, llama3, gemma3, none",
         &df->spec.chat_template, NULL},
        {"--enable-thinking", "true|false", "Qwen3 template option", &df->spec.enable_thinking, NULL},
        {"--bad-data", "stop|skip", "malformed lines: stop with an error (default) or skip and count",
         &df->spec.bad_data, NULL},
        {"--overlong", "truncate|drop", "examples over --max-len: truncate (default) or drop", &df->spec.overlong, NULL},
    };
    memcpy(opts, t, sizeof t);
    return DATA_FLAG_COUNT;
}

int data_flags_loss_on_opt(data_flags *df, cli_opt *opt) {
    *opt = (cli_opt){"--loss-on", "completion|all",
                     "tokens the loss covers: completion (default) or all (every next-token position, the prompt "
                     "included, as TRL without completion_only_loss)",
                     &df->loss_on, NULL};
    return 1;
}

int data_flags_finish(data_flags *df) {
    if (df->loss_on) {
        if (!strcmp(df->loss_on, "all")) df->spec.loss_on_all = 1;
        else if (!strcmp(df->loss_on, "completion")) df->spec.loss_on_all = 0;
        else {
            fprintf(stderr, "wmss: --loss-on must be completion or all, got '%s'\n", df->loss_on);
            return 2;
        }
    }
    long max_len;
    if (cli_int("--max-len", df->max_len, df->max_len_min, 1 << 24, &max_len)) return 2;
    df->spec.max_len = (int)max_len;
    return 0;
}
