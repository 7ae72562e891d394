// Peak memory of the fused chunked LM-head loss (forward + backward, K = 1 and 2) at
// vocabulary 151,936 for 2k and 16k tokens, next to what materialized float32 logits
// (and their gradient) would take. Each case runs in a child process so that its peak
// resident memory (ru_maxrss) is its own; the inputs (hidden states, head weights and
// their gradients) are allocated and touched before the baseline is taken.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "loss.h"

static long rss_kb(void) {
    FILE *f = fopen("/proc/self/statm", "r");
    long pages = 0, res = 0;
    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &res) != 2) res = 0;
        fclose(f);
    }
    return res * (sysconf(_SC_PAGESIZE) / 1024);
}

static void run_case(int N, int K, int V, int C, int chunk, int fd) {
    float *h[2], *W[2], *dh[2], *dW[2];
    int *targets = malloc(N * sizeof *targets);
    srand(1);
    for (int k = 0; k < K; k++) {
        h[k] = malloc((size_t)N * C * 4);
        W[k] = malloc((size_t)V * C * 4);
        dh[k] = malloc((size_t)N * C * 4);
        dW[k] = malloc((size_t)V * C * 4);
        memset(dW[k], 0, (size_t)V * C * 4);
        for (size_t i = 0; i < (size_t)N * C; i++) h[k][i] = (float)rand() / RAND_MAX - 0.5f;
        for (size_t i = 0; i < (size_t)V * C; i++) W[k][i] = ((float)rand() / RAND_MAX - 0.5f) * 0.1f;
        memset(dh[k], 0, (size_t)N * C * 4);
    }
    for (int i = 0; i < N; i++) targets[i] = i % 7 == 0 ? -1 : rand() % V;
    long base = rss_kb();
    wmss_loss_ws ws;
    wmss_error e;
    wmss_loss_branch br[2];
    for (int k = 0; k < K; k++) br[k] = (wmss_loss_branch){.h = h[k], .W = W[k], .weight = K == 1 ? 1.0f : 0.5f, .dh = dh[k], .dW = dW[k]};
    wmss_loss_stats st = {0};
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (wmss_loss_ws_create(&ws, K, chunk, V, C, N, &e) || wmss_lm_loss(&ws, br, K, targets, N, 1.0f / N, &st, NULL, NULL, &e)) {
        fprintf(stderr, "%s\n", e.msg);
        exit(1);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double out[3] = {(double)(ru.ru_maxrss - base) / 1024.0, (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) * 1e-9,
                     st.loss_sum / st.n_tokens};
    if (write(fd, out, sizeof out) != sizeof out) exit(1);
    exit(0);
}

int main(int argc, char **argv) {
    const int V = 151936, C = argc > 1 ? atoi(argv[1]) : 128, chunk = 256;
    const int Ns[2] = {2048, 16384};
    printf("fused chunked LM-head loss, vocabulary %d, hidden %d, chunk %d tokens (forward + backward)\n", V, C, chunk);
    printf("%-6s %3s %15s %15s %16s %26s %8s\n", "tokens", "K", "peak RSS (MB)", "workspace (MB)", "f32 logits (MB)",
           "logits + grad, K branches", "time s");
    for (int K = 1; K <= 2; K++)
        for (int i = 0; i < 2; i++) {
            int fds[2];
            if (pipe(fds)) return 1;
            fflush(stdout);
            pid_t pid = fork();
            if (pid == 0) {
                close(fds[0]);
                run_case(Ns[i], K, V, C, chunk, fds[1]);
            }
            close(fds[1]);
            double out[3];
            int status;
            ssize_t got = read(fds[0], out, sizeof out);
            waitpid(pid, &status, 0);
            close(fds[0]);
            if (got != sizeof out || !WIFEXITED(status) || WEXITSTATUS(status)) {
                fprintf(stderr, "case N=%d K=%d failed\n", Ns[i], K);
                return 1;
            }
            double logits_mb = (double)Ns[i] * V * 4 / (1 << 20);
            double ws_mb = ((double)chunk * V * 4 + (K + 1.0) * chunk * C * 4 + Ns[i] * 4.0 + chunk * 24.0) / (1 << 20);
            printf("%-6d %3d %15.1f %15.1f %16.1f %26.1f %8.2f\n", Ns[i], K, out[0], ws_mb, logits_mb, logits_mb * 2 * K,
                   out[1]);
        }
    printf("peak RSS: growth of the process during the loss call, i.e. the workspace plus OpenBLAS's own packing\n"
           "buffers; neither grows with the number of tokens.\n");
    return 0;
}
