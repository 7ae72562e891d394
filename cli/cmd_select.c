// wmss select: WD-DS — sampling weights from weak and strong entropies (paper Eq. 9 or
// the released code's variant), seeded draws with replacement, deduplication (unless
// --keep-duplicates), shuffle;
// writes the active set and its statistics (wdds.h).
#include <stdio.h>

#include "args.h"
#include "commands.h"
#include "wdds.h"

int cmd_select(int argc, char **argv) {
    const char *alpha_s = "0.1", *beta_s = "0.8", *gamma_s = "0.1", *preset_s = "paper", *norm_s = "per-term";
    const char *seed_s = "42", *draws_s = NULL;
    wmss_select_job j = {.log = stderr};
    int done;
    const cli_opt opts[] = {
        {"--data", "FILE", "the training data D (required)", &j.data_path, NULL},
        {"--weak", "FILE", "entropies of the weak model (wmss entropy) (required)", &j.weak, NULL},
        {"--strong", "FILE", "entropies of the strong model (required)", &j.strong, NULL},
        {"--out", "FILE", "the active set: D's selected lines with \"wmss_index\" added (required)", &j.out, NULL},
        {"--alpha", "A", "weight of the first term (default 0.1)", &alpha_s, NULL},
        {"--beta", "B", "weight of the second term (default 0.8)", &beta_s, NULL},
        {"--gamma", "G", "weight of the third term (default 0.1)", &gamma_s, NULL},
        {"--preset", "P", "paper (Eq. 9, default) or released-code", &preset_s, NULL},
        {"--normalize", "N", "per-term (default) or none", &norm_s, NULL},
        {"--seed", "S", "sampling seed (default 42)", &seed_s, NULL},
        {"--draws", "N", "draws with replacement (default |D|)", &draws_s, NULL},
        {"--stats", "FILE", "also write the statistics as JSON", &j.stats, NULL},
        {"--keep-duplicates", NULL, "write every draw (shuffled), duplicates included, as the released code trains",
         NULL, &j.keep_duplicates},
    };
    int rc = cli_parse("select", "--data D --weak EW --strong ES --out ACTIVE [options]", argc, argv, opts,
                       sizeof opts / sizeof opts[0], &done);
    if (done) return rc;
    if (!j.data_path || !j.weak || !j.strong || !j.out) {
        fprintf(stderr, "wmss select: --data, --weak, --strong and --out are required\n");
        return 2;
    }
    wmss_select_params *sp = &j.params;
    long seed, draws = -1;
    if (cli_double("--alpha", alpha_s, &sp->alpha) || cli_double("--beta", beta_s, &sp->beta) ||
        cli_double("--gamma", gamma_s, &sp->gamma) || cli_int("--seed", seed_s, 0, 0x7fffffffffffffffL, &seed) ||
        (draws_s && cli_int("--draws", draws_s, 1, 1 << 30, &draws)))
        return 2;
    if (sp->alpha < 0 || sp->beta < 0 || sp->gamma < 0) {
        fprintf(stderr, "wmss select: --alpha, --beta and --gamma must be >= 0\n");
        return 2;
    }
    if (wmss_select_preset_parse(preset_s, &sp->preset)) {
        fprintf(stderr, "wmss select: --preset must be paper or released-code\n");
        return 2;
    }
    if (wmss_select_norm_parse(norm_s, &sp->normalize)) {
        fprintf(stderr, "wmss select: --normalize must be per-term or none\n");
        return 2;
    }
    j.seed = (uint64_t)seed;
    j.draws = (int)draws;
    wmss_error e = {{0}};
    if (wmss_select_run(&j, &e)) {
        fprintf(stderr, "wmss select: %s\n", e.msg);
        return 1;
    }
    return 0;
}
