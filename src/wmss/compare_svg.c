// The comparison report's charts beyond src/demo/svg.c's lines and bars: points with
// confidence intervals (one row per arm) and overlaid histograms. Plain SVG 1.1.
#include <math.h>
#include <stdio.h>

#include "compare_internal.h"
#include "fsutil.h"

enum { W = 820, ML = 230, MR = 40, MT = 46, MB = 56, ROW_H = 26 };

static void esc(FILE *f, const char *s) {
    for (; *s; s++) {
        if (*s == '<') fputs("&lt;", f);
        else if (*s == '>') fputs("&gt;", f);
        else if (*s == '&') fputs("&amp;", f);
        else fputc(*s, f);
    }
}

static void header(FILE *f, int h, const char *title) {
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
               "height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"13\">\n<rect width=\"100%%\" "
               "height=\"100%%\" fill=\"white\"/>\n<text x=\"20\" y=\"26\" font-size=\"16\" font-weight=\"bold\">",
            W, h, W, h);
    esc(f, title);
    fprintf(f, "</text>\n");
}

// A horizontal value axis from v0 to v1 over the plot width, with 5 ticks and grid lines.
static void x_axis(FILE *f, double v0, double v1, int top, int bottom, const char *label) {
    const int pw = W - ML - MR;
    for (int i = 0; i <= 4; i++) {
        const double v = v0 + (v1 - v0) * i / 4, xp = ML + pw * i / 4.0;
        fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>\n", xp, top, xp, bottom);
        fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%.3g</text>\n", xp, bottom + 18, v);
    }
    fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#444\"/>\n", ML, top, pw,
            bottom - top);
    fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">", ML + pw / 2, bottom + 40);
    esc(f, label);
    fprintf(f, "</text>\n");
}

static void range_of(const double *v, int n, double *lo, double *hi) {
    for (int i = 0; i < n; i++)
        if (isfinite(v[i])) *lo = fmin(*lo, v[i]), *hi = fmax(*hi, v[i]);
}

int cmp_svg_intervals(const char *path, const char *title, const char *xlabel, const char *const *labels,
                      const double *mid, const double *lo, const double *hi, int n, double ref, wmss_error *e) {
    double v0 = INFINITY, v1 = -INFINITY;
    range_of(mid, n, &v0, &v1);
    range_of(lo, n, &v0, &v1);
    range_of(hi, n, &v0, &v1);
    if (isfinite(ref)) v0 = fmin(v0, ref), v1 = fmax(v1, ref);
    if (!(v1 >= v0)) v0 = 0, v1 = 1;
    const double pad = v1 > v0 ? 0.05 * (v1 - v0) : 0.05 + 0.05 * fabs(v0);
    v0 -= pad, v1 += pad;
    const int top = MT, bottom = MT + ROW_H * (n > 0 ? n : 1) + 10, h = bottom + MB;
    const int pw = W - ML - MR;
#define XP(v) (ML + pw * ((v) - v0) / (v1 - v0))
    wmss_atomic_file af;
    if (wmss_atomic_open(&af, path, e)) return -1;
    FILE *f = af.f;
    header(f, h, title);
    x_axis(f, v0, v1, top, bottom, xlabel);
    if (isfinite(ref))
        fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#c0392b\" stroke-dasharray=\"4 3\"/>\n",
                XP(ref), top, XP(ref), bottom);
    for (int i = 0; i < n; i++) {
        const double y = top + 10 + ROW_H * i + ROW_H / 2.0;
        fprintf(f, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">", ML - 8, y + 4);
        esc(f, labels[i]);
        fprintf(f, "</text>\n");
        if (isfinite(lo[i]) && isfinite(hi[i]))
            fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#2c3e50\" stroke-width=\"2\"/>\n"
                       "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#2c3e50\"/>\n"
                       "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#2c3e50\"/>\n",
                    XP(lo[i]), y, XP(hi[i]), y, XP(lo[i]), y - 6, XP(lo[i]), y + 6, XP(hi[i]), y - 6, XP(hi[i]), y + 6);
        if (isfinite(mid[i]))
            fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"5\" fill=\"#2980b9\"/>\n", XP(mid[i]), y);
    }
#undef XP
    fprintf(f, "</svg>\n");
    return wmss_atomic_commit(&af, e);
}

int cmp_svg_histogram(const char *path, const char *title, const char *xlabel, const double *a, int na,
                      const char *la, const double *b, int nb, const char *lb, int bins, wmss_error *e) {
    double v0 = INFINITY, v1 = -INFINITY;
    range_of(a, na, &v0, &v1);
    range_of(b, nb, &v0, &v1);
    if (!(v1 >= v0)) v0 = 0, v1 = 1;
    if (v1 == v0) v0 -= 0.5, v1 += 0.5;
    if (bins < 1) bins = 1;
    if (bins > 200) bins = 200;
    int ca[200] = {0}, cb[200] = {0}, cmax = 1;
    for (int i = 0; i < na; i++)
        if (isfinite(a[i])) ca[(int)fmin(bins - 1, (a[i] - v0) / (v1 - v0) * bins)]++;
    for (int i = 0; i < nb; i++)
        if (isfinite(b[i])) cb[(int)fmin(bins - 1, (b[i] - v0) / (v1 - v0) * bins)]++;
    for (int k = 0; k < bins; k++) cmax = ca[k] > cmax ? ca[k] : cb[k] > cmax ? cb[k] : cmax;
    const int top = MT, bottom = 380, h = bottom + MB, pw = W - ML - MR, ph = bottom - top;
    wmss_atomic_file af;
    if (wmss_atomic_open(&af, path, e)) return -1;
    FILE *f = af.f;
    header(f, h, title);
    x_axis(f, v0, v1, top, bottom, xlabel);
    for (int i = 0; i <= 4; i++)
        fprintf(f, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.0f</text>\n", ML - 6, bottom - ph * i / 4.0 + 4,
                cmax * i / 4.0);
    const int *cs[2] = {ca, cb};
    const char *colors[2] = {"#95a5a6", "#e67e22"}, *names[2] = {la, lb};
    for (int s = 0; s < 2; s++) {
        for (int k = 0; k < bins; k++) {
            if (!cs[s][k]) continue;
            const double bh = (double)ph * cs[s][k] / cmax;
            fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\" fill-opacity=\"%s\"/>\n",
                    ML + pw * (double)k / bins, bottom - bh, (double)pw / bins, bh, colors[s], s ? "0.75" : "1");
        }
        fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"14\" height=\"14\" fill=\"%s\"/><text x=\"%d\" y=\"%d\">", 20,
                top + 60 + 22 * s, colors[s], 40, top + 72 + 22 * s);
        esc(f, names[s]);
        fprintf(f, "</text>\n");
    }
    fprintf(f, "<text x=\"20\" y=\"%d\">examples</text>\n", top + 40);
    fprintf(f, "</svg>\n");
    return wmss_atomic_commit(&af, e);
}
