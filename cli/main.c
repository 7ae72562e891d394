// wmss: command-line entry point. Each command lives in its own cli/cmd_*.c file and
// is a thin layer over library calls; this file only dispatches.
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "device.h"
#include "dist.h"

typedef struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *help;
    int computes;  // takes --device and runs ops on it
} command;

static const command COMMANDS[] = {
    {"init-model", cmd_init_model, "write a random-initialized Hugging Face model directory", 0},
    {"logits", cmd_logits, "run the forward pass and write float32 logits", 1},
    {"convert", cmd_convert, "load a model directory and save it (dtype, sharding)", 0},
    {"inspect", cmd_inspect, "print a model directory's config and tensors", 0},
    {"tokenize", cmd_tokenize, "text -> token ids with a tokenizer.json (JSON arrays)", 0},
    {"detokenize", cmd_detokenize, "token ids -> text with a tokenizer.json (JSON strings)", 0},
    {"chat-format", cmd_chat_format, "render a conversation with a tokenizer's chat template", 0},
    {"grads", cmd_grads, "loss and gradients over a data file as one batch (debug hook)", 1},
    {"sft", cmd_sft, "supervised fine-tuning: completion-only loss, AdamW, checkpoints, resume", 1},
    {"prepare", cmd_prepare, "tokenize training data as sft will (input_ids + completion_mask JSONL)", 0},
    {"entropy", cmd_entropy, "WD-DS scoring: per-example mean entropy over completion positions", 1},
    {"select", cmd_select, "WD-DS selection: weights from weak/strong entropies, draws, dedup", 0},
    {"joint", cmd_joint, "WD-JT: train weak and strong together on mixed logits", 1},
    {"stats", cmd_stats, "logit statistics (paper Tables 6-7) and the dH distribution", 1},
    {"run", cmd_run, "Algorithm 1: SFT, then rounds of entropy, select and joint training", 1},
    {"compare", cmd_compare, "controlled comparison of training recipes (arms) over seeds, paired vs an anchor", 1},
    {"generate", cmd_generate, "generate text with a KV cache (greedy or sampled, batched)", 1},
    {"eval", cmd_eval, "evaluate on a math or code benchmark: generation, grading, accuracy and pass@k", 1},
    {"grade", cmd_grade, "grade predictions (JSONL, n samples per item) against a math or code benchmark: mean@n, pass@k", 0},
    {"bench", cmd_bench, "throughput of forward, SFT and WD-JT steps at three model sizes, vs sgemm peak and PyTorch", 1},
    {"demo", cmd_demo, "the built-in experiment: synthetic task, tokenizer, base model, SFT vs WMSS, report", 1},
};

static void usage(FILE *f) {
    fprintf(f, "usage: wmss <command> [options]   (wmss <command> --help for its options)\n\ncommands:\n");
    for (size_t i = 0; i < sizeof COMMANDS / sizeof COMMANDS[0]; i++)
        fprintf(f, "  %-12s %s%s\n", COMMANDS[i].name, COMMANDS[i].help, COMMANDS[i].computes ? " *" : "");
    fprintf(f, "\n* computes: takes --device cpu|cuda|auto (default auto: cuda when this build has it and a GPU\n"
               "  is visible, else cpu); the device is printed on stderr at start\n");
}

// Takes --device NAME / --device=NAME out of the arguments (the commands never see it)
// and selects the backend. Returns 0, or 2 after a usage error.
static int take_device(int *argc, char **argv, const char *cmd) {
    const char *want = NULL;
    int j = 1;
    for (int i = 1; i < *argc; i++) {
        if (!strcmp(argv[i], "--device")) {
            if (i + 1 >= *argc) {
                fprintf(stderr, "wmss %s: --device needs a value (cpu, cuda or auto)\n", cmd);
                return 2;
            }
            want = argv[++i];
        } else if (!strncmp(argv[i], "--device=", 9)) {
            want = argv[i] + 9;
        } else {
            argv[j++] = argv[i];
        }
    }
    *argc = j;
    argv[j] = NULL;
    wmss_error e = {{0}};
    if (wmss_dev_select(want, &e)) {
        fprintf(stderr, "wmss %s: %s\n", cmd, e.msg);
        return 2;
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (!strcmp(argv[1], "--version")) {
        char mpi[256];
        wmss_dist_describe(mpi, sizeof mpi);
        printf("wmss\nmpi: %s\n", mpi);
        return 0;
    }
    for (size_t i = 0; i < sizeof COMMANDS / sizeof COMMANDS[0]; i++)
        if (!strcmp(argv[1], COMMANDS[i].name)) {
            // Started by mpirun: MPI lives from here to the end, so that commands run in
            // process (wmss run) share it; a failing rank ends the whole job (abort).
            wmss_dist world;
            wmss_error e = {{0}};
            if (wmss_dist_init(&world, &e)) {
                fprintf(stderr, "wmss %s: %s\n", argv[1], e.msg);
                return 1;
            }
            int sub_argc = argc - 1;
            char **sub_argv = argv + 1;
            if (COMMANDS[i].computes) {
                int help = 0;
                for (int a = 1; a < sub_argc; a++) help |= !strcmp(sub_argv[a], "--help") || !strcmp(sub_argv[a], "-h");
                if (take_device(&sub_argc, sub_argv, argv[1])) {
                    wmss_dist_finalize(&world, 0);
                    return 2;
                }
                if (!help && wmss_dist_is_root(&world)) {
                    char dev[256];
                    wmss_dev_describe(dev, sizeof dev);
                    fprintf(stderr, "device: %s\n", dev);
                }
            }
            int rc = COMMANDS[i].run(sub_argc, sub_argv);
            wmss_dist_finalize(&world, rc == 130 ? 0 : rc);  // 130: all ranks stopped at one step on request
            return rc;
        }
    fprintf(stderr, "wmss: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
