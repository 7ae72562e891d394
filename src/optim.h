// AdamW, learning-rate schedules and gradient-norm clipping, with PyTorch's and the
// Hugging Face Trainer's semantics (so a run here and a run there agree step by step).
#ifndef WMSS_OPTIM_H
#define WMSS_OPTIM_H

#include <stddef.h>

#include "error.h"
#include "model.h"

typedef struct {
    float beta1, beta2, eps, weight_decay;
} wmss_adamw_hparams;

#define WMSS_ADAMW_DEFAULTS ((wmss_adamw_hparams){0.9f, 0.999f, 1e-8f, 0.0f})

typedef struct {
    size_t n;     // floats (the layout's buffer size)
    float *m, *v; // first and second moments (n), on the device
    long step;    // optimizer steps taken
} wmss_adamw;

int wmss_adamw_create(wmss_adamw *o, size_t n, wmss_error *e);
void wmss_adamw_free(wmss_adamw *o);

// One AdamW step over the parameters described by lo (torch.optim.AdamW's update:
// p *= 1 - lr*wd; m, v moving averages; p -= lr/bc1 * m / (sqrt(v)/sqrt(bc2) + eps)).
// As the Hugging Face Trainer does, biases and norm weights get no weight decay. params
// and grads are device memory.
void wmss_adamw_step(wmss_adamw *o, const wmss_layout *lo, float *params, const float *grads, float lr,
                     const wmss_adamw_hparams *h);

// Does this parameter get weight decay? (Not biases, not norm weights.)
int wmss_param_decays(const char *name);

typedef enum { WMSS_SCHED_LINEAR, WMSS_SCHED_COSINE, WMSS_SCHED_CONSTANT } wmss_schedule;

int wmss_schedule_parse(const char *name, wmss_schedule *s, wmss_error *e);
const char *wmss_schedule_name(wmss_schedule s);
// Learning rate at optimizer step `step` (0-based) of `total`, with linear warmup over
// `warmup` steps (transformers' get_{linear,cosine,constant}_schedule_with_warmup).
double wmss_lr_at(wmss_schedule s, double base_lr, long step, long warmup, long total);

// torch.nn.utils.clip_grad_norm_'s coefficient: min(1, max_norm / (norm + 1e-6));
// max_norm <= 0 disables clipping (coefficient 1).
float wmss_clip_coef(double norm, double max_norm);

#endif
