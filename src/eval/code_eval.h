// The evaluation protocol on a code benchmark (wmss_evaluate dispatches here): private to src/eval.
#ifndef WMSS_CODE_EVAL_H
#define WMSS_CODE_EVAL_H

#include "code.h"
#include "evaluate.h"

int wmss_evaluate_code(const char *model_dir, const wmss_eval_opts *o, wmss_eval_result *r, wmss_error *e);

#endif
