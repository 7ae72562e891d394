// The step engine: K model branches forwarded on the same micro-batch, one fused loss
// over their mixed logits, and the backward pass of each trainable branch.
// K = 1 is SFT; K = 2 is WD-JT (strong and weak, weights lambda and 1 - lambda).
#ifndef WMSS_ENGINE_H
#define WMSS_ENGINE_H

#include "dataset.h"
#include "loss.h"
#include "model.h"

typedef struct {
    wmss_model *model;   // borrowed
    float weight;        // w_k in z = sum_k w_k z_k
    int trainable;       // frozen branches are forwarded only
    float *grad;         // (model->layout.n_floats) gradient buffer, NULL when frozen
    wmss_weights gw;     // named views into grad
    wmss_acts acts;
    wmss_grad_acts gacts;
} wmss_branch;

typedef struct {
    int K;
    wmss_branch br[WMSS_LOSS_MAX_BRANCHES];
    wmss_loss_ws ws;
    int max_tokens, max_seqs;
    int *ids, *start, *targets;  // (max_tokens), (max_seqs + 1), (max_tokens)
    float *tok_entropy;          // (max_tokens) per-token entropy when examples' entropies are asked for
    // NEFTune (training only; 0 = off, what wmss_engine_create sets): each trainable branch
    // k gets embedding noise (ops.h) of this alpha with the seed wmss_noise_branch_seed(
    // noise_seed, k), so the branches' noises differ, as TRL would give each model it
    // trains its own; frozen branches get none. The trainer sets noise_seed before every
    // micro-batch (wmss_noise_step_seed).
    float neftune_alpha;
    uint64_t noise_seed;
} wmss_engine;

// The noise seeds: one per (run seed, optimizer step, micro-batch index within the step)
// -- the same on every rank, whatever their number -- and one per branch from it.
uint64_t wmss_noise_step_seed(uint64_t run_seed, long step, int micro_batch);
uint64_t wmss_noise_branch_seed(uint64_t step_seed, int branch);

typedef struct {
    wmss_model *model;
    float weight;
    int trainable;
} wmss_branch_spec;

// max_tokens / max_seqs bound a micro-batch. loss_chunk: token rows per loss chunk.
int wmss_engine_create(wmss_engine *en, const wmss_branch_spec *spec, int K, int max_tokens, int max_seqs,
                       int loss_chunk, wmss_error *e);
void wmss_engine_free(wmss_engine *en);
void wmss_engine_zero_grad(wmss_engine *en);

// Forward, loss and backward over examples idx[0..n) of ds as one packed micro-batch.
// Gradients accumulate, scaled by grad_scale (1 / target tokens of the global batch
// gives the global batch's mean loss). Loss statistics are added to st; own (optional,
// for K > 1; K entries) gets each branch's statistics on its own logits, forward only
// (own[0] the strong model, own[1] the weak one); ex_entropy (n, optional)
// receives each example's mean entropy over its target positions.
int wmss_engine_accumulate(wmss_engine *en, const wmss_dataset *ds, const int *idx, int n, float grad_scale,
                           wmss_loss_stats *st, wmss_loss_stats own[WMSS_LOSS_MAX_BRANCHES], double *ex_entropy,
                           wmss_error *e);

#endif
