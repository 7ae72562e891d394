// wmss inspect: what a model directory holds, as the loader sees it.
#include <stdio.h>

#include "args.h"
#include "commands.h"
#include "model.h"
#include "safetensors.h"

int cmd_inspect(int argc, char **argv) {
    const char *dir = NULL;
    int tensors = 0, allow_nf = 0, done;
    const cli_opt opts[] = {
        {"--model", "DIR", "model directory (required)", &dir, NULL},
        {"--tensors", NULL, "list every stored tensor with dtype, shape and file", NULL, &tensors},
        {"--allow-nonfinite", NULL, "load weights holding NaN or infinities (to look at a damaged model)", NULL,
         &allow_nf},
    };
    int rc = cli_parse("inspect", "--model DIR [--tensors]", argc, argv, opts, sizeof opts / sizeof opts[0], &done);
    if (done) return rc;
    if (!dir) {
        fprintf(stderr, "wmss inspect: --model DIR is required\n");
        return 2;
    }
    wmss_error e = {{0}};
    wmss_model m;
    wmss_model_allow_nonfinite(allow_nf);
    if (wmss_model_load(dir, &m, &e)) {
        fprintf(stderr, "wmss inspect: %s\n", e.msg);
        return 1;
    }
    const wmss_config *c = &m.cfg;
    size_t n = 0;
    for (int i = 0; i < m.layout.n_specs; i++) n += m.layout.specs[i].numel;
    printf("%s: %s, %zu parameters (%s stored)\n", dir, c->arch->hf_class, n, wmss_dtype_torch_name(c->torch_dtype));
    printf("  hidden %d, intermediate %d, layers %d, heads %d, kv heads %d, head dim %d, vocab %d\n", c->hidden_size,
           c->intermediate_size, c->num_layers, c->num_heads, c->num_kv_heads, c->head_dim, c->vocab_size);
    static const char *const ROPE[] = {"default", "linear", "llama3"};
    printf("  rope theta %g (%s, factor %g), rms eps %g, max positions %d, tied embeddings %s, attention bias %s, "
           "mlp bias %s\n",
           c->rope.theta, ROPE[c->rope.type], c->rope.type ? c->rope.factor : 1.0, c->rms_norm_eps,
           c->max_position_embeddings, c->tie_word_embeddings ? "yes" : "no", c->attention_bias ? "yes" : "no",
           c->mlp_bias ? "yes" : "no");
    int n_sliding = 0;
    for (int l = 0; l < c->num_layers; l++) n_sliding += c->layer_sliding[l];
    if (n_sliding)
        printf("  sliding window %d on %d of %d layers (rope theta %g there), attention scale %g\n", c->sliding_window,
               n_sliding, c->num_layers, c->rope_local.theta, c->attn_scale);
    if (tensors) {
        wmss_checkpoint ck;
        if (wmss_checkpoint_open(dir, &ck, &e)) {
            fprintf(stderr, "wmss inspect: %s\n", e.msg);
            wmss_model_free(&m);
            return 1;
        }
        for (int f = 0; f < ck.n_files; f++)
            for (int t = 0; t < ck.files[f].n_tensors; t++) {
                const wmss_st_tensor *x = &ck.files[f].tensors[t];
                printf("  %-56s %-5s [", x->name, wmss_dtype_st_name(x->dtype));
                for (int d = 0; d < x->ndim; d++) printf("%s%lld", d ? ", " : "", (long long)x->shape[d]);
                printf("]  %s\n", ck.files[f].path);
            }
        wmss_checkpoint_close(&ck);
    }
    wmss_model_free(&m);
    return 0;
}
