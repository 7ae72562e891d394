// A tiny option parser shared by the commands: "--name value" and "--name=value"
// options and "--flag" switches, with a generated --help.
#ifndef WMSS_ARGS_H
#define WMSS_ARGS_H

typedef struct {
    const char *name;    // "--out"
    const char *meta;    // "DIR" for options with a value; NULL for switches
    const char *help;
    const char **value;  // receives the value (options); for repeatable ones an array
    int *flag;           // set to 1 when present (switches); the count of a repeatable option
} cli_opt;

// An option whose meta starts with '+' (e.g. "+STR") may be given up to
// CLI_MAX_REPEAT times: its values go to value[0..*flag).
#define CLI_MAX_REPEAT 16

// Returns 0 to go on, or an exit status to return right away (0 after --help,
// 2 after a usage error, which it prints).
int cli_parse(const char *cmd, const char *synopsis, int argc, char **argv, const cli_opt *opts, int n_opts, int *done);

// Refuses (with a message) an option named --out* whose value is the same file or
// directory as another option's value (an input), after resolving links. cli_parse
// calls it; commands whose outputs are derived from other flags call it themselves.
int cli_out_is_input(const char *cmd, const cli_opt *opts, int n);

// Parses integers / floats / sizes ("4GB", "500MB", "1000") with a message on error.
int cli_int(const char *opt, const char *s, long lo, long hi, long *out);
// cli_double refuses NaN and infinities.
int cli_double(const char *opt, const char *s, double *out);
int cli_size(const char *opt, const char *s, unsigned long long *out);

#endif
