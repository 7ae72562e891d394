// The data options (--max-len, --chat-template, --enable-thinking, --bad-data,
// --overlong), declared once for every command that reads training data.
#ifndef WMSS_DATA_FLAGS_H
#define WMSS_DATA_FLAGS_H

#include "args.h"
#include "data_setup.h"

typedef struct {
    const char *max_len;
    const char *loss_on;  // --loss-on, where the command offers it (NULL: not given)
    long max_len_min;
    wmss_data_spec spec;
} data_flags;

#define DATA_FLAG_COUNT 5

// Writes the option table (DATA_FLAG_COUNT entries) into opts and returns the count.
// max_len_default: "4096", or "0" for no limit (wmss grads).
int data_flags_opts(data_flags *df, const char *max_len_default, cli_opt *opts);
// --loss-on completion|all (the tokens the loss covers), for the commands that train
// (sft, joint, run, grads): writes its one entry into opt and returns 1. Call after
// data_flags_opts.
int data_flags_loss_on_opt(data_flags *df, cli_opt *opt);
// Parses --max-len (and --loss-on) into df->spec. Returns 0, or 2 after printing a usage error.
int data_flags_finish(data_flags *df);

#endif
