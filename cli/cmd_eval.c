// wmss eval: the paper's evaluation protocol on a math or code benchmark (evaluate.h) —
// accuracy (mean@n), the unbiased pass@k for every k <= n, per-item results and the
// protocol used.
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "commands.h"
#include "evaluate.h"

int cmd_eval(int argc, char **argv) {
    const char *model_dir = NULL, *limit_s = NULL, *samples_s = "1", *temp_s = NULL, *top_p_s = "1", *top_k_s = "0";
    const char *seed_s = "0", *max_new_s = NULL, *batch_s = "16", *thinking_s = NULL, *jobs_s = "0", *timeout_s = "0";
    int no_chat = 0, done;
    wmss_eval_opts o;
    wmss_eval_opts_default(&o);
    const cli_opt opts[] = {
        {"--model", "DIR", "model directory (required)", &model_dir, NULL},
        {"--bench", "NAME", "gsm8k, math500, svamp, mawps, aqua, aime2025, amc23, humaneval, humanevalplus, mbpp (required)",
         &o.bench, NULL},
        {"--data", "PATH", "the benchmark file (default: the shared benchmarks folder)", &o.data, NULL},
        {"--out", "FILE", "report JSON; per-item results go to FILE with .items.jsonl (required)", &o.out, NULL},
        {"--limit", "N", "only the first N items", &limit_s, NULL},
        {"--samples", "N", "samples per item (accuracy is mean@N, pass@k for k <= N)", &samples_s, NULL},
        {"--temperature", "T", "0 = greedy (default; 0.6 when --samples > 1)", &temp_s, NULL},
        {"--top-p", "P", "nucleus mass (default 1)", &top_p_s, NULL},
        {"--top-k", "K", "top-k (default 0 = off)", &top_k_s, NULL},
        {"--seed", "S", "sampling seed (default 0)", &seed_s, NULL},
        {"--max-new-tokens", "N", "generation budget (default: the paper's, 4096; 8192 for AIME/AMC; 768 for code)", &max_new_s,
         NULL},
        {"--batch", "N", "sequences decoded together (default 16)", &batch_s, NULL},
        {"--no-chat", NULL, "base models: plain-text prompt, no chat template", NULL, &no_chat},
        {"--system", "STR", "system prompt (default: step-by-step reasoning, answer in \\boxed{})", &o.system, NULL},
        {"--no-system", NULL, "no system message (the instruction goes after the question)", NULL, &o.no_system},
        {"--chat-template", "NAME", "auto (default) or a family name", &o.chat_template, NULL},
        {"--enable-thinking", "true|false", "Qwen3: thinking on or off", &thinking_s, NULL},
        {"--jobs", "N", "code: programs graded in parallel in the sandbox (default: the core count)", &jobs_s, NULL},
        {"--timeout", "S", "code: wall-clock seconds per program (default 20; 60 for humanevalplus)", &timeout_s, NULL},
    };
    int rc = cli_parse("eval", "--model DIR --bench NAME --out REPORT.json [options]", argc, argv, opts,
                       sizeof opts / sizeof opts[0], &done);
    if (done) return rc;
    if (!model_dir || !o.bench || !o.out) {
        fprintf(stderr, "wmss eval: --model, --bench and --out are required\n");
        return 2;
    }
    long limit = -1, samples, top_k, seed, max_new = 0, batch, jobs;
    double temp = 0;
    if ((limit_s && cli_int("--limit", limit_s, 1, 1 << 30, &limit)) || cli_int("--samples", samples_s, 1, 1024, &samples) ||
        (temp_s && cli_double("--temperature", temp_s, &temp)) || cli_double("--top-p", top_p_s, &o.top_p) ||
        cli_int("--top-k", top_k_s, 0, 1 << 24, &top_k) || cli_int("--seed", seed_s, 0, 0x7fffffffffffffffL, &seed) ||
        (max_new_s && cli_int("--max-new-tokens", max_new_s, 1, 1 << 24, &max_new)) ||
        cli_int("--batch", batch_s, 1, 4096, &batch) || cli_int("--jobs", jobs_s, 0, 4096, &jobs) ||
        cli_double("--timeout", timeout_s, &o.code_timeout))
        return 2;
    if (thinking_s) o.enable_thinking = !strcmp(thinking_s, "true") ? 1 : !strcmp(thinking_s, "false") ? 0 : -2;
    if (o.enable_thinking == -2 || o.top_p <= 0 || o.top_p > 1 || temp < 0) {
        fprintf(stderr, "wmss eval: need --enable-thinking true|false, 0 < --top-p <= 1, --temperature >= 0\n");
        return 2;
    }
    o.limit = (int)limit;
    o.samples = (int)samples;
    o.temperature = temp_s ? temp : -1;  // -1: the protocol's default
    o.top_k = (int)top_k;
    o.seed = (uint64_t)seed;
    o.max_new_tokens = (int)max_new;
    o.batch = (int)batch;
    o.jobs = (int)jobs;
    o.chat = !no_chat;
    o.log = stderr;
    wmss_error e = {{0}};
    wmss_eval_result r;
    if (wmss_evaluate(model_dir, &o, &r, &e)) {
        fprintf(stderr, "wmss eval: %s\n", e.msg);
        return 1;
    }
    wmss_eval_result_free(&r);
    return 0;
}
