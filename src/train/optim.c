#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "device.h"
#include "ops.h"
#include "optim.h"

int wmss_adamw_create(wmss_adamw *o, size_t n, wmss_error *e) {
    memset(o, 0, sizeof *o);
    o->n = n;
    const size_t bytes = (n ? n : 1) * sizeof(float);
    o->m = wmss_dev_alloc(bytes, "the optimizer's first moments", e);
    o->v = o->m ? wmss_dev_alloc(bytes, "the optimizer's second moments", e) : NULL;
    if (!o->v) {
        wmss_adamw_free(o);
        return -1;
    }
    wmss_dev_zero(o->m, bytes);
    wmss_dev_zero(o->v, bytes);
    return 0;
}

void wmss_adamw_free(wmss_adamw *o) {
    wmss_dev_free(o->m);
    wmss_dev_free(o->v);
    memset(o, 0, sizeof *o);
}

int wmss_param_decays(const char *name) {
    size_t len = strlen(name);
    return !strstr(name, "norm") && !(len >= 5 && !strcmp(name + len - 5, ".bias"));
}

void wmss_adamw_step(wmss_adamw *o, const wmss_layout *lo, float *params, const float *grads, float lr,
                     const wmss_adamw_hparams *h) {
    o->step++;
    const float b1 = h->beta1, b2 = h->beta2;
    const double bc1 = 1.0 - pow(b1, (double)o->step), bc2 = 1.0 - pow(b2, (double)o->step);
    const float step_size = (float)(lr / bc1), bc2_sqrt = (float)sqrt(bc2);
    for (int s = 0; s < lo->n_specs; s++) {
        const wmss_param_spec *sp = &lo->specs[s];
        const float decay = wmss_param_decays(sp->name) ? 1.0f - lr * h->weight_decay : 1.0f;
        adamw_update(params + sp->offset, grads + sp->offset, o->m + sp->offset, o->v + sp->offset, sp->numel, b1, b2,
                     h->eps, decay, step_size, bc2_sqrt);
    }
}

int wmss_schedule_parse(const char *name, wmss_schedule *s, wmss_error *e) {
    if (!strcmp(name, "linear")) *s = WMSS_SCHED_LINEAR;
    else if (!strcmp(name, "cosine")) *s = WMSS_SCHED_COSINE;
    else if (!strcmp(name, "constant")) *s = WMSS_SCHED_CONSTANT;
    else return wmss_fail(e, "unknown learning-rate schedule '%s' (linear, cosine or constant)", name);
    return 0;
}

const char *wmss_schedule_name(wmss_schedule s) {
    return s == WMSS_SCHED_LINEAR ? "linear" : s == WMSS_SCHED_COSINE ? "cosine" : "constant";
}

double wmss_lr_at(wmss_schedule s, double base_lr, long step, long warmup, long total) {
    if (step < warmup) return base_lr * (double)step / (double)(warmup > 1 ? warmup : 1);
    double rest = (double)(total - warmup > 1 ? total - warmup : 1);
    switch (s) {
    case WMSS_SCHED_LINEAR: return base_lr * fmax(0.0, (double)(total - step) / rest);
    case WMSS_SCHED_COSINE: return base_lr * fmax(0.0, 0.5 * (1.0 + cos(M_PI * (double)(step - warmup) / rest)));
    default: return base_lr;
    }
}

float wmss_clip_coef(double norm, double max_norm) {
    if (max_norm <= 0) return 1.0f;
    double c = max_norm / (norm + 1e-6);
    return c < 1.0 ? (float)c : 1.0f;
}
