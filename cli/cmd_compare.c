// wmss compare: the controlled comparison (compare.h) of training recipes ("arms") on
// a user's model and data, over several seeds, evaluated on a benchmark, with paired
// differences against the anchor and a report. A rerun continues: finished arms are
// skipped.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "compare.h"
#include "dist.h"
#include "train_flags.h"

#define OWN 18

int cmd_compare(int argc, char **argv) {
    const char *m0 = NULL, *data = NULL, *out = NULL, *bench = NULL, *test = NULL, *arms_s = "sft-2ep,m1,wmss";
    const char *seeds_s = "1", *first_s = "1", *anchor = "sft-2ep", *limit_s = NULL, *max_new_s = NULL;
    const char *eval_batch_s = "16", *alpha = "0.1", *beta = "0.8", *gamma = "0.1", *normalize = "per-term";
    int no_chat = 0, list = 0, done;
    train_flags tf;
    cli_opt opts[OWN + TRAIN_FLAG_COUNT] = {
        {"--model", "DIR", "the base model M0 (required)", &m0, NULL},
        {"--data", "FILE", "the training set D, JSONL (required)", &data, NULL},
        {"--bench", "NAME", "evaluation benchmark: gsm8k, math500, svamp, mawps, aqua, aime2025, amc23 (required)", &bench, NULL},
        {"--test", "FILE", "the benchmark's file (default: the shared benchmarks folder)", &test, NULL},
        {"--limit", "N", "evaluate the first N items only", &limit_s, NULL},
        {"--max-new-tokens", "N", "generation budget (default: the benchmark's)", &max_new_s, NULL},
        {"--eval-batch", "N", "sequences decoded together (default 16)", &eval_batch_s, NULL},
        {"--no-chat", NULL, "evaluate with a plain-text prompt (base models)", NULL, &no_chat},
        {"--arms", "LIST", "comma-separated arms (default sft-2ep,m1,wmss; see --list-arms)", &arms_s, NULL},
        {"--seeds", "N", "seeds per arm (default 1)", &seeds_s, NULL},
        {"--first-seed", "S", "the first seed (default 1): seeds S .. S+N-1", &first_s, NULL},
        {"--anchor", "ARM", "the arm the others are paired with (default sft-2ep)", &anchor, NULL},
        {"--out", "DIR", "the comparison directory (required)", &out, NULL},
        {"--alpha", "A", "selection weight alpha (default 0.1)", &alpha, NULL},
        {"--beta", "B", "selection weight beta (default 0.8)", &beta, NULL},
        {"--gamma", "G", "selection weight gamma (default 0.1)", &gamma, NULL},
        {"--normalize", "N", "selection term normalization: per-term (default) or none", &normalize, NULL},
        {"--list-arms", NULL, "print the arms and the name grammar, then exit", NULL, &list},
    };
    int n_opts = OWN + train_flags_opts(&tf, opts + OWN, 0);
    int rc = cli_parse("compare", "--model M0 --data D --bench NAME [--test FILE] --arms LIST --seeds N --out DIR "
                       "[training flags]", argc, argv, opts, n_opts, &done);
    if (done) return rc;
    if (list) {
        printf("arms (BASE, BASE[key=value,...] or BASE-suffixes; '|' lists alternatives inside [...]):\n");
        wmss_arms_describe(stdout);
        printf("\nkeys: lambda=L (strong weight), lr=X or jlr=X (the arm's phase at X times --lr), warmup=R (ratio; 0 = "
               "none),\n      neftune=A, epochs=N\nsuffixes: -lambda-L, -jlr-X, -lr-X, -nowarmup, -warmup-R, -neftune-A, "
               "-epochs-N\nexamples: wmss-lambda-0.3  wmss-jlr-0.1-nowarmup  'wmss[lr=1|0.3|0.1,warmup=0|0.1]'\n");
        return 0;
    }
    if (!m0 || !data || !out || !bench) {
        fprintf(stderr, "wmss compare: --model, --data, --bench and --out are required\n");
        return 2;
    }
    wmss_compare_opts o;
    wmss_compare_opts_default(&o);
    long seeds, first, limit = -1, max_new = 0, eval_batch;
    tf.data = data;
    tf.out = out;
    if (cli_int("--seeds", seeds_s, 1, 1000, &seeds) || cli_int("--first-seed", first_s, 0, 1000000, &first) ||
        (limit_s && cli_int("--limit", limit_s, 1, 1 << 30, &limit)) ||
        (max_new_s && cli_int("--max-new-tokens", max_new_s, 1, 1 << 24, &max_new)) ||
        cli_int("--eval-batch", eval_batch_s, 1, 4096, &eval_batch) || cli_double("--alpha", alpha, &o.select.alpha) ||
        cli_double("--beta", beta, &o.select.beta) || cli_double("--gamma", gamma, &o.select.gamma) ||
        train_flags_finish("compare", &tf, &o.train))
        return 2;
    if (o.select.alpha < 0 || o.select.beta < 0 || o.select.gamma < 0 || wmss_select_norm_parse(normalize, &o.select.normalize)) {
        fprintf(stderr, "wmss compare: need --alpha, --beta, --gamma >= 0 and --normalize per-term|none\n");
        return 2;
    }
    wmss_error e = {{0}};
    wmss_dist dist;  // one process: the phases run one after another, each on all of this process's threads
    if (wmss_dist_init(&dist, &e) || wmss_dist_size(&dist) > 1) {
        fprintf(stderr, "wmss compare: %s\n", e.msg[0] ? e.msg : "runs as one process, not under mpirun (its phases are "
                                                               "not data parallel yet)");
        wmss_dist_finalize(&dist, 0);
        return 2;
    }
    wmss_dist_finalize(&dist, 0);
    wmss_arm *arms;
    int n_arms;
    if (wmss_arms_parse_list(arms_s, &arms, &n_arms, &e)) {
        fprintf(stderr, "wmss compare: --arms: %s\n", e.msg);
        return 2;
    }
    o.model = m0;
    o.data = data;
    o.out = out;
    o.eval.bench = bench;
    o.eval.data = test;
    o.eval.limit = (int)limit;
    o.eval.max_new_tokens = (int)max_new;
    o.eval.batch = (int)eval_batch;
    o.eval.chat = !no_chat;
    o.arms = arms;
    o.n_arms = n_arms;
    o.anchor = anchor;
    o.seeds = (int)seeds;
    o.first_seed = (int)first;
    volatile sig_atomic_t stop = 0;
    o.train.train.stop = &stop;
    wmss_stop_on_signals(&stop);
    wmss_compare_result r;
    rc = wmss_compare_run(&o, &r, &e);
    free(arms);
    if (rc) {
        fprintf(stderr, "wmss compare: %s\n", e.msg);
        return 1;
    }
    if (r.interrupted) {
        fprintf(stderr, "wmss compare: interrupted; rerun the same command to continue (%d arm(s) finished now)\n",
                r.arms_run);
        return 130;
    }
    printf("wmss compare: %d arm run(s) finished now, %d already done; report in %s (summary.md, results.json)\n",
           r.arms_run, r.arms_skipped, r.report_dir);
    return 0;
}
