// pass@k: see evaluate.h.
#include "evaluate.h"

double wmss_pass_at_k(int n, int c, int k) {
    if (n - c < k) return 1.0;
    double q = 1.0;
    for (int i = n - c + 1; i <= n; i++) q *= 1.0 - (double)k / i;
    return 1.0 - q;
}
