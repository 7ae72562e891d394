// wmss run: Algorithm 1 end to end. M1 = SFT(M0) for --sft-epochs; then for each round
// t = 1..K: weak = M_{t-1}, strong = M_t; entropy of both over D; select; joint
// training on the active set gives M_{t+1}. Every phase's outputs stay under DIR:
//   DIR/m1/                      SFT model (Phase 1)
//   DIR/round-t/entropy-weak.jsonl, entropy-strong.jsonl, active.jsonl, select-stats.json
//   DIR/round-t/joint/           the joint-trained strong model, M_{t+1}
//   DIR/final/                   the last round's model
// Each phase is exactly the corresponding command (sft, entropy, select, joint), run
// in-process with the flags given here. A phase that finished is marked with a .done
// file; rerunning the same command continues from the first unfinished phase (an
// interrupted training phase resumes from its newest checkpoint).
// Under mpirun every rank runs this driver: training and scoring phases are data
// parallel (each rank does its share), the rest (selection, markers, the final copy,
// log lines) is rank 0's, and rank 0 decides which phases are already done so that all
// ranks take the same path.
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "commands.h"
#include "dist.h"
#include "fsutil.h"
#include "train_state.h"

// Paths here are --out plus short suffixes, and --out is checked to be short: the
// compiler cannot see that bound.
#pragma GCC diagnostic ignored "-Wformat-truncation"

#define MAX_ARGS 96

typedef struct {
    char *v[MAX_ARGS];
    int n;
} argv_t;

static void push(argv_t *a, const char *s) {
    if (a->n < MAX_ARGS - 1) a->v[a->n++] = (char *)s;
    a->v[a->n] = NULL;
}

static void push_opt(argv_t *a, const char *name, const char *value) {
    if (!value) return;
    push(a, name);
    push(a, value);
}

// Rank 0's answer, on every rank (a failed broadcast has already ended the job).
static int root_says(const wmss_dist *d, int answer) {
    wmss_error e;
    if (wmss_dist_bcast(d, &answer, sizeof answer, 0, &e)) wmss_dist_abort(d, 1);
    return answer;
}

// After a step only rank 0 performs (rc: its status there, 0 elsewhere): every rank
// returns non-zero when it failed.
static int root_did(const wmss_dist *d, int rc) {
    const int root_rc = root_says(d, rc);
    return wmss_dist_is_root(d) ? rc : root_rc;
}

#define SAY(...)                                                        \
    do {                                                                \
        if (wmss_dist_is_root(&dist)) fprintf(stderr, __VA_ARGS__);     \
    } while (0)

static int done_marker(const char *dir, int write) {
    char p[4200];
    snprintf(p, sizeof p, "%s/.done", dir);
    if (!write) return wmss_file_exists(p);
    wmss_error e;
    return wmss_write_file_atomic(p, "", 0, &e) == 0;
}

// Runs a training command; a directory left by an earlier attempt of this phase is
// resumed from its newest checkpoint, or started over when it has none.
static int run_training(const wmss_dist *d, int (*cmd)(int, char **), argv_t *a, const char *out) {
    long step = -1;
    char path[4400];
    wmss_error e;
    int how = 0;  // rank 0 looks: 0 new, 1 resume, 2 start over
    if (wmss_dist_is_root(d) && wmss_is_dir(out)) {
        wmss_train_checkpoint_latest(out, &step, path, sizeof path, &e);
        how = step >= 0 ? 1 : 2;
    }
    how = root_says(d, how);
    if (how) push(a, how == 1 ? "--resume" : "--overwrite");
    return cmd(a->n, a->v);
}

int cmd_run(int argc, char **argv) {
    const char *m0 = NULL, *data = NULL, *dir = NULL, *rounds_s = "1", *sft_epochs = "1", *joint_epochs = "1";
    const char *lambda = NULL, *alpha = NULL, *beta = NULL, *gamma = NULL, *preset = NULL, *normalize = NULL;
    const char *select_seed = NULL, *draws = NULL, *joint_lr = NULL, *batch_tokens = NULL;
    int freeze = 0, done;
    // Training flags passed to both sft and joint.
    enum { NT = 22 };
    static const char *const TRAIN[NT] = {
        "--lr", "--warmup-ratio", "--warmup-steps", "--lr-schedule", "--batch", "--micro-batch", "--max-len",
        "--max-grad-norm", "--weight-decay", "--adam-beta1", "--adam-beta2", "--adam-eps", "--seed", "--save-every",
        "--keep-checkpoints", "--log-every", "--dtype", "--loss-chunk", "--chat-template", "--enable-thinking",
        "--bad-data", "--overlong"};
    const char *tv[NT] = {0};
    int no_shuffle = 0;
    cli_opt opts[24 + NT] = {
        {"--model", "DIR", "the base model M0 (required)", &m0, NULL},
        {"--data", "FILE", "the training set D (required)", &data, NULL},
        {"--out", "DIR", "run directory: every phase's outputs (required)", &dir, NULL},
        {"--rounds", "K", "weak-driven rounds (default 1, the paper's main setting)", &rounds_s, NULL},
        {"--sft-epochs", "N", "epochs of the initial SFT (default 1)", &sft_epochs, NULL},
        {"--joint-epochs", "N", "epochs of joint training per round (default 1)", &joint_epochs, NULL},
        {"--joint-lr", "LR", "learning rate of joint training (default: --lr)", &joint_lr, NULL},
        {"--lambda", "L", "strong weight in the mixed logits (default 0.5)", &lambda, NULL},
        {"--freeze-weak", NULL, "do not update the weak model in joint training", NULL, &freeze},
        {"--alpha", "A", "selection weight alpha (default 0.1)", &alpha, NULL},
        {"--beta", "B", "selection weight beta (default 0.8)", &beta, NULL},
        {"--gamma", "G", "selection weight gamma (default 0.1)", &gamma, NULL},
        {"--preset", "P", "selection preset: paper (default) or released-code", &preset, NULL},
        {"--normalize", "N", "selection term normalization: per-term (default) or none", &normalize, NULL},
        {"--select-seed", "S", "selection sampling seed (default 42)", &select_seed, NULL},
        {"--draws", "N", "selection draws (default |D|)", &draws, NULL},
        {"--batch-tokens", "N", "tokens per entropy-scoring micro-batch (default 8192)", &batch_tokens, NULL},
        {"--no-shuffle", NULL, "keep the file order of examples in training", NULL, &no_shuffle},
    };
    int n_opts = 18;
    for (int i = 0; i < NT; i++) opts[n_opts++] = (cli_opt){TRAIN[i], "V", "passed to sft and joint", &tv[i], NULL};
    int rc = cli_parse("run", "--model M0 --data D --out DIR [--rounds K] [options]", argc, argv, opts, n_opts, &done);
    if (done) return rc;
    long rounds;
    if (!m0 || !data || !dir) {
        fprintf(stderr, "wmss run: --model, --data and --out are required\n");
        return 2;
    }
    if (cli_int("--rounds", rounds_s, 1, 100, &rounds)) return 2;
    if (strlen(dir) > 3000 || strlen(m0) > 3000) {
        fprintf(stderr, "wmss run: paths longer than 3000 bytes are not supported\n");
        return 2;
    }
    wmss_error e = {{0}};
    wmss_dist dist;
    if (wmss_dist_init(&dist, &e)) {
        fprintf(stderr, "wmss run: %s\n", e.msg);
        return 1;
    }
    const int root = wmss_dist_is_root(&dist);
    rc = root && wmss_mkdir_p(dir, &e) ? 1 : 0;
    if (rc) fprintf(stderr, "wmss run: %s\n", e.msg);
    if ((rc = root_did(&dist, rc))) goto end;
    char m1[4200], weak[4200], strong[4200], rdir[4200], ew[4300], es[4300], act[4300], stats[4300], joint[4300],
        fin[4200];
    snprintf(m1, sizeof m1, "%s/m1", dir);
    // Phase 1: SFT.
    if (!root_says(&dist, done_marker(m1, 0))) {
        SAY("== wmss run: phase 1, SFT of %s for %s epoch(s) -> %s\n", m0, sft_epochs, m1);
        argv_t a = {0};
        push(&a, "sft");
        push_opt(&a, "--model", m0);
        push_opt(&a, "--data", data);
        push_opt(&a, "--out", m1);
        push_opt(&a, "--epochs", sft_epochs);
        for (int i = 0; i < NT; i++) push_opt(&a, TRAIN[i], tv[i]);
        if (no_shuffle) push(&a, "--no-shuffle");
        if ((rc = run_training(&dist, cmd_sft, &a, m1))) goto end;
        if (root) done_marker(m1, 1);
    } else SAY("== wmss run: phase 1 already done (%s)\n", m1);
    snprintf(weak, sizeof weak, "%s", m0);
    snprintf(strong, sizeof strong, "%s", m1);
    for (int t = 1; t <= rounds; t++) {
        snprintf(rdir, sizeof rdir, "%s/round-%d", dir, t);
        snprintf(ew, sizeof ew, "%s/entropy-weak.jsonl", rdir);
        snprintf(es, sizeof es, "%s/entropy-strong.jsonl", rdir);
        snprintf(act, sizeof act, "%s/active.jsonl", rdir);
        snprintf(stats, sizeof stats, "%s/select-stats.json", rdir);
        snprintf(joint, sizeof joint, "%s/joint", rdir);
        rc = root && wmss_mkdir_p(rdir, &e) ? 1 : 0;
        if (rc) fprintf(stderr, "wmss run: %s\n", e.msg);
        if ((rc = root_did(&dist, rc))) goto end;
        const char *score[2][2] = {{weak, ew}, {strong, es}};
        for (int s = 0; s < 2; s++) {
            if (root_says(&dist, wmss_file_exists(score[s][1]))) continue;
            SAY("== wmss run: round %d, entropy of the %s model %s\n", t, s ? "strong" : "weak", score[s][0]);
            argv_t a = {0};
            push(&a, "entropy");
            push_opt(&a, "--model", score[s][0]);
            push_opt(&a, "--data", data);
            push_opt(&a, "--out", score[s][1]);
            push_opt(&a, "--batch-tokens", batch_tokens);
            for (int i = 0; i < NT; i++)
                if (!strcmp(TRAIN[i], "--max-len") || !strcmp(TRAIN[i], "--chat-template") ||
                    !strcmp(TRAIN[i], "--enable-thinking") || !strcmp(TRAIN[i], "--bad-data") ||
                    !strcmp(TRAIN[i], "--overlong"))
                    push_opt(&a, TRAIN[i], tv[i]);
            if ((rc = cmd_entropy(a.n, a.v))) goto end;
        }
        if (!root_says(&dist, wmss_file_exists(stats))) {
            SAY("== wmss run: round %d, selection\n", t);
            argv_t a = {0};
            push(&a, "select");
            push_opt(&a, "--data", data);
            push_opt(&a, "--weak", ew);
            push_opt(&a, "--strong", es);
            push_opt(&a, "--out", act);
            push_opt(&a, "--stats", stats);
            push_opt(&a, "--alpha", alpha);
            push_opt(&a, "--beta", beta);
            push_opt(&a, "--gamma", gamma);
            push_opt(&a, "--preset", preset);
            push_opt(&a, "--normalize", normalize);
            push_opt(&a, "--seed", select_seed);
            push_opt(&a, "--draws", draws);
            if ((rc = root_did(&dist, root ? cmd_select(a.n, a.v) : 0))) goto end;
        }
        if (!root_says(&dist, done_marker(joint, 0))) {
            SAY("== wmss run: round %d, joint training (weak %s, strong %s) -> %s\n", t, weak, strong, joint);
            argv_t a = {0};
            push(&a, "joint");
            push_opt(&a, "--weak", weak);
            push_opt(&a, "--strong", strong);
            push_opt(&a, "--data", act);
            push_opt(&a, "--out", joint);
            push_opt(&a, "--epochs", joint_epochs);
            push_opt(&a, "--lambda", lambda);
            if (freeze) push(&a, "--freeze-weak");
            for (int i = 0; i < NT; i++)
                push_opt(&a, TRAIN[i], !strcmp(TRAIN[i], "--lr") && joint_lr ? joint_lr : tv[i]);
            if (no_shuffle) push(&a, "--no-shuffle");
            if ((rc = run_training(&dist, cmd_joint, &a, joint))) goto end;
            if (root) done_marker(joint, 1);
        } else SAY("== wmss run: round %d joint training already done (%s)\n", t, joint);
        snprintf(weak, sizeof weak, "%s", strong);
        snprintf(strong, sizeof strong, "%s", joint);
    }
    snprintf(fin, sizeof fin, "%s/final", dir);
    if (!root_says(&dist, done_marker(fin, 0))) {
        argv_t a = {0};
        push(&a, "convert");
        push_opt(&a, "--model", strong);
        push_opt(&a, "--out", fin);
        if ((rc = root_did(&dist, root ? cmd_convert(a.n, a.v) : 0))) goto end;
        if (root) done_marker(fin, 1);
    }
    SAY("== wmss run: done; the final model is %s\n", fin);
    rc = 0;
end:
    wmss_dist_finalize(&dist, 0);
    return rc;
}
