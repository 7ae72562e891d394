// Fine-tunes a model and evaluates it through the public API alone (wmss.h):
//   cc finetune.c $(pkg-config --cflags --libs wmss) -o finetune
//   ./finetune MODEL_DIR TRAIN.jsonl OUT_DIR GSM8K_TEST.jsonl
// SFT of MODEL_DIR on TRAIN.jsonl (TRL formats: messages, prompt/completion, text) for
// one epoch into OUT_DIR, then greedy evaluation of OUT_DIR on a GSM8K-format file.
#include <stdio.h>
#include <wmss.h>

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: %s MODEL_DIR TRAIN.jsonl OUT_DIR GSM8K_TEST.jsonl\n", argv[0]);
        return 2;
    }
    const char *model_dir = argv[1], *train = argv[2], *out = argv[3], *test = argv[4];
    wmss_error e = {{0}};
    wmss_model m;
    if (wmss_model_load(model_dir, &m, &e)) {
        fprintf(stderr, "finetune: %s\n", e.msg);
        return 1;
    }
    // The trainer: the defaults of `wmss sft`, a few settings changed, one branch.
    wmss_trainer_args a;
    wmss_trainer_args_default(&a);
    a.data_path = train;
    a.tokenizer_dir = model_dir;
    a.data.max_len = 256;
    a.train.out_dir = out;
    a.train.lr = 1e-3;
    a.train.batch = 4;
    a.train.micro_batch = 2;
    a.train.copy_from[0] = model_dir;  // tokenizer files go with the saved model
    a.train.save_branch[0] = 1;
    a.train.command = "sft";
    wmss_branch_spec spec = {&m, 1.0f, 1};
    wmss_train_result res;
    int rc = wmss_trainer_run(&spec, 1, &a, NULL, &res, &e);
    wmss_model_free(&m);
    if (rc) {
        fprintf(stderr, "finetune: %s\n", e.msg);
        return 1;
    }
    printf("trained %ld steps, last loss %.4f\n", res.steps_done, res.last_loss);
    // Evaluation: the paper's protocol on the test file.
    char report[4200];
    snprintf(report, sizeof report, "%s/eval.json", out);
    wmss_eval_opts eo;
    wmss_eval_opts_default(&eo);
    eo.bench = "gsm8k";
    eo.data = test;
    eo.out = report;
    eo.max_new_tokens = 8;
    eo.batch = 8;
    wmss_eval_result er;
    if (wmss_evaluate(out, &eo, &er, &e)) {
        fprintf(stderr, "finetune: %s\n", e.msg);
        return 1;
    }
    printf("accuracy %.4f over %d items; pass@1 of item 0: %.1f; report %s\n", er.accuracy, er.n,
           wmss_pass_at_k(er.samples, er.n_correct[0], 1), report);
    wmss_eval_result_free(&er);
    return 0;
}
