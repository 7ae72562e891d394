// wmss grade: grades predictions made by any engine against a math or code benchmark
// (grade_file.h): one {"index": i, "output": "..."} per line, several lines per index for
// n samples; REPORT.json receives accuracy (mean@n), pass@k, per-item and per-sample results.
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "commands.h"
#include "grade_file.h"

int cmd_grade(int argc, char **argv) {
    const char *jobs_s = "0", *timeout_s = NULL, *mem_s = "4096", *fsize_s = "64", *mode_s = "auto", *factor_s = "4", *floor_s = "1";
    int done;
    wmss_grade_file_opts o;
    wmss_grade_file_opts_default(&o);
    const cli_opt opts[] = {
        {"--bench", "NAME", "gsm8k, math500, svamp, mawps, aqua, aime2025, amc23, humaneval, humanevalplus or mbpp (required)",
         &o.bench, NULL},
        {"--pred", "FILE", "predictions, one {\"index\": i, \"output\": \"...\"[, \"sample\": s]} per line (required)", &o.pred,
         NULL},
        {"--data", "PATH", "the benchmark file, or a folder holding it (default: $WMSS_BENCHMARKS, else "
                           "shared/benchmarks found above the executable or the current folder)", &o.data, NULL},
        {"--out", "FILE", "the report (JSON): accuracy, pass_at_k, n, items (required)", &o.out, NULL},
        {"--jobs", "N", "code: programs run in parallel (default: the core count)", &jobs_s, NULL},
        {"--timeout", "S", "code: wall-clock seconds per program (default 20; 60 for humanevalplus)", &timeout_s, NULL},
        {"--memory-mb", "MB", "code: address-space limit per program (default 4096)", &mem_s, NULL},
        {"--file-size-mb", "MB", "code: the largest file a program may write (default 64)", &fsize_s, NULL},
        {"--mode", "M", "code: how \"output\" becomes a program: auto, completion, chat, solution (default auto)", &mode_s, NULL},
        {"--time-factor", "F", "humanevalplus: per-input limit = max(floor, F x canonical time) (default 4)", &factor_s, NULL},
        {"--time-floor", "S", "humanevalplus: the floor of that limit in seconds (default 1)", &floor_s, NULL},
    };
    int rc = cli_parse("grade", "--bench NAME --pred PRED.jsonl --out REPORT.json [--data PATH] [options]", argc, argv,
                       opts, sizeof opts / sizeof opts[0], &done);
    if (done) return rc;
    if (!o.bench || !o.pred || !o.out) {
        fprintf(stderr, "wmss grade: --bench, --pred and --out are required\n");
        return 2;
    }
    long jobs, mem, fsize;
    double timeout = 0;
    if (cli_int("--jobs", jobs_s, 0, 4096, &jobs) || cli_int("--memory-mb", mem_s, 64, 1 << 22, &mem) ||
        cli_int("--file-size-mb", fsize_s, 1, 1 << 22, &fsize) ||
        (timeout_s && cli_double("--timeout", timeout_s, &timeout)) ||
        cli_double("--time-factor", factor_s, &o.code.time_factor) || cli_double("--time-floor", floor_s, &o.code.time_floor))
        return 2;
    const char *modes[] = {"auto", "completion", "chat", "solution"};
    int m = -1;
    for (int k = 0; k < 4; k++)
        if (!strcmp(mode_s, modes[k])) m = k;
    if (m < 0 || timeout < 0 || o.code.time_factor <= 0 || o.code.time_floor < 0) {
        fprintf(stderr, "wmss grade: need --mode auto|completion|chat|solution, --timeout >= 0, --time-factor > 0\n");
        return 2;
    }
    o.mode = (wmss_code_mode)m;
    o.code.limits.jobs = (int)jobs;
    o.code.limits.timeout_s = timeout;
    o.code.limits.mem_bytes = (size_t)mem << 20;
    o.code.limits.fsize_bytes = (size_t)fsize << 20;
    o.log = stderr;
    wmss_error e = {{0}};
    wmss_grade_file_result r;
    if (wmss_grade_file(&o, &r, &e)) {
        fprintf(stderr, "wmss grade: %s\n", e.msg);
        return 1;
    }
    fprintf(stderr, "grade: %s: %d/%d correct; accuracy %.4f (mean@n over %d items, %d predictions); pass@1 %.4f",
            o.bench, r.n_correct, r.n_predictions, r.accuracy, r.n_items, r.n_predictions, r.pass_at_1);
    if (!strcmp(o.bench, "humanevalplus")) fprintf(stderr, "; base %.4f", r.accuracy_base);
    fprintf(stderr, "; wrote %s\n", o.out);
    return 0;
}
