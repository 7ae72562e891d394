// Minimal SVG charts for the demo report: line charts (loss curves) and grouped bars
// (accuracy by difficulty). Plain SVG 1.1, readable by any browser.
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "demo.h"
#include "fsutil.h"

enum { W = 780, H = 420, ML = 70, MR = 210, MT = 46, MB = 56 };

static void header(FILE *f, const char *title) {
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
               "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
               "font-family=\"sans-serif\" font-size=\"13\">\n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
               "<text x=\"%d\" y=\"26\" font-size=\"16\" font-weight=\"bold\">%s</text>\n",
            W, H, W, H, ML, title);
}

static void axes(FILE *f, double x0, double x1, double y0, double y1, const char *xl, const char *yl) {
    const int pw = W - ML - MR, ph = H - MT - MB;
    fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#444\"/>\n", ML, MT, pw, ph);
    for (int i = 0; i <= 4; i++) {
        double yv = y0 + (y1 - y0) * i / 4, yp = MT + ph - ph * i / 4.0;
        fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>\n", ML, yp, ML + pw, yp);
        fprintf(f, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.3g</text>\n", ML - 6, yp + 4, yv);
        if (x1 > x0) {
            double xv = x0 + (x1 - x0) * i / 4, xp = ML + pw * i / 4.0;
            fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%.4g</text>\n", xp, MT + ph + 18, xv);
        }
    }
    fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>\n", ML + pw / 2, H - 12, xl);
    fprintf(f, "<text x=\"16\" y=\"%d\" text-anchor=\"middle\" transform=\"rotate(-90 16 %d)\">%s</text>\n",
            MT + ph / 2, MT + ph / 2, yl);
}

static int finish(FILE *f, wmss_atomic_file *af, wmss_error *e) {
    fprintf(f, "</svg>\n");
    return wmss_atomic_commit(af, e);
}

int wmss_svg_lines(const char *path, const char *title, const char *xlabel, const char *ylabel,
                   const wmss_svg_series *s, int n_series, wmss_error *e) {
    double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
    for (int k = 0; k < n_series; k++)
        for (int i = 0; i < s[k].n; i++) {
            if (isnan(s[k].y[i])) continue;
            x0 = fmin(x0, s[k].x[i]);
            x1 = fmax(x1, s[k].x[i]);
            y0 = fmin(y0, s[k].y[i]);
            y1 = fmax(y1, s[k].y[i]);
        }
    if (!(x1 >= x0)) x0 = 0, x1 = 1, y0 = 0, y1 = 1;
    if (y0 > 0 && y0 < 0.3 * y1) y0 = 0;
    if (y1 == y0) y1 = y0 + 1;
    if (x1 == x0) x1 = x0 + 1;
    wmss_atomic_file af;
    if (wmss_atomic_open(&af, path, e)) return -1;
    FILE *f = af.f;
    header(f, title);
    axes(f, x0, x1, y0, y1, xlabel, ylabel);
    const int pw = W - ML - MR, ph = H - MT - MB;
    for (int k = 0; k < n_series; k++) {
        fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"", s[k].color);
        for (int i = 0; i < s[k].n; i++)
            if (!isnan(s[k].y[i]))
                fprintf(f, "%.1f,%.1f ", ML + pw * (s[k].x[i] - x0) / (x1 - x0), MT + ph - ph * (s[k].y[i] - y0) / (y1 - y0));
        fprintf(f, "\"/>\n");
        int ly = MT + 10 + 22 * k;
        fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"3\"/>\n", W - MR + 12, ly,
                W - MR + 34, ly, s[k].color);
        fprintf(f, "<text x=\"%d\" y=\"%d\">%s</text>\n", W - MR + 40, ly + 4, s[k].label);
    }
    return finish(f, &af, e);
}

int wmss_svg_bars(const char *path, const char *title, const char *const *groups, int n_groups,
                  const char *const *series, const char *const *colors, int n_series, const double *values,
                  wmss_error *e) {
    wmss_atomic_file af;
    if (wmss_atomic_open(&af, path, e)) return -1;
    FILE *f = af.f;
    header(f, title);
    axes(f, 0, 0, 0, 1, "", "accuracy");
    const int pw = W - ML - MR, ph = H - MT - MB;
    const double gw = (double)pw / n_groups, bw = gw * 0.8 / n_series;
    for (int g = 0; g < n_groups; g++) {
        for (int k = 0; k < n_series; k++) {
            double v = values[g * n_series + k], hgt = ph * (isnan(v) ? 0 : fmin(fmax(v, 0), 1));
            double x = ML + gw * g + gw * 0.1 + bw * k;
            fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"/>\n", x, MT + ph - hgt,
                    bw - 2, hgt, colors[k]);
            fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"11\">%.0f%%</text>\n",
                    x + bw / 2 - 1, MT + ph - hgt - 4, isnan(v) ? 0 : 100 * v);
        }
        fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n", ML + gw * g + gw / 2, MT + ph + 18,
                groups[g]);
    }
    for (int k = 0; k < n_series; k++) {
        int ly = MT + 10 + 22 * k;
        fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"22\" height=\"12\" fill=\"%s\"/>\n", W - MR + 12, ly - 6, colors[k]);
        fprintf(f, "<text x=\"%d\" y=\"%d\">%s</text>\n", W - MR + 40, ly + 4, series[k]);
    }
    return finish(f, &af, e);
}
