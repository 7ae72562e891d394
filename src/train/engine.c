// The step engine: see engine.h.
#include <stdlib.h>
#include <string.h>

#include "device.h"
#include "engine.h"

int wmss_engine_create(wmss_engine *en, const wmss_branch_spec *spec, int K, int max_tokens, int max_seqs,
                       int loss_chunk, wmss_error *e) {
    memset(en, 0, sizeof *en);
    if (K < 1 || K > WMSS_LOSS_MAX_BRANCHES) return wmss_fail(e, "engine: %d branches", K);
    const wmss_config *c0 = &spec[0].model->cfg;
    for (int k = 1; k < K; k++) {
        const wmss_config *ck = &spec[k].model->cfg;
        if (ck->vocab_size != c0->vocab_size || ck->hidden_size != c0->hidden_size)
            return wmss_fail(e, "models to mix must share vocabulary and hidden size (%d/%d vs %d/%d)", ck->vocab_size,
                             ck->hidden_size, c0->vocab_size, c0->hidden_size);
    }
    en->K = K;
    en->max_tokens = max_tokens;
    en->max_seqs = max_seqs;
    en->ids = malloc((size_t)max_tokens * sizeof(int));
    en->targets = malloc((size_t)max_tokens * sizeof(int));
    en->start = malloc(((size_t)max_seqs + 1) * sizeof(int));
    en->tok_entropy = malloc((size_t)max_tokens * sizeof(float));
    if (!en->ids || !en->targets || !en->start || !en->tok_entropy) {
        wmss_engine_free(en);
        return wmss_fail(e, "out of memory");
    }
    for (int k = 0; k < K; k++) {
        wmss_branch *b = &en->br[k];
        b->model = spec[k].model;
        b->weight = spec[k].weight;
        b->trainable = spec[k].trainable;
        const wmss_config *c = &b->model->cfg;
        int rc = wmss_acts_create(c, max_tokens, 0, b->trainable, &b->acts, e);
        if (!rc && b->trainable) {
            rc = wmss_grad_acts_create(c, max_tokens, &b->gacts, e);
            const size_t bytes = b->model->layout.n_floats * sizeof(float);
            b->grad = rc ? NULL : wmss_dev_alloc(bytes, "gradients", e);
            if (!rc && !b->grad) rc = -1;
            if (!rc) wmss_dev_zero(b->grad, bytes);
            if (!rc) rc = wmss_weights_bind(c, &b->model->layout, b->grad, &b->gw, e);
        }
        if (rc) {
            wmss_engine_free(en);
            return -1;
        }
    }
    if (wmss_loss_ws_create(&en->ws, K, loss_chunk, c0->vocab_size, c0->hidden_size, max_tokens, e)) {
        wmss_engine_free(en);
        return -1;
    }
    return 0;
}

void wmss_engine_free(wmss_engine *en) {
    for (int k = 0; k < en->K; k++) {
        wmss_branch *b = &en->br[k];
        wmss_acts_free(&b->acts);
        wmss_grad_acts_free(&b->gacts);
        wmss_weights_free(&b->gw);
        wmss_dev_free(b->grad);
    }
    wmss_loss_ws_free(&en->ws);
    free(en->ids);
    free(en->targets);
    free(en->start);
    free(en->tok_entropy);
    memset(en, 0, sizeof *en);
}

// splitmix64's finalizer.
static uint64_t mix64(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

uint64_t wmss_noise_step_seed(uint64_t run_seed, long step, int micro_batch) {
    return mix64(mix64(mix64(run_seed ^ 0x4E454654554E45ull) + (uint64_t)step) + (uint64_t)micro_batch);
}

uint64_t wmss_noise_branch_seed(uint64_t step_seed, int branch) {
    return mix64(step_seed + 0x9E3779B97F4A7C15ull * (uint64_t)(branch + 1));
}

void wmss_engine_zero_grad(wmss_engine *en) {
    for (int k = 0; k < en->K; k++)
        if (en->br[k].grad) wmss_dev_zero(en->br[k].grad, en->br[k].model->layout.n_floats * sizeof(float));
}

int wmss_engine_accumulate(wmss_engine *en, const wmss_dataset *ds, const int *idx, int n, float grad_scale,
                           wmss_loss_stats *st, wmss_loss_stats own[WMSS_LOSS_MAX_BRANCHES], double *ex_entropy,
                           wmss_error *e) {
    if (n > en->max_seqs) return wmss_fail(e, "micro-batch of %d sequences exceeds %d", n, en->max_seqs);
    // Pack the examples; targets[t] = the next token where it is a completion token.
    int N = 0;
    en->start[0] = 0;
    for (int s = 0; s < n; s++) {
        const int i = idx[s], len = wmss_example_len(ds, i);
        if (N + len > en->max_tokens) return wmss_fail(e, "micro-batch of more than %d tokens", en->max_tokens);
        const int32_t *ids = ds->ids + ds->offset[i];
        const uint8_t *mask = ds->mask + ds->offset[i];
        for (int t = 0; t < len; t++) {
            en->ids[N + t] = ids[t];
            en->targets[N + t] = t + 1 < len && mask[t + 1] ? ids[t + 1] : -1;
        }
        N += len;
        en->start[s + 1] = N;
    }
    wmss_batch batch = {.ids = en->ids, .start = en->start, .B = n};
    wmss_loss_branch lb[WMSS_LOSS_MAX_BRANCHES];
    for (int k = 0; k < en->K; k++) {
        wmss_branch *b = &en->br[k];
        const int noisy = en->neftune_alpha > 0 && b->trainable;
        batch.noise_alpha = noisy ? en->neftune_alpha : 0.0f;
        batch.noise_seed = noisy ? wmss_noise_branch_seed(en->noise_seed, k) : 0;
        if (wmss_forward(b->model, &b->acts, &batch, NULL, e)) return -1;
        lb[k] = (wmss_loss_branch){
            .h = b->acts.final_norm,
            .W = b->model->w.lm_head,
            .weight = b->weight,
            .softcap = b->model->cfg.final_softcap,
            .dh = b->trainable ? b->gacts.d_final : NULL,
            .dW = b->trainable ? b->gw.lm_head : NULL,
        };
    }
    if (own && en->K > 1)  // each branch alone, forward only
        for (int k = 0; k < en->K; k++) {
            wmss_loss_branch solo = {.h = lb[k].h, .W = lb[k].W, .weight = 1.0f, .softcap = lb[k].softcap};
            if (wmss_lm_loss(&en->ws, &solo, 1, en->targets, N, 0.0f, &own[k], NULL, NULL, e)) return -1;
        }
    float *tok_entropy = ex_entropy ? en->tok_entropy : NULL;
    int rc = wmss_lm_loss(&en->ws, lb, en->K, en->targets, N, grad_scale, st, tok_entropy, NULL, e);
    if (!rc && ex_entropy)
        for (int s = 0; s < n; s++) {
            double sum = 0.0;
            int cnt = 0;
            for (int t = en->start[s]; t < en->start[s + 1]; t++)
                if (en->targets[t] >= 0) { sum += tok_entropy[t]; cnt++; }
            ex_entropy[s] = cnt ? sum / cnt : 0.0;
        }
    if (rc) return -1;
    for (int k = 0; k < en->K; k++)
        if (en->br[k].trainable) wmss_backward(en->br[k].model, &en->br[k].acts, &en->br[k].gacts, &batch, &en->br[k].gw);
    return 0;
}
