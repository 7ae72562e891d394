// wmss demo: the built-in experiment (demo.h: wmss_demo_run): a synthetic reasoning task
// with a tokenizer and a pretrained base model M0, then the controlled comparison of
// the arms on it (M0, M1 = 1 SFT epoch, SFT for 2 epochs, WMSS; any arm of wmss compare
// with --arms), evaluated on the task's test split, with a report.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "commands.h"
#include "demo.h"
#include "fsutil.h"
#include "train_setup.h"

// A report file to stdout, up to `stop` (NULL: all of it).
static void print_part(const char *report_dir, const char *name, const char *stop) {
    char path[4300], *text = NULL;
    size_t len = 0;
    wmss_error e;
    snprintf(path, sizeof path, "%s/%s", report_dir, name);
    if (wmss_read_file(path, &text, &len, &e)) return;
    const char *end = stop ? strstr(text, stop) : NULL;
    fwrite(text, 1, end ? (size_t)(end - text) : len, stdout);
    printf("\n");
    free(text);
}

int cmd_demo(int argc, char **argv) {
    const char *out = "demo-out", *seed_s = "1", *seeds_s = "1", *size_s = NULL, *arms = NULL;
    int quick = 0, prepare_only = 0, saturation = 0, done;
    const cli_opt opts[] = {
        {"--out", "DIR", "the task, every arm's outputs and the report (default demo-out; a rerun continues)", &out, NULL},
        {"--seed", "S", "seed of the task and of the first training run (default 1)", &seed_s, NULL},
        {"--seeds", "N", "training seeds S .. S+N-1 over the same task (default 1)", &seeds_s, NULL},
        {"--quick", NULL, "a small configuration that runs in about a minute (a pipeline check, not a regime)", NULL,
         &quick},
        {"--arms", "LIST", "the arms (wmss compare --list-arms; default m0,m1,sft-2ep,wmss)", &arms, NULL},
        {"--saturation", NULL, "also SFT for 3 epochs (is SFT saturated after 2?)", NULL, &saturation},
        {"--size", "K=V,...", "override fields of the task's size (wmss_demo_size in src/demo.h), e.g. train=3000",
         &size_s, NULL},
        {"--prepare-only", NULL, "stop after the task (data, tokenizer, pretrained M0 and its evaluation)", NULL,
         &prepare_only},
    };
    int rc = cli_parse("demo", "[--quick] [--seed S] [--seeds N] [--out DIR] [--arms LIST] [--saturation] "
                       "[--size K=V,...] [--prepare-only]", argc, argv, opts, sizeof opts / sizeof opts[0], &done);
    if (done) return rc;
    long seed, seeds;
    if (cli_int("--seed", seed_s, 0, 1L << 30, &seed) || cli_int("--seeds", seeds_s, 1, 1000, &seeds)) return 2;
    wmss_demo_opts o = {.out = out, .size = quick ? WMSS_DEMO_QUICK : WMSS_DEMO_FULL, .seed = (uint64_t)seed,
                        .seeds = (int)seeds, .arms = arms, .prepare_only = prepare_only, .log = stderr};
    wmss_error e = {{0}};
    if (size_s && wmss_demo_size_set(&o.size, size_s, &e)) {
        fprintf(stderr, "wmss demo: --size: %s\n", e.msg);
        return 2;
    }
    char arms_buf[1024];
    if (saturation) {
        snprintf(arms_buf, sizeof arms_buf, "%s,sft-3ep", arms ? arms : "m0,m1,sft-2ep,wmss");
        o.arms = arms_buf;
    }
    volatile sig_atomic_t stop = 0;
    o.stop = &stop;
    wmss_stop_on_signals(&stop);
    wmss_demo_result r;
    rc = wmss_demo_run(&o, &r, &e);
    if (rc) {
        fprintf(stderr, "wmss demo: %s\n", e.msg);
        rc = strncmp(e.msg, "--arms", 6) ? 1 : 2;  // a bad arm list is a usage error, found before any work
    } else if (r.interrupted) {
        fprintf(stderr, "wmss demo: interrupted; rerun the same command to continue\n");
        rc = 130;
    } else {
        printf("task in %s/task: %d train / %d test problems, %.2fM parameters; M0 before SFT %.1f%% (plain-text "
               "prompt), %.1f%% (chat template)\n", out, r.task.n_train, r.task.n_test, r.task.params / 1e6,
               100 * r.task.m0_acc_plain, 100 * r.task.m0_acc_chat);
        if (!prepare_only) {
            print_part(r.report_dir, "summary.md", "\nArms:");  // the table, without the arms' list
            print_part(r.report_dir, "regime.md", NULL);
            printf("report: %s (summary.md, regime.md, results.json, accuracy.svg, paired.svg, loss.svg, dh.svg)\n",
                   r.report_dir);
        }
    }
    wmss_demo_result_free(&r);
    return rc;
}
