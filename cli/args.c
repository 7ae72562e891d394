#include "args.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

static void print_help(FILE *f, const char *cmd, const char *synopsis, const cli_opt *opts, int n) {
    fprintf(f, "usage: wmss %s %s\n\noptions:\n", cmd, synopsis);
    for (int i = 0; i < n; i++) {
        char left[64];
        const char *meta = opts[i].meta ? opts[i].meta + (opts[i].meta[0] == '+') : "";
        snprintf(left, sizeof left, "%s%s%s%s", opts[i].name, opts[i].meta ? " " : "", meta,
                 opts[i].meta && opts[i].meta[0] == '+' ? " ..." : "");
        fprintf(f, "  %-26s %s\n", left, opts[i].help);
    }
}

int cli_parse(const char *cmd, const char *synopsis, int argc, char **argv, const cli_opt *opts, int n, int *done) {
    *done = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            print_help(stdout, cmd, synopsis, opts, n);
            *done = 1;
            return 0;
        }
        const char *eq = strchr(a, '=');
        size_t len = eq ? (size_t)(eq - a) : strlen(a);
        int k = -1;
        for (int j = 0; j < n && k < 0; j++)
            if (strlen(opts[j].name) == len && !strncmp(opts[j].name, a, len)) k = j;
        if (k < 0) {
            fprintf(stderr, "wmss %s: unknown option '%s' (see wmss %s --help)\n", cmd, a, cmd);
            *done = 1;
            return 2;
        }
        if (opts[k].meta) {
            const char *v = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
            if (!v) {
                fprintf(stderr, "wmss %s: option %s needs a value (%s)\n", cmd, opts[k].name, opts[k].meta);
                *done = 1;
                return 2;
            }
            // "--out --overwrite": a value that is itself an option is a forgotten value.
            // A value that really begins with "--" is given as --name=--value.
            if (!eq && !strncmp(v, "--", 2)) {
                fprintf(stderr, "wmss %s: option %s needs a value (%s), got the option '%s' (write %s=%s if that is "
                                "the value)\n", cmd, opts[k].name, opts[k].meta, v, opts[k].name, v);
                *done = 1;
                return 2;
            }
            if (opts[k].meta[0] == '+') {
                if (*opts[k].flag >= CLI_MAX_REPEAT) {
                    fprintf(stderr, "wmss %s: %s given more than %d times\n", cmd, opts[k].name, CLI_MAX_REPEAT);
                    *done = 1;
                    return 2;
                }
                opts[k].value[(*opts[k].flag)++] = v;
            } else {
                *opts[k].value = v;
            }
        } else {
            if (eq) {
                fprintf(stderr, "wmss %s: %s takes no value\n", cmd, opts[k].name);
                *done = 1;
                return 2;
            }
            *opts[k].flag = 1;
        }
    }
    if (cli_out_is_input(cmd, opts, n)) {
        *done = 1;
        return 2;
    }
    return 0;
}

// The same file or directory (after links): device and inode.
static int same_path(const char *a, const char *b) {
    struct stat sa, sb;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

int cli_out_is_input(const char *cmd, const cli_opt *opts, int n) {
    for (int i = 0; i < n; i++) {
        if (!opts[i].meta || opts[i].meta[0] == '+' || strncmp(opts[i].name, "--out", 5) || !*opts[i].value) continue;
        const char *out = *opts[i].value;
        for (int j = 0; j < n; j++) {
            if (j == i || !opts[j].meta || !strncmp(opts[j].name, "--out", 5)) continue;
            int cnt = opts[j].meta[0] == '+' ? *opts[j].flag : 1;
            for (int r = 0; r < cnt; r++) {
                const char *in = opts[j].value[r];
                if (in && same_path(out, in)) {
                    fprintf(stderr, "wmss %s: %s %s is the input %s %s (the same file or directory); the output "
                                    "would replace an input: choose another %s\n", cmd, opts[i].name, out,
                            opts[j].name, in, opts[i].name);
                    return 1;
                }
            }
        }
    }
    return 0;
}

int cli_int(const char *opt, const char *s, long lo, long hi, long *out) {
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi) {
        fprintf(stderr, "wmss: %s must be an integer in [%ld, %ld], got '%s'\n", opt, lo, hi, s);
        return -1;
    }
    *out = v;
    return 0;
}

int cli_double(const char *opt, const char *s, double *out) {
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(v)) {
        fprintf(stderr, "wmss: %s must be a finite number, got '%s'\n", opt, s);
        return -1;
    }
    *out = v;
    return 0;
}

int cli_size(const char *opt, const char *s, unsigned long long *out) {
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    double mul = 1;
    if (!strcasecmp(end, "kb")) mul = 1e3;
    else if (!strcasecmp(end, "mb")) mul = 1e6;
    else if (!strcasecmp(end, "gb")) mul = 1e9;
    else if (!strcasecmp(end, "kib")) mul = 1024.0;
    else if (!strcasecmp(end, "mib")) mul = 1024.0 * 1024;
    else if (!strcasecmp(end, "gib")) mul = 1024.0 * 1024 * 1024;
    else if (*end) mul = -1;
    if (errno || end == s || mul < 0 || !isfinite(v) || v < 0 || v * mul > 1e18) {
        fprintf(stderr, "wmss: %s must be a size such as 5GB, 500MB or 1000000, got '%s'\n", opt, s);
        return -1;
    }
    *out = (unsigned long long)(v * mul);
    return 0;
}
