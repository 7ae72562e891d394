// The training loop: see trainer.h.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "device.h"
#include "fsutil.h"
#include "microbatch.h"
#include "ops.h"
#include "rng.h"
#include "train_state.h"
#include "trainer.h"

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

// The example order of an epoch: a seeded permutation (or file order).
static void epoch_order(int *order, int n, uint64_t seed, int epoch, int shuffle) {
    for (int i = 0; i < n; i++) order[i] = i;
    if (!shuffle) return;
    wmss_rng r;
    wmss_rng_seed(&r, seed * 0x9E3779B97F4A7C15ull + (uint64_t)epoch);
    for (int i = n - 1; i > 0; i--) {
        int j = (int)(wmss_rng_next(&r) % (uint64_t)(i + 1));
        int t = order[i]; order[i] = order[j]; order[j] = t;
    }
}

// Rewrites metrics.jsonl keeping only the lines of steps <= step (on resume).
static int trim_metrics(const char *path, long step, wmss_error *e) {
    if (!wmss_file_exists(path)) return 0;
    char *text;
    size_t len;
    if (wmss_read_file(path, &text, &len, e)) return -1;
    size_t keep = 0;
    for (char *line = text; line < text + len;) {
        char *nl = memchr(line, '\n', text + len - line);
        size_t ll = nl ? (size_t)(nl - line) + 1 : (size_t)(text + len - line);
        long s;
        if (sscanf(line, "{\"step\": %ld", &s) == 1 && s <= step) {
            memmove(text + keep, line, ll);
            keep += ll;
        }
        line += ll;
    }
    int rc = wmss_write_file_atomic(path, text, keep, e);
    free(text);
    return rc;
}

// A hash of a parameter buffer's bits: the model replicas of all ranks must agree.
static uint64_t params_hash(const float *p, size_t n) {
    uint64_t h = 0xcbf29ce484222325ull;
    const uint32_t *w = (const uint32_t *)p;
    for (size_t i = 0; i < n; i++) h = (h ^ w[i]) * 0x100000001b3ull;
    return h;
}

// Data parallel: checks that every rank ended with rank 0's weights (they apply the
// same updates to the same gradients, so they should, bit for bit).
static int check_replicas(const wmss_engine *en, const wmss_dist *d, wmss_error *e) {
    uint64_t h[WMSS_LOSS_MAX_BRANCHES] = {0}, h0[WMSS_LOSS_MAX_BRANCHES];
    for (int k = 0; k < en->K; k++)
        if (en->br[k].trainable) {
            wmss_model_download(en->br[k].model);
            h[k] = params_hash(en->br[k].model->host, en->br[k].model->layout.n_floats);
        }
    memcpy(h0, h, sizeof h);
    if (wmss_dist_bcast(d, h0, sizeof h0, 0, e)) return -1;
    int64_t differ = memcmp(h, h0, sizeof h) != 0;
    if (wmss_dist_allreduce_sum_i64(d, &differ, 1, e)) return -1;
    if (differ && wmss_dist_is_root(d))
        fprintf(stderr, "warning: the model replicas of %d of %d ranks differ from rank 0's (floating-point "
                        "reductions that differ between ranks); the saved model is rank 0's\n", (int)differ,
                wmss_dist_size(d));
    return 0;
}

static void fmt_duration(char *buf, size_t cap, double s) {
    long t = (long)(s + 0.5);
    if (t >= 3600) snprintf(buf, cap, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
    else snprintf(buf, cap, "%ld:%02ld", t / 60, t % 60);
}

int wmss_train(wmss_engine *en, const wmss_dataset *ds, const wmss_train_opts *o, wmss_train_result *res,
               wmss_error *e) {
    memset(res, 0, sizeof *res);
    const wmss_dist *dist = o->dist;
    const int rank = wmss_dist_rank(dist), ranks = wmss_dist_size(dist), root = rank == 0;
    const int n = ds->n, B = o->batch < n ? o->batch : n, M = o->micro_batch;
    const long steps_per_epoch = (n + B - 1) / B, total = steps_per_epoch * o->epochs;
    const long warmup = o->warmup_steps >= 0 ? o->warmup_steps : (long)ceil(o->warmup_ratio * (double)total);
    wmss_train_state st = {.step = 0, .total_steps = total, .steps_per_epoch = steps_per_epoch, .warmup = warmup,
                           .epochs = o->epochs, .batch = B, .n_examples = n, .branches = en->K,
                           .shuffle = o->shuffle, .seed = o->seed, .command = o->command, .lr = o->lr,
                           .schedule = wmss_schedule_name(o->schedule)};
    for (int k = 0; k < en->K; k++) st.weights[k] = en->br[k].weight;
    wmss_adamw opt[WMSS_LOSS_MAX_BRANCHES] = {0};
    int *order = malloc(n * sizeof *order);
    wmss_mb_plan plan = {0};  // the step's micro-batches
    char metrics_path[4200];
    snprintf(metrics_path, sizeof metrics_path, "%s/metrics.jsonl", o->out_dir);
    FILE *metrics = NULL;
    int rc = 0;
    if (!order) rc = wmss_fail(e, "out of memory");
    for (int k = 0; k < en->K && !rc; k++)
        if (en->br[k].trainable) rc = wmss_adamw_create(&opt[k], en->br[k].model->layout.n_floats, e);
    if (!rc && root) rc = wmss_mkdir_p(o->out_dir, e);
    rc = wmss_dist_agree(dist, rc != 0, e);
    long start_step = 0;
    if (!rc && o->resume) {
        // Rank 0 picks the checkpoint; every rank restores it (the same weights, moments
        // and step everywhere; the data order follows from the seed and the step).
        char path[4400];
        int64_t found = -1;
        if (root) {
            long f;
            rc = wmss_train_checkpoint_latest(o->out_dir, &f, path, sizeof path, e);
            found = f;
            if (!rc && found < 0)
                rc = wmss_fail(e, "%s: --resume given but there is no checkpoint to resume from", o->out_dir);
        }
        if (!(rc = wmss_dist_agree(dist, rc != 0, e)) && !(rc = wmss_dist_bcast(dist, &found, sizeof found, 0, e))) {
            snprintf(path, sizeof path, "%s/checkpoint-%ld", o->out_dir, (long)found);
            rc = wmss_train_checkpoint_restore(path, en, opt, &st, &start_step, e);
            if (!rc && root) rc = trim_metrics(metrics_path, start_step, e);
            rc = wmss_dist_agree(dist, rc != 0, e);
            if (!rc && root) fprintf(stderr, "resuming from %s (step %ld of %ld)\n", path, start_step, total);
        }
    } else if (!rc) {
        if (root) unlink(metrics_path);
        // Continuing an earlier run: the branches' master weights and moments from its checkpoint.
        for (int k = 0; k < en->K && !rc; k++)
            if (en->br[k].trainable && o->init_optimizer[k])
                rc = wmss_train_optimizer_load(o->init_optimizer[k], &en->br[k], &opt[k], o->init_optimizer_step[k], e);
        rc = wmss_dist_agree(dist, rc != 0, e);
    }
    if (!rc) {
        if (root && !(metrics = fopen(metrics_path, "a"))) rc = wmss_fail(e, "%s: cannot open for writing", metrics_path);
        rc = wmss_dist_agree(dist, rc != 0, e);
    }
    const int n_micro = (B + M - 1) / M;
    if (!rc && root && ranks > 1) {
        fprintf(stderr, "data parallel: %d ranks, %d micro-batches of up to %d sequences per step\n", ranks, n_micro, M);
        if (n_micro < ranks)
            fprintf(stderr, "warning: %d of %d ranks have no micro-batch to work on in a step; lower --micro-batch "
                            "to %d or use fewer ranks\n", ranks - n_micro, ranks, (B + ranks - 1) / ranks);
    }
    const int tty = root && isatty(fileno(stderr));
    const int log_every = o->log_every > 0 ? o->log_every : (int)(total / 50 > 1 ? total / 50 : 1);
    const double t_start = now_s();
    long step = start_step;
    int cur_epoch = -1;
    for (; step < total && !rc; step++) {
        const int epoch = (int)(step / steps_per_epoch);
        if (epoch != cur_epoch) {
            epoch_order(order, n, o->seed, epoch, o->shuffle);
            cur_epoch = epoch;
        }
        const long s_in_epoch = step % steps_per_epoch;
        const int first = (int)(s_in_epoch * B), count = first + B <= n ? B : n - first;
        wmss_mb_plan_free(&plan);
        if ((rc = wmss_mb_plan_make(&plan, ds, order + first, count, M, 0, e))) break;
        long targets = 0, tokens = 0;
        for (int i = 0; i < count; i++) {
            targets += ds->n_targets[plan.order[i]];
            tokens += wmss_example_len(ds, plan.order[i]);
        }
        const double t0 = now_s();
        wmss_engine_zero_grad(en);
        wmss_loss_stats ls = {0}, own[WMSS_LOSS_MAX_BRANCHES] = {{0}};  // own[k]: branch k on its own logits
        // This rank's share: micro-batches rank, rank + ranks, ... of the step (strided,
        // so that the longest-first order spreads the work evenly).
        int lrc = 0;
        en->neftune_alpha = (float)o->neftune_alpha;
        for (int b = rank; b < plan.n_mb && !lrc; b += ranks) {
            en->noise_seed = wmss_noise_step_seed(o->seed, step, b);
            lrc = wmss_engine_accumulate(en, ds, plan.order + plan.start[b], wmss_mb_size(&plan, b),
                                         (float)(1.0 / targets), &ls, en->K > 1 ? own : NULL, NULL, e);
        }
        // The step's scalars in one all-reduce: failure and stop flags, loss statistics.
        // Layout: flags, then (tokens, correct) / (loss, entropy) of the mixture and of each branch.
        enum { NS = 1 + WMSS_LOSS_MAX_BRANCHES };
        int64_t cnt[2 + 2 * NS] = {lrc != 0, o->stop && *o->stop, ls.n_tokens, ls.n_correct};
        double sums[2 * NS] = {ls.loss_sum, ls.entropy_sum};
        for (int k = 0; k < en->K; k++) {
            cnt[4 + 2 * k] = own[k].n_tokens, cnt[5 + 2 * k] = own[k].n_correct;
            sums[2 + 2 * k] = own[k].loss_sum, sums[3 + 2 * k] = own[k].entropy_sum;
        }
        if (ranks > 1) {
            if ((rc = wmss_dist_allreduce_sum_i64(dist, cnt, 2 + 2 * NS, e)) ||
                (rc = wmss_dist_allreduce_sum_f64(dist, sums, 2 * NS, e)))
                break;
            if (cnt[0]) {
                rc = wmss_dist_agree(dist, lrc != 0, e);
                break;
            }
            for (int k = 0; k < en->K && !rc; k++)
                if (en->br[k].trainable) rc = wmss_dist_allreduce_sum_f32_dev(dist, en->br[k].grad, en->br[k].model->layout.n_floats, e);
            if (rc) break;
            ls = (wmss_loss_stats){sums[0], sums[1], (long)cnt[2], (long)cnt[3]};
            for (int k = 0; k < en->K; k++)
                own[k] = (wmss_loss_stats){sums[2 + 2 * k], sums[3 + 2 * k], (long)cnt[4 + 2 * k], (long)cnt[5 + 2 * k]};
        } else if ((rc = lrc)) {
            break;
        }
        // Clip over the joint parameter set of all trainable branches. (Rank 0's norm for
        // all: the sum's rounding may depend on a rank's thread count.)
        double sq = 0.0, sq_k[WMSS_LOSS_MAX_BRANCHES] = {0};
        for (int k = 0; k < en->K; k++)
            if (en->br[k].trainable) sq += sq_k[k] = sum_squares(en->br[k].grad, en->br[k].model->layout.n_floats);
        double norm = sqrt(sq);
        if ((rc = wmss_dist_bcast(dist, &norm, sizeof norm, 0, e))) break;
        // A non-finite loss or gradient norm stops the run before the update: nothing is
        // saved under the final name; the checkpoints written so far stay resumable.
        const int n_own = en->K > 1 ? en->K : 0;  // branches with their own statistics (joint training)
        int bad_own = -1;  // the first branch whose own loss is not finite
        for (int k = 0; k < n_own && bad_own < 0; k++)
            if (!isfinite(own[k].loss_sum)) bad_own = k;
        if (!isfinite(ls.loss_sum) || bad_own >= 0 || !isfinite(norm)) {
            const int bad_loss = !isfinite(ls.loss_sum) || bad_own >= 0;
            int k = bad_own >= 0 ? bad_own : 0;  // the branch: by its own loss, else the first non-finite norm
            if (!bad_loss) while (k < en->K - 1 && isfinite(sq_k[k])) k++;
            char where[128];
            if (en->K == 1) snprintf(where, sizeof where, "branch 0, the model");
            else if (bad_loss && bad_own < 0) snprintf(where, sizeof where, "the mixed logits of all branches");
            else snprintf(where, sizeof where, "branch %d, %s", k, k ? (o->branch_dir[k] ? o->branch_dir[k] : "weak") : "strong");
            // The weights this step started from gave it: their checkpoint is set aside.
            long last = -1;
            char ck[4400], moved[4400] = "";
            if (root) wmss_train_checkpoint_set_aside(o->out_dir, step, moved, sizeof moved);
            wmss_train_checkpoint_latest(o->out_dir, &last, ck, sizeof ck, NULL);
            rc = wmss_fail(e, "step %ld: the %s is not finite (%g) in %s: training diverged or a weight is not finite; "
                              "stopped before the update, nothing saved as the final model in %s%s%s; %s%s%s",
                           step + 1, bad_loss ? "loss" : "gradient norm",
                           bad_loss ? (bad_own >= 0 ? own[bad_own].loss_sum : ls.loss_sum) : norm, where,
                           o->out_dir, moved[0] ? "; the checkpoint of the weights it started from was moved to " : "",
                           moved, last >= 0 ? "resume from the last good checkpoint " : "no checkpoint was written "
                           "yet: lower --lr (or check the model's weights)", last >= 0 ? ck : "",
                           last >= 0 ? " with --resume and a lower --lr" : "");
            break;
        }
        const float coef = wmss_clip_coef(norm, o->max_grad_norm);
        const double lr = o->sched_total > 0  // a continued schedule (trainer.h)
                              ? wmss_lr_at(o->schedule, o->lr, o->sched_start + step * (o->sched_total - o->sched_start) / total,
                                           warmup, o->sched_total)
                              : wmss_lr_at(o->schedule, o->lr, step, warmup, total);
        for (int k = 0; k < en->K; k++) {
            wmss_branch *b = &en->br[k];
            if (!b->trainable) continue;
            if (coef < 1.0f) tensor_scale(b->grad, b->model->layout.n_floats, coef);
            wmss_adamw_step(&opt[k], &b->model->layout, b->model->params, b->grad, (float)lr, &o->adam);
        }
        if ((rc = wmss_dev_check(e))) break;  // an asynchronous device fault in this step
        const double dt = now_s() - t0;
        const double loss = ls.loss_sum / ls.n_tokens;
        res->last_loss = loss;
        st.step = step + 1;
        // A stop request seen by any rank before the all-reduce stops all ranks after this step.
        const int interrupted = ranks > 1 ? cnt[1] > 0 : o->stop && *o->stop;
        if (o->export_dir && st.step == o->export_step) {  // an early model, written on the way (rank 0)
            wmss_save_opts so = {.dtype = o->save_dtype[0], .copy_from = o->copy_from[0]};
            if ((rc = wmss_dist_agree(dist, root && wmss_model_save(en->br[0].model, o->export_dir, &so, e), e))) break;
        }
        if (!root) {  // rank 0 logs and writes; the others join it for checkpoints
            if (interrupted || (o->save_every > 0 && st.step % o->save_every == 0 && st.step < total)) {
                if ((rc = wmss_dist_agree(dist, 0, e))) break;
                if (interrupted) {
                    res->interrupted = 1;
                    step++;
                    break;
                }
            }
            continue;
        }
        fprintf(metrics,
                "{\"step\": %ld, \"epoch\": %.4f, \"loss\": %.7g, \"lr\": %.7g, \"grad_norm\": %.7g, \"tokens_per_s\": %.1f, "
                "\"entropy\": %.7g, \"token_accuracy\": %.7g, \"tokens\": %ld, \"trained_tokens\": %ld, \"time_s\": %.3f",
                step + 1, (double)(step + 1) / steps_per_epoch, loss, lr, norm, tokens / dt, ls.entropy_sum / ls.n_tokens,
                (double)ls.n_correct / ls.n_tokens, tokens, ls.n_tokens, now_s() - t_start);
        for (int k = 0; k < n_own; k++) {  // joint training: each branch on its own, too
            char name[16];
            snprintf(name, sizeof name, k == 0 ? "strong" : k == 1 ? "weak" : "branch%d", k);
            fprintf(metrics, ", \"%s_loss\": %.7g, \"%s_entropy\": %.7g, \"%s_token_accuracy\": %.7g", name,
                    own[k].loss_sum / own[k].n_tokens, name, own[k].entropy_sum / own[k].n_tokens, name,
                    (double)own[k].n_correct / own[k].n_tokens);
        }
        fprintf(metrics, "}\n");
        fflush(metrics);
        const double elapsed = now_s() - t_start, eta = elapsed / (step + 1 - start_step) * (total - step - 1);
        char eta_s[32];
        fmt_duration(eta_s, sizeof eta_s, eta);
        if (tty)
            fprintf(stderr, "\r[%3d%%] step %ld/%ld  epoch %.2f  loss %.4f  lr %.2e  %.0f tok/s  ETA %s   ",
                    (int)(100 * (step + 1) / total), step + 1, total, (double)(step + 1) / steps_per_epoch, loss, lr,
                    tokens / dt, eta_s);
        else if ((step + 1) % log_every == 0 || step + 1 == total)
            fprintf(stderr, "step %ld/%ld epoch %.2f loss %.4f grad_norm %.3f lr %.3g tok/s %.0f ETA %s\n", step + 1,
                    total, (double)(step + 1) / steps_per_epoch, loss, norm, lr, tokens / dt, eta_s);
        if (interrupted || (o->save_every > 0 && st.step % o->save_every == 0 && st.step < total)) {
            rc = wmss_train_checkpoint_save(en, opt, &st, o, e);
            if (!rc) wmss_train_checkpoint_prune(o->out_dir, o->keep_checkpoints > 0 ? o->keep_checkpoints : 1);
            rc = wmss_dist_agree(dist, rc != 0, e);
            if (!rc && interrupted) {
                if (tty) fprintf(stderr, "\n");
                fprintf(stderr, "interrupted: checkpoint written at step %ld; continue with --resume\n", st.step);
                res->interrupted = 1;
                step++;
                break;
            }
        }
    }
    if (tty && step > start_step) fprintf(stderr, "\n");
    res->steps_done = step;
    res->start_step = start_step;
    if (!rc && !res->interrupted && ranks > 1) rc = check_replicas(en, dist, e);
    if (!rc && !res->interrupted) {
        // The final models, as ordinary model directories (rank 0 writes them).
        for (int k = 0; k < en->K && !rc && root; k++) {
            if (!o->save_branch[k]) continue;
            char dir[4200];
            if (o->branch_dir[k]) snprintf(dir, sizeof dir, "%s/%s", o->out_dir, o->branch_dir[k]);
            else snprintf(dir, sizeof dir, "%s", o->out_dir);
            wmss_save_opts so = {.dtype = o->save_dtype[k], .copy_from = o->copy_from[k]};
            rc = wmss_model_save(en->br[k].model, dir, &so, e);
        }
        if (!rc && root && o->save_every > 0) {  // a final checkpoint keeps the run resumable / extendable
            rc = wmss_train_checkpoint_save(en, opt, &st, o, e);
            if (!rc) wmss_train_checkpoint_prune(o->out_dir, o->keep_checkpoints > 0 ? o->keep_checkpoints : 1);
        }
        rc = wmss_dist_agree(dist, rc != 0, e);
    }
    if (metrics) fclose(metrics);
    for (int k = 0; k < en->K; k++) wmss_adamw_free(&opt[k]);
    free(order);
    wmss_mb_plan_free(&plan);
    return rc;
}
