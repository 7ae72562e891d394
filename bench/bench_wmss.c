// WMSS cost ratios measured in one run on one batch:
//   joint step / SFT step   (goal <= 2.1): K=2 forward+loss+backward of both models
//                           and two AdamW updates, against K=1 and one update;
//   entropy scoring / forward (goal <= 1.1): wmss_score over the batch against the
//                           plain forward pass that produces the logits of every position.
// Model: a Qwen3-like config (default hidden 256, 4 layers, vocabulary 32768),
// 16 sequences of 128 tokens, completion on the second half of each.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine.h"
#include "optim.h"
#include "score.h"

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static int make_model(wmss_model *m, int C, int L, int V, uint64_t seed, wmss_error *e) {
    char json[1024];
    snprintf(json, sizeof json,
             "{\"architectures\": [\"Qwen3ForCausalLM\"], \"hidden_size\": %d, \"intermediate_size\": %d,"
             " \"num_hidden_layers\": %d, \"num_attention_heads\": %d, \"num_key_value_heads\": %d, \"head_dim\": 64,"
             " \"vocab_size\": %d, \"tie_word_embeddings\": true, \"max_position_embeddings\": 4096}",
             C, 3 * C, L, C / 64, C / 128 > 0 ? C / 128 : 1, V);
    cJSON *j = cJSON_Parse(json);
    wmss_config c;
    int rc = wmss_config_from_json(j, "bench", &c, e);
    cJSON_Delete(j);
    if (rc || wmss_model_create(&c, m, e)) return -1;
    wmss_config_free(&c);
    wmss_model_init_random(m, seed);
    return 0;
}

// Median of `reps` timings of fn.
#define TIME(reps, out, body)                                   \
    do {                                                        \
        double ts_[16];                                         \
        for (int r_ = 0; r_ < (reps); r_++) {                   \
            double t0_ = now();                                 \
            body;                                               \
            ts_[r_] = now() - t0_;                              \
        }                                                       \
        for (int a_ = 0; a_ < (reps); a_++)                     \
            for (int b_ = a_ + 1; b_ < (reps); b_++)            \
                if (ts_[b_] < ts_[a_]) { double x_ = ts_[a_]; ts_[a_] = ts_[b_]; ts_[b_] = x_; } \
        (out) = ts_[(reps) / 2];                                \
    } while (0)

int main(int argc, char **argv) {
    const int C = argc > 1 ? atoi(argv[1]) : 256, L = argc > 2 ? atoi(argv[2]) : 4, V = 32768, B = 16, T = 128;
    wmss_error e;
    wmss_model strong, weak;
    if (make_model(&strong, C, L, V, 1, &e) || make_model(&weak, C, L, V, 2, &e)) {
        fprintf(stderr, "%s\n", e.msg);
        return 1;
    }
    // A dataset of B random sequences, loss on the second half.
    wmss_dataset ds = {0};
    ds.n = B;
    ds.n_tokens = (int64_t)B * T;
    ds.offset = malloc((B + 1) * sizeof *ds.offset);
    ds.ids = malloc(B * T * sizeof *ds.ids);
    ds.mask = malloc(B * T);
    ds.n_targets = malloc(B * sizeof *ds.n_targets);
    srand(3);
    for (int b = 0; b <= B; b++) ds.offset[b] = (int64_t)b * T;
    for (int i = 0; i < B * T; i++) {
        ds.ids[i] = rand() % V;
        ds.mask[i] = i % T >= T / 2;
    }
    for (int b = 0; b < B; b++) ds.n_targets[b] = T / 2;
    int idx[16];
    for (int b = 0; b < B; b++) idx[b] = b;
    wmss_adamw_hparams h = WMSS_ADAMW_DEFAULTS;
    wmss_adamw o1, o2;
    wmss_adamw_create(&o1, strong.layout.n_floats, &e);
    wmss_adamw_create(&o2, weak.layout.n_floats, &e);

    wmss_engine sft, joint;
    wmss_branch_spec s1 = {&strong, 1.0f, 1}, s2[2] = {{&strong, 0.5f, 1}, {&weak, 0.5f, 1}};
    if (wmss_engine_create(&sft, &s1, 1, B * T, B, 256, &e) || wmss_engine_create(&joint, s2, 2, B * T, B, 256, &e)) {
        fprintf(stderr, "%s\n", e.msg);
        return 1;
    }
    const float scale = 1.0f / (B * T / 2);
    double t_sft, t_joint, t_fwd, t_ent;
    wmss_loss_stats st;
    TIME(5, t_sft, {
        wmss_engine_zero_grad(&sft);
        memset(&st, 0, sizeof st);
        wmss_engine_accumulate(&sft, &ds, idx, B, scale, &st, NULL, NULL, &e);
        wmss_adamw_step(&o1, &strong.layout, strong.params, sft.br[0].grad, 1e-5f, &h);
    });
    TIME(5, t_joint, {
        wmss_engine_zero_grad(&joint);
        memset(&st, 0, sizeof st);
        wmss_engine_accumulate(&joint, &ds, idx, B, scale, &st, NULL, NULL, &e);
        wmss_adamw_step(&o1, &strong.layout, strong.params, joint.br[0].grad, 1e-5f, &h);
        wmss_adamw_step(&o2, &weak.layout, weak.params, joint.br[1].grad, 1e-5f, &h);
    });
    wmss_acts a;
    float *logits = malloc((size_t)B * T * V * sizeof(float));
    int start[17];
    for (int b = 0; b <= B; b++) start[b] = b * T;
    wmss_batch batch = {.ids = ds.ids, .start = start, .B = B};
    wmss_acts_create(&strong.cfg, B * T, 0, 0, &a, &e);
    double *ent = malloc(B * sizeof *ent);
    TIME(5, t_fwd, wmss_forward(&strong, &a, &batch, logits, &e));
    TIME(5, t_ent, wmss_score(&strong, &ds, B * T, 256, ent, NULL, &e));
    size_t params = 0;
    for (int i = 0; i < strong.layout.n_specs; i++) params += strong.layout.specs[i].numel;
    printf("model: hidden %d, layers %d, vocabulary %d, %.1fM parameters; batch %d x %d tokens (loss on %d)\n", C, L, V,
           params / 1e6, B, T, B * T / 2);
    printf("SFT step            %8.1f ms\n", t_sft * 1e3);
    printf("joint step          %8.1f ms   joint / SFT    = %.2f  (goal <= 2.1)\n", t_joint * 1e3, t_joint / t_sft);
    printf("forward + logits    %8.1f ms\n", t_fwd * 1e3);
    printf("entropy scoring     %8.1f ms   entropy / fwd  = %.2f  (goal <= 1.1)\n", t_ent * 1e3, t_ent / t_fwd);
    return 0;
}
