// wmss: command-line entry point. Each command lives in its own cli/cmd_*.c file and
// is a thin layer over library calls; this file only dispatches.
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "dist.h"

typedef struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *help;
} command;

static const command COMMANDS[] = {
    {"init-model", cmd_init_model, "write a random-initialized Hugging Face model directory"},
    {"logits", cmd_logits, "run the forward pass and write float32 logits"},
    {"convert", cmd_convert, "load a model directory and save it (dtype, sharding)"},
    {"inspect", cmd_inspect, "print a model directory's config and tensors"},
    {"tokenize", cmd_tokenize, "text -> token ids with a tokenizer.json (JSON arrays)"},
    {"detokenize", cmd_detokenize, "token ids -> text with a tokenizer.json (JSON strings)"},
    {"chat-format", cmd_chat_format, "render a conversation with a tokenizer's chat template"},
    {"grads", cmd_grads, "loss and gradients over a data file as one batch (debug hook)"},
    {"sft", cmd_sft, "supervised fine-tuning: completion-only loss, AdamW, checkpoints, resume"},
    {"prepare", cmd_prepare, "tokenize training data as sft will (input_ids + completion_mask JSONL)"},
    {"entropy", cmd_entropy, "WD-DS scoring: per-example mean entropy over completion positions"},
    {"select", cmd_select, "WD-DS selection: weights from weak/strong entropies, draws, dedup"},
    {"joint", cmd_joint, "WD-JT: train weak and strong together on mixed logits"},
    {"stats", cmd_stats, "logit statistics (paper Tables 6-7) and the dH distribution"},
    {"run", cmd_run, "Algorithm 1: SFT, then rounds of entropy, select and joint training"},
    {"generate", cmd_generate, "generate text with a KV cache (greedy or sampled, batched)"},
    {"eval", cmd_eval, "evaluate on a math or code benchmark: generation, grading, accuracy and pass@k"},
    {"grade", cmd_grade, "grade predictions (JSONL, n samples per item) against a math or code benchmark: mean@n, pass@k"},
    {"bench", cmd_bench, "throughput of forward, SFT and WD-JT steps at three model sizes, vs sgemm peak and PyTorch"},
    {"demo", cmd_demo, "the built-in experiment: synthetic task, tokenizer, base model, SFT vs WMSS, report"},
};

static void usage(FILE *f) {
    fprintf(f, "usage: wmss <command> [options]   (wmss <command> --help for its options)\n\ncommands:\n");
    for (size_t i = 0; i < sizeof COMMANDS / sizeof COMMANDS[0]; i++)
        fprintf(f, "  %-12s %s\n", COMMANDS[i].name, COMMANDS[i].help);
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
            int rc = COMMANDS[i].run(argc - 1, argv + 1);
            wmss_dist_finalize(&world, rc == 130 ? 0 : rc);  // 130: all ranks stopped at one step on request
            return rc;
        }
    fprintf(stderr, "wmss: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
