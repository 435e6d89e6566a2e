// Quantization of stored rows (int8, one scale per row) and of a query (int16, one scale), with rigorous
// upper bounds on the quantization errors and norms.
#include "ScanKernels.h"
#include <float.h>
#include <math.h>

/// Relative and absolute slack on bounds computed in double: every step there rounds by at most 2⁻⁵³ relative.
#define SK_SLACK 1e-12

/// The smallest float ≥ v (v ≥ 0 or +infinity).
static float round_up_to_float(double v) {
    if (!(v <= FLT_MAX)) return INFINITY;
    float f = (float)v;
    if ((double)f < v) f = nextafterf(f, INFINITY);
    return f;
}

static double round_half_away(double v) { return v >= 0 ? floor(v + 0.5) : -floor(-v + 0.5); }

void sk_quantize_rows_int8(const float *x, size_t n, size_t d,
                           int8_t *codes, float *scales, float *errors, float *norms) {
    for (size_t r = 0; r < n; r++) {
        const float *row = x + r * d;
        int8_t *code = codes + r * d;
        double max_abs = 0, norm2 = 0;
        int finite = 1;
        for (size_t i = 0; i < d; i++) {
            double v = row[i];
            if (!isfinite(v)) { finite = 0; break; }
            if (fabs(v) > max_abs) max_abs = fabs(v);
            norm2 += v * v;
        }
        if (!finite) {
            for (size_t i = 0; i < d; i++) code[i] = 0;
            scales[r] = 0;
            errors[r] = INFINITY;
            norms[r] = INFINITY;
            continue;
        }
        float scale = (float)(max_abs / 127.0);
        double error2 = 0;
        for (size_t i = 0; i < d; i++) {
            double c = scale > 0 ? round_half_away((double)row[i] / (double)scale) : 0;
            if (c > 127) c = 127;
            if (c < -127) c = -127;
            code[i] = (int8_t)c;
            double diff = (double)row[i] - (double)scale * c;
            error2 += diff * diff;
        }
        double norm = sqrt(norm2) * (1 + SK_SLACK);
        scales[r] = scale;
        errors[r] = round_up_to_float(sqrt(error2) * (1 + SK_SLACK) + SK_SLACK * norm);
        norms[r] = round_up_to_float(norm);
    }
}

int32_t sk_query_code_limit(size_t d) {
    double limit = floor((double)INT32_MAX / (127.0 * (double)(d ? d : 1)));
    return limit >= 32767 ? 32767 : (int32_t)limit;
}

/// One scale for the whole query, codes in [-limit, limit], written to codes16 or codes8 (the other is NULL).
static sk_query_int16 quantize_query(const float *q, size_t d, double limit, int16_t *codes16, int8_t *codes8) {
    sk_query_int16 query = {0, 0, 0};
    double max_abs = 0, norm2 = 0;
    for (size_t i = 0; i < d; i++) {
        double v = q[i];
        if (!isfinite(v)) {
            for (size_t j = 0; j < d; j++) {
                if (codes16) codes16[j] = 0; else codes8[j] = 0;
            }
            query.norm = INFINITY;
            query.error = INFINITY;
            return query;
        }
        if (fabs(v) > max_abs) max_abs = fabs(v);
        norm2 += v * v;
    }
    double scale = max_abs / limit;
    double error2 = 0;
    for (size_t i = 0; i < d; i++) {
        double c = scale > 0 ? round_half_away((double)q[i] / scale) : 0;
        if (c > limit) c = limit;
        if (c < -limit) c = -limit;
        if (codes16) codes16[i] = (int16_t)c; else codes8[i] = (int8_t)c;
        double diff = (double)q[i] - scale * c;
        error2 += diff * diff;
    }
    query.scale = scale;
    query.norm = sqrt(norm2) * (1 + SK_SLACK);
    query.error = sqrt(error2) * (1 + SK_SLACK) + SK_SLACK * query.norm;
    return query;
}

sk_query_int16 sk_quantize_query_int16(const float *q, size_t d, int16_t *codes) {
    return quantize_query(q, d, sk_query_code_limit(d), codes, NULL);
}

sk_query_int16 sk_quantize_query_int8(const float *q, size_t d, int8_t *codes) {
    return quantize_query(q, d, 127, NULL, codes);
}
