// One entry point per command; each gets argv starting at the command name and
// returns the process exit status (0 ok, 1 failure, 2 usage error).
#ifndef WMSS_COMMANDS_H
#define WMSS_COMMANDS_H

int cmd_init_model(int argc, char **argv);
int cmd_logits(int argc, char **argv);
int cmd_convert(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_tokenize(int argc, char **argv);
int cmd_detokenize(int argc, char **argv);
int cmd_chat_format(int argc, char **argv);
int cmd_grads(int argc, char **argv);
int cmd_sft(int argc, char **argv);
int cmd_prepare(int argc, char **argv);
int cmd_joint(int argc, char **argv);
int cmd_entropy(int argc, char **argv);
int cmd_select(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_generate(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_grade(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_bench(int argc, char **argv);

#endif
