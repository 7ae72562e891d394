// Exact rationals for answer comparison: numerator and denominator in signed 128-bit
// integers, every operation overflow-checked (the caller then falls back to comparing
// strings). Magnitudes are kept below 2^126 so that negation never overflows.
#include <math.h>
#include <string.h>

#include "grade_internal.h"

static const gi128 LIMIT = ((gi128)1) << 126;

static gi128 abs128(gi128 a) { return a < 0 ? -a : a; }

static gi128 gcd128(gi128 a, gi128 b) {
    a = abs128(a);
    b = abs128(b);
    while (b) {
        gi128 t = a % b;
        a = b;
        b = t;
    }
    return a;
}

int gq_make(gi128 num, gi128 den, gq *out) {
    if (den == 0) return -1;
    if (num >= LIMIT || num <= -LIMIT || den >= LIMIT || den <= -LIMIT) return -1;
    if (den < 0) {
        num = -num;
        den = -den;
    }
    gi128 g = gcd128(num, den);
    if (g > 1) {
        num /= g;
        den /= g;
    }
    if (num == 0) den = 1;
    out->num = num;
    out->den = den;
    return 0;
}

int gq_int(long long v, gq *out) { return gq_make(v, 1, out); }

static int mul_ok(gi128 a, gi128 b, gi128 *r) { return !__builtin_mul_overflow(a, b, r) && *r < LIMIT && *r > -LIMIT; }
static int add_ok(gi128 a, gi128 b, gi128 *r) { return !__builtin_add_overflow(a, b, r) && *r < LIMIT && *r > -LIMIT; }

int gq_add(gq a, gq b, gq *out) {
    // a/b + c/d = (a*(d/g) + c*(b/g)) / (b/g*d), g = gcd(b, d)
    gi128 g = gcd128(a.den, b.den), x, y, s, d;
    if (!mul_ok(a.num, b.den / g, &x) || !mul_ok(b.num, a.den / g, &y) || !add_ok(x, y, &s) ||
        !mul_ok(a.den / g, b.den, &d))
        return -1;
    return gq_make(s, d, out);
}

int gq_neg(gq a, gq *out) {
    out->num = -a.num;
    out->den = a.den;
    return 0;
}

int gq_sub(gq a, gq b, gq *out) {
    gq nb;
    gq_neg(b, &nb);
    return gq_add(a, nb, out);
}

int gq_mul(gq a, gq b, gq *out) {
    // Cross-reduce first to keep the products small.
    gi128 g1 = gcd128(a.num, b.den), g2 = gcd128(b.num, a.den);
    if (g1 == 0) g1 = 1;
    if (g2 == 0) g2 = 1;
    gi128 n, d;
    if (!mul_ok(a.num / g1, b.num / g2, &n) || !mul_ok(a.den / g2, b.den / g1, &d)) return -1;
    return gq_make(n, d, out);
}

int gq_div(gq a, gq b, gq *out) {
    if (b.num == 0) return -1;
    gq inv = {b.den, b.num};
    if (inv.den < 0) {
        inv.num = -inv.num;
        inv.den = -inv.den;
    }
    return gq_mul(a, inv, out);
}

int gq_pow(gq a, long long k, gq *out) {
    if (k < -1000 || k > 1000) {
        // Only 0, 1 and -1 stay representable.
        if (a.num == 0 && k > 0) return gq_int(0, out);
        if (a.den == 1 && (a.num == 1 || a.num == -1)) return gq_int((k % 2) ? (long long)a.num : 1, out);
        return -1;
    }
    if (k < 0) {
        gq one;
        gq_int(1, &one);
        if (gq_div(one, a, &a)) return -1;
        k = -k;
    }
    gq r;
    gq_int(1, &r);
    while (k-- > 0)
        if (gq_mul(r, a, &r)) return -1;
    *out = r;
    return 0;
}

// Integer square root of x >= 0, or -1 if x is not a perfect square.
static gi128 isqrt_exact(gi128 x) {
    if (x < 0) return -1;
    gi128 r = (gi128)sqrtl((long double)x);
    // Correct the floating-point estimate.
    while (r > 0 && r * r > x) r--;
    while ((r + 1) * (r + 1) <= x) r++;
    return r * r == x ? r : -1;
}

int gq_sqrt(gq a, gq *out) {
    gi128 n = isqrt_exact(a.num), d = isqrt_exact(a.den);
    if (n < 0 || d < 0) return -1;
    return gq_make(n, d, out);
}

int gq_eq(gq a, gq b) { return a.num == b.num && a.den == b.den; }

double gq_to_double(gq a) { return (double)((long double)a.num / (long double)a.den); }

int gq_parse_decimal(const char *s, size_t n, gq *out) {
    gi128 num = 0, den = 1;
    int dot = 0, digits = 0;
    // Trailing zeros after the point change nothing ("5.000" = 5).
    if (memchr(s, '.', n))
        while (n > 1 && s[n - 1] == '0') n--, digits = 1;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '.' && !dot) {
            dot = 1;
            continue;
        }
        if (!g_isdigit((unsigned char)s[i])) return -1;
        digits++;
        if (!mul_ok(num, 10, &num) || !add_ok(num, s[i] - '0', &num)) return -1;
        if (dot && !mul_ok(den, 10, &den)) return -1;
    }
    if (!digits) return -1;
    return gq_make(num, den, out);
}
