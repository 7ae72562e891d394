// wmss convert: load a model directory and save it again, optionally in another
// dtype or sharded. Also the round-trip check of the loader and writer.
#include <stdio.h>

#include "args.h"
#include "commands.h"
#include "model.h"

int cmd_convert(int argc, char **argv) {
    const char *in = NULL, *out = NULL, *dtype_s = NULL, *shard_s = NULL;
    int done;
    const cli_opt opts[] = {
        {"--model", "DIR", "input model directory (required)", &in, NULL},
        {"--out", "DIR", "output model directory (required)", &out, NULL},
        {"--dtype", "T", "float32, bfloat16 or float16 (default: as stored)", &dtype_s, NULL},
        {"--max-shard-size", "SIZE", "shard above this size, e.g. 5GB (default: one file)", &shard_s, NULL},
    };
    int rc = cli_parse("convert", "--model DIR --out DIR [--dtype T] [--max-shard-size SIZE]", argc, argv, opts,
                       sizeof opts / sizeof opts[0], &done);
    if (done) return rc;
    if (!in || !out) {
        fprintf(stderr, "wmss convert: --model and --out are required\n");
        return 2;
    }
    unsigned long long shard = 0;
    if (shard_s && cli_size("--max-shard-size", shard_s, &shard)) return 2;
    wmss_error e = {{0}};
    wmss_model m;
    if (wmss_model_load(in, &m, &e)) {
        fprintf(stderr, "wmss convert: %s\n", e.msg);
        return 1;
    }
    wmss_save_opts so = {.dtype = m.cfg.torch_dtype, .max_shard_bytes = shard, .copy_from = in};
    if (dtype_s) {
        int t = wmss_dtype_from_torch_name(dtype_s);
        if (t < 0) {
            fprintf(stderr, "wmss convert: --dtype must be float32, bfloat16 or float16, got '%s'\n", dtype_s);
            wmss_model_free(&m);
            return 2;
        }
        so.dtype = (wmss_dtype)t;
    }
    rc = wmss_model_save(&m, out, &so, &e);
    wmss_model_free(&m);
    if (rc) {
        fprintf(stderr, "wmss convert: %s\n", e.msg);
        return 1;
    }
    printf("wrote %s (%s)\n", out, wmss_dtype_torch_name(so.dtype));
    return 0;
}
