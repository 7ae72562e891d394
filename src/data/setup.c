// The tokenizer, chat template and dataset of a training run: see data_setup.h.
#include "data_setup.h"

#include <stdio.h>
#include <string.h>

#include "fsutil.h"

// The spec's strings as the dataset reader's options.
static int reader_opts(const wmss_data_spec *s, wmss_data_opts *o, wmss_error *e) {
    if (s->bad_data && !strcmp(s->bad_data, "skip")) o->on_bad = WMSS_BAD_SKIP;
    else if (s->bad_data && strcmp(s->bad_data, "stop"))
        return wmss_fail(e, "--bad-data must be stop or skip, got '%s'", s->bad_data);
    if (s->overlong && !strcmp(s->overlong, "drop")) o->on_long = WMSS_LONG_DROP;
    else if (s->overlong && strcmp(s->overlong, "truncate"))
        return wmss_fail(e, "--overlong must be truncate or drop, got '%s'", s->overlong);
    if (s->enable_thinking) {
        if (!strcmp(s->enable_thinking, "true")) o->enable_thinking = 1;
        else if (!strcmp(s->enable_thinking, "false")) o->enable_thinking = 0;
        else return wmss_fail(e, "--enable-thinking must be true or false");
    }
    return 0;
}

int wmss_data_setup_load(wmss_data_setup *d, const char *model_dir, const char *tokenizer_path, const char *data_path,
                         const wmss_data_spec *s, int vocab_size, FILE *log, wmss_error *e) {
    memset(d, 0, sizeof *d);
    const char *tp = tokenizer_path ? tokenizer_path : model_dir;
    char probe[4200];
    snprintf(probe, sizeof probe, "%s/tokenizer.json", tp);
    if (tokenizer_path || wmss_file_exists(probe)) {
        if (wmss_tokenizer_load(tp, &d->tok, e)) return -1;
        if (wmss_chat_template_load(&d->chat, tp, s->chat_template, &d->chat_error) == 0) d->have_chat = 1;
    } else {
        snprintf(d->chat_error.msg, sizeof d->chat_error.msg, "%s has no tokenizer.json", tp);
    }
    wmss_data_opts o = {
        .max_len = s->max_len,
        .tok = d->tok,
        .chat = d->have_chat ? &d->chat : NULL,
        .chat_error = d->have_chat ? NULL : d->chat_error.msg,
        .enable_thinking = -1,
        .vocab_size = vocab_size,
        .loss_on_all = s->loss_on_all,
        .log = log,
    };
    if (reader_opts(s, &o, e) || wmss_dataset_load(data_path, &o, &d->ds, e)) return -1;
    if (!log) return 0;
    const wmss_dataset *ds = &d->ds;
    long targets = 0;
    for (int i = 0; i < ds->n; i++) targets += ds->n_targets[i];
    fprintf(log,
            "data %s: %d examples, %lld tokens (%ld trained) from %d lines; skipped %d bad, truncated %d, dropped %d "
            "overlong and %d without targets\n",
            data_path, ds->n, (long long)ds->n_tokens, targets, ds->n_lines, ds->n_bad, ds->n_truncated,
            ds->n_dropped_long, ds->n_no_target);
    return 0;
}

void wmss_data_setup_free(wmss_data_setup *d) {
    wmss_dataset_free(&d->ds);
    if (d->have_chat) wmss_chat_template_free(&d->chat);
    if (d->tok) wmss_tokenizer_free(d->tok);
    memset(d, 0, sizeof *d);
}
