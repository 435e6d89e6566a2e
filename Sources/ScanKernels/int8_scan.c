// First pass of the exact compact scan: int8 rows · int16 query (an exact integer dot product), turned into an
// approximate score with a rigorous error bound, and a threshold on the best lower bounds.
#include "ScanKernels.h"
#include "bound_heap.h"
#include <float.h>
#include <math.h>
#include <string.h>

static inline int32_t idot_portable(const int8_t *x, const int16_t *q, size_t d) {
    int32_t sum = 0;
    for (size_t i = 0; i < d; i++) sum += (int32_t)x[i] * (int32_t)q[i];
    return sum;
}

#if defined(__x86_64__)
#include <immintrin.h>
#define SK_AVX2 __attribute__((target("avx2")))

// Integer sums are exact: any order gives idot_portable's value (sk_query_code_limit keeps them in int32).
SK_AVX2 static inline int32_t idot_avx2(const int8_t *x, const int16_t *q, size_t d) {
    __m256i acc0 = _mm256_setzero_si256(), acc1 = _mm256_setzero_si256();
    size_t i = 0;
    for (; i + 32 <= d; i += 32) {
        __m256i x0 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(x + i)));
        __m256i x1 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(x + i + 16)));
        acc0 = _mm256_add_epi32(acc0, _mm256_madd_epi16(x0, _mm256_loadu_si256((const __m256i *)(q + i))));
        acc1 = _mm256_add_epi32(acc1, _mm256_madd_epi16(x1, _mm256_loadu_si256((const __m256i *)(q + i + 16))));
    }
    if (i + 16 <= d) {
        __m256i x0 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(x + i)));
        acc0 = _mm256_add_epi32(acc0, _mm256_madd_epi16(x0, _mm256_loadu_si256((const __m256i *)(q + i))));
        i += 16;
    }
    __m256i v = _mm256_add_epi32(acc0, acc1);
    __m128i w = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    w = _mm_add_epi32(w, _mm_shuffle_epi32(w, _MM_SHUFFLE(1, 0, 3, 2)));
    w = _mm_add_epi32(w, _mm_shuffle_epi32(w, _MM_SHUFFLE(2, 3, 0, 1)));
    int32_t sum = _mm_cvtsi128_si32(w);
    for (; i < d; i++) sum += (int32_t)x[i] * (int32_t)q[i];
    return sum;
}
#endif

/// The per-query constants of the bound E = error_r · c1 + norm_r · c2 (see sk_scan_int8).
typedef struct {
    double score_scale;  // q.scale
    double c1;           // ‖q‖ + ‖q − q̂‖
    double c2;           // ‖q − q̂‖ + γ_d ‖q‖
    double max_e;        // E of the largest error and norm over all rows, with the rounding slack
} bound_terms;

static bound_terms make_terms(sk_int8_rows rows, sk_query_int16 query) {
    const double u = 1.0 / 16777216.0;  // 2⁻²⁴, Float32's unit roundoff
    double gamma = (double)rows.d * u / (1 - (double)rows.d * u);
    bound_terms t;
    t.score_scale = query.scale;
    t.c1 = (query.norm + query.error) * (1 + 1e-12);
    t.c2 = (query.error + gamma * query.norm) * (1 + 1e-12);
    t.max_e = ((double)rows.max_error * t.c1 + (double)rows.max_norm * t.c2) * (1 + 1e-9);
    if (!(t.max_e <= DBL_MAX)) t.max_e = INFINITY;
    return t;
}

/// Emits the row when its upper bound reaches the threshold; offers its lower bound to the heap.
static inline void consider_row(size_t r, int32_t dot, sk_int8_rows rows, bound_terms t, sk_bound_heap *heap,
                                double *threshold, int64_t *out_rows, double *out_upper, size_t *emitted) {
    double a = (double)dot * ((double)rows.scales[r] * t.score_scale);
    // The slack covers the double rounding of a, e and the sums below.
    if (a + t.max_e + 1e-9 * fabs(a) < *threshold) return;  // rejected without reading the row's bounds
    double e = (double)rows.errors[r] * t.c1 + (double)rows.norms[r] * t.c2;
    if (!(e <= DBL_MAX)) e = INFINITY;  // a non-finite row or query: unbounded
    double slack = 1e-9 * (fabs(a) + e);
    double upper = a + e + slack;
    if (upper < *threshold) return;
    out_rows[*emitted] = (int64_t)r;
    out_upper[*emitted] = upper;
    *emitted += 1;
    sk_heap_offer(heap, a - e - slack);
    *threshold = sk_heap_threshold(heap);
}

#if defined(__x86_64__)
SK_AVX2 static size_t scan_int8_avx2(sk_int8_rows rows, size_t first, size_t n, const int16_t *qcodes,
                                     bound_terms t, sk_bound_heap *heap, int64_t *out_rows, double *out_upper) {
    size_t emitted = 0;
    double threshold = sk_heap_threshold(heap);
    for (size_t r = first; r < first + n; r++) {
        int32_t dot = idot_avx2(rows.codes + r * rows.d, qcodes, rows.d);
        consider_row(r, dot, rows, t, heap, &threshold, out_rows, out_upper, &emitted);
    }
    return emitted;
}
/// One row of 128 codes against the query's 8 × 16 int16 codes: 8 partial int32 sums (lanes, not yet added).
SK_AVX2 static inline __m256i row_dot128(const int8_t *x, const __m256i *q) {
    __m256i acc0 = _mm256_madd_epi16(_mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)x)), q[0]);
    __m256i acc1 = _mm256_madd_epi16(_mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(x + 16))), q[1]);
    for (int i = 2; i < 8; i += 2) {
        acc0 = _mm256_add_epi32(acc0, _mm256_madd_epi16(
            _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(x + 16 * i))), q[i]));
        acc1 = _mm256_add_epi32(acc1, _mm256_madd_epi16(
            _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(x + 16 * i + 16))), q[i + 1]));
    }
    return _mm256_add_epi32(acc0, acc1);
}

/// d = 128 (the default width), four rows at a time: their four sums reduced together, their approximate
/// scores computed and tested against the largest bound as one vector; only rows that pass go on to
/// consider_row's exact test. Same A and same decisions as the generic loop.
SK_AVX2 static size_t scan_int8_avx2_d128(sk_int8_rows rows, size_t first, size_t n, const int16_t *qcodes,
                                          bound_terms t, sk_bound_heap *heap, int64_t *out_rows,
                                          double *out_upper) {
    __m256i q[8];
    for (int i = 0; i < 8; i++) q[i] = _mm256_loadu_si256((const __m256i *)(qcodes + 16 * i));
    size_t emitted = 0;
    double threshold = sk_heap_threshold(heap);
    const __m256d query_scale = _mm256_set1_pd(t.score_scale), max_e = _mm256_set1_pd(t.max_e);
    const __m256d slack = _mm256_set1_pd(1e-9), sign = _mm256_set1_pd(-0.0);
    size_t r = first, end = first + n;
    for (; r + 4 <= end; r += 4) {
        const int8_t *x = rows.codes + r * 128;
        __m256i h01 = _mm256_hadd_epi32(row_dot128(x, q), row_dot128(x + 128, q));
        __m256i h23 = _mm256_hadd_epi32(row_dot128(x + 256, q), row_dot128(x + 384, q));
        __m256i h = _mm256_hadd_epi32(h01, h23);
        __m128i dots = _mm_add_epi32(_mm256_castsi256_si128(h), _mm256_extracti128_si256(h, 1));
        __m256d scale = _mm256_mul_pd(_mm256_cvtps_pd(_mm_loadu_ps(rows.scales + r)), query_scale);
        __m256d a = _mm256_mul_pd(_mm256_cvtepi32_pd(dots), scale);
        __m256d upper = _mm256_add_pd(_mm256_add_pd(a, max_e), _mm256_mul_pd(_mm256_andnot_pd(sign, a), slack));
        int pass = _mm256_movemask_pd(_mm256_cmp_pd(upper, _mm256_set1_pd(threshold), _CMP_GE_OQ));
        if (!pass) continue;
        int32_t sums[4];
        _mm_storeu_si128((__m128i *)sums, dots);
        for (int j = 0; j < 4; j++) {
            if (pass >> j & 1)
                consider_row(r + j, sums[j], rows, t, heap, &threshold, out_rows, out_upper, &emitted);
        }
    }
    for (; r < end; r++) {
        int32_t dot = idot_avx2(rows.codes + r * 128, qcodes, 128);
        consider_row(r, dot, rows, t, heap, &threshold, out_rows, out_upper, &emitted);
    }
    return emitted;
}
#endif

size_t sk_scan_int8(sk_path path, sk_int8_rows rows, size_t first, size_t n,
                    const int16_t *qcodes, sk_query_int16 query,
                    sk_bound_heap *heap, int64_t *out_rows, double *out_upper) {
    bound_terms t = make_terms(rows, query);
#if defined(__x86_64__)
    if (path >= SK_PATH_AVX2 && rows.d == 128)
        return scan_int8_avx2_d128(rows, first, n, qcodes, t, heap, out_rows, out_upper);
    if (path >= SK_PATH_AVX2) return scan_int8_avx2(rows, first, n, qcodes, t, heap, out_rows, out_upper);
#endif
    (void)path;
    size_t emitted = 0;
    double threshold = sk_heap_threshold(heap);
    for (size_t r = first; r < first + n; r++) {
        int32_t dot = idot_portable(rows.codes + r * rows.d, qcodes, rows.d);
        consider_row(r, dot, rows, t, heap, &threshold, out_rows, out_upper, &emitted);
    }
    return emitted;
}

#if defined(__x86_64__)
/// Four queries, d = 128, row by row: the row sign-extended once, multiplied with each query's codes, the four
/// sums reduced together and tested against the four thresholds as one vector.
SK_AVX2 static void scan_int8_x4_avx2_d128(sk_int8_rows rows, size_t first, size_t n, const int16_t *qcodes,
                                           const sk_query_int16 *queries, sk_bound_heap *heaps,
                                           int64_t *out_rows, double *out_upper, size_t *emitted) {
    bound_terms t[4];
    double threshold[4];
    for (int j = 0; j < 4; j++) {
        t[j] = make_terms(rows, queries[j]);
        threshold[j] = sk_heap_threshold(&heaps[j]);
        emitted[j] = 0;
    }
    const __m256d query_scale = _mm256_setr_pd(t[0].score_scale, t[1].score_scale, t[2].score_scale,
                                               t[3].score_scale);
    const __m256d max_e = _mm256_setr_pd(t[0].max_e, t[1].max_e, t[2].max_e, t[3].max_e);
    const __m256d slack = _mm256_set1_pd(1e-9), sign = _mm256_set1_pd(-0.0);
    for (size_t r = first; r < first + n; r++) {
        const int8_t *x = rows.codes + r * 128;
        __m256i xv[8];
        for (int i = 0; i < 8; i++) xv[i] = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(x + 16 * i)));
        __m256i acc[4];
        for (int j = 0; j < 4; j++) {
            const int16_t *q = qcodes + 128 * j;
            __m256i a0 = _mm256_madd_epi16(xv[0], _mm256_loadu_si256((const __m256i *)q));
            __m256i a1 = _mm256_madd_epi16(xv[1], _mm256_loadu_si256((const __m256i *)(q + 16)));
            for (int i = 2; i < 8; i += 2) {
                a0 = _mm256_add_epi32(a0, _mm256_madd_epi16(xv[i], _mm256_loadu_si256((const __m256i *)(q + 16 * i))));
                a1 = _mm256_add_epi32(a1, _mm256_madd_epi16(xv[i + 1],
                                                            _mm256_loadu_si256((const __m256i *)(q + 16 * i + 16))));
            }
            acc[j] = _mm256_add_epi32(a0, a1);
        }
        __m256i h = _mm256_hadd_epi32(_mm256_hadd_epi32(acc[0], acc[1]), _mm256_hadd_epi32(acc[2], acc[3]));
        __m128i dots = _mm_add_epi32(_mm256_castsi256_si128(h), _mm256_extracti128_si256(h, 1));
        __m256d scale = _mm256_mul_pd(_mm256_set1_pd((double)rows.scales[r]), query_scale);
        __m256d a = _mm256_mul_pd(_mm256_cvtepi32_pd(dots), scale);
        __m256d upper = _mm256_add_pd(_mm256_add_pd(a, max_e), _mm256_mul_pd(_mm256_andnot_pd(sign, a), slack));
        int pass = _mm256_movemask_pd(_mm256_cmp_pd(upper, _mm256_loadu_pd(threshold), _CMP_GE_OQ));
        if (!pass) continue;
        int32_t sums[4];
        _mm_storeu_si128((__m128i *)sums, dots);
        for (int j = 0; j < 4; j++) {
            if (pass >> j & 1)
                consider_row(r, sums[j], rows, t[j], &heaps[j], &threshold[j], out_rows + j * n,
                             out_upper + j * n, &emitted[j]);
        }
    }
}

#define SK_VNNI __attribute__((target("avx2,avx512vnni,avx512vl")))

/// The same with AVX-512 VNNI's `vpdpwssd` (multiply and accumulate in one instruction, on 256-bit vectors).
SK_VNNI static void scan_int8_x4_vnni_d128(sk_int8_rows rows, size_t first, size_t n, const int16_t *qcodes,
                                           const sk_query_int16 *queries, sk_bound_heap *heaps,
                                           int64_t *out_rows, double *out_upper, size_t *emitted) {
    bound_terms t[4];
    double threshold[4];
    for (int j = 0; j < 4; j++) {
        t[j] = make_terms(rows, queries[j]);
        threshold[j] = sk_heap_threshold(&heaps[j]);
        emitted[j] = 0;
    }
    const __m256d query_scale = _mm256_setr_pd(t[0].score_scale, t[1].score_scale, t[2].score_scale,
                                               t[3].score_scale);
    const __m256d max_e = _mm256_setr_pd(t[0].max_e, t[1].max_e, t[2].max_e, t[3].max_e);
    const __m256d slack = _mm256_set1_pd(1e-9), sign = _mm256_set1_pd(-0.0);
    for (size_t r = first; r < first + n; r++) {
        const int8_t *x = rows.codes + r * 128;
        __m256i xv[8];
        for (int i = 0; i < 8; i++) xv[i] = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(x + 16 * i)));
        __m256i acc[4];
        for (int j = 0; j < 4; j++) {
            const int16_t *q = qcodes + 128 * j;
            __m256i a0 = _mm256_madd_epi16(xv[0], _mm256_loadu_si256((const __m256i *)q));
            __m256i a1 = _mm256_madd_epi16(xv[1], _mm256_loadu_si256((const __m256i *)(q + 16)));
            for (int i = 2; i < 8; i += 2) {
                a0 = _mm256_dpwssd_epi32(a0, xv[i], _mm256_loadu_si256((const __m256i *)(q + 16 * i)));
                a1 = _mm256_dpwssd_epi32(a1, xv[i + 1], _mm256_loadu_si256((const __m256i *)(q + 16 * i + 16)));
            }
            acc[j] = _mm256_add_epi32(a0, a1);
        }
        __m256i h = _mm256_hadd_epi32(_mm256_hadd_epi32(acc[0], acc[1]), _mm256_hadd_epi32(acc[2], acc[3]));
        __m128i dots = _mm_add_epi32(_mm256_castsi256_si128(h), _mm256_extracti128_si256(h, 1));
        __m256d scale = _mm256_mul_pd(_mm256_set1_pd((double)rows.scales[r]), query_scale);
        __m256d a = _mm256_mul_pd(_mm256_cvtepi32_pd(dots), scale);
        __m256d upper = _mm256_add_pd(_mm256_add_pd(a, max_e), _mm256_mul_pd(_mm256_andnot_pd(sign, a), slack));
        int pass = _mm256_movemask_pd(_mm256_cmp_pd(upper, _mm256_loadu_pd(threshold), _CMP_GE_OQ));
        if (!pass) continue;
        int32_t sums[4];
        _mm_storeu_si128((__m128i *)sums, dots);
        for (int j = 0; j < 4; j++) {
            if (pass >> j & 1)
                consider_row(r, sums[j], rows, t[j], &heaps[j], &threshold[j], out_rows + j * n,
                             out_upper + j * n, &emitted[j]);
        }
    }
}
#endif

void sk_scan_int8_x4(sk_path path, sk_int8_rows rows, size_t first, size_t n,
                     const int16_t *qcodes, const sk_query_int16 *queries,
                     sk_bound_heap *heaps, int64_t *out_rows, double *out_upper, size_t *emitted) {
#if defined(__x86_64__)
    if (path == SK_PATH_AVX512_VNNI && rows.d == 128) {
        scan_int8_x4_vnni_d128(rows, first, n, qcodes, queries, heaps, out_rows, out_upper, emitted);
        return;
    }
    if (path >= SK_PATH_AVX2 && rows.d == 128) {
        scan_int8_x4_avx2_d128(rows, first, n, qcodes, queries, heaps, out_rows, out_upper, emitted);
        return;
    }
#endif
    for (int j = 0; j < 4; j++)
        emitted[j] = sk_scan_int8(path, rows, first, n, qcodes + (size_t)j * rows.d, queries[j], &heaps[j],
                                  out_rows + (size_t)j * n, out_upper + (size_t)j * n);
}

// ---- Blocks of queries over packed tiles (AVX-512 VNNI `vpdpbusd`) ----

static void scan_tiles_portable(sk_int8_rows rows, size_t first, size_t n, const int8_t *qcodes,
                                const sk_query_int16 *queries, size_t m, sk_bound_heap *heaps,
                                int64_t *out_rows, double *out_upper, size_t *emitted) {
    size_t stride = sk_pair_groups(rows.d) * 4;
    for (size_t j = 0; j < m; j++) {
        bound_terms t = make_terms(rows, queries[j]);
        double threshold = sk_heap_threshold(&heaps[j]);
        const int8_t *q = qcodes + j * stride;
        emitted[j] = 0;
        for (size_t r = first; r < first + n; r++) {
            const int8_t *x = rows.codes + r * rows.d;
            int32_t dot = 0;
            for (size_t i = 0; i < rows.d; i++) dot += (int32_t)x[i] * (int32_t)q[i];
            consider_row(r, dot, rows, t, &heaps[j], &threshold, out_rows + j * n, out_upper + j * n, &emitted[j]);
        }
    }
}

#if defined(__x86_64__)
#define SK_AVX512 __attribute__((target("avx512f,avx512bw,avx512vnni")))

/// Up to 8 queries against each 16-row tile: a tile group (16 rows × 4 codes, sign bit flipped to make them
/// unsigned) is loaded once and multiplied by each query's 4 codes broadcast, `vpdpbusd` accumulating 16 row
/// sums at once; Σ (c + 128)·q − 128·Σq is the exact integer dot product. A float test against the largest
/// bound (with a slack above every float rounding) lets through every row consider_row could keep; consider_row
/// then decides in double, on the same integer, in row order: the same decisions as the portable loop.
SK_AVX512 static void scan_tiles_vnni(sk_int8_rows rows, const int8_t *tiles, size_t first, size_t n,
                                      const int8_t *qcodes, const sk_query_int16 *queries, size_t m,
                                      sk_bound_heap *heaps, int64_t *out_rows, double *out_upper, size_t *emitted) {
    size_t groups = sk_pair_groups(rows.d), stride = groups * 4;
    bound_terms t[8];
    double threshold[8];
    int32_t qsum[8];
    __m512 qscale[8], max_e[8];
    for (size_t j = 0; j < m; j++) {
        t[j] = make_terms(rows, queries[j]);
        threshold[j] = sk_heap_threshold(&heaps[j]);
        emitted[j] = 0;
        int32_t sum = 0;
        for (size_t i = 0; i < stride; i++) sum += qcodes[j * stride + i];
        qsum[j] = sum;
        qscale[j] = _mm512_set1_ps((float)t[j].score_scale);
        max_e[j] = _mm512_set1_ps(t[j].max_e < 1e30 ? (float)t[j].max_e + 1e-6f : INFINITY);
    }
    const __m512i flip = _mm512_set1_epi8((char)0x80);
    const __m512 relative = _mm512_set1_ps(1e-6f);
    for (size_t tile = 0; tile * 16 < n; tile++) {
        const int8_t *codes = tiles + tile * groups * 64;
        size_t r0 = first + tile * 16, lanes = n - tile * 16 < 16 ? n - tile * 16 : 16;
        __mmask16 valid = (__mmask16)((1u << lanes) - 1);
        __m512 scales = _mm512_maskz_loadu_ps(valid, rows.scales + r0);
        __m512i acc[8];
        for (size_t j = 0; j < 8; j++) acc[j] = _mm512_setzero_si512();
        for (size_t g = 0; g < groups; g++) {
            __m512i column = _mm512_xor_si512(_mm512_loadu_si512(codes + g * 64), flip);
            for (size_t j = 0; j < m; j++) {
                int32_t four;
                memcpy(&four, qcodes + j * stride + g * 4, 4);
                acc[j] = _mm512_dpbusd_epi32(acc[j], column, _mm512_set1_epi32(four));
            }
        }
        for (size_t j = 0; j < m; j++) {
            __m512i dots = _mm512_sub_epi32(acc[j], _mm512_set1_epi32(128 * qsum[j]));
            __m512 a = _mm512_mul_ps(_mm512_cvtepi32_ps(dots), _mm512_mul_ps(scales, qscale[j]));
            float limit = threshold[j] <= -FLT_MAX ? -INFINITY : (float)threshold[j];
            if ((double)limit > threshold[j]) limit = nextafterf(limit, -INFINITY);
            // The relative term covers the float roundings of a for scores far from unit size.
            __m512 upper = _mm512_add_ps(_mm512_add_ps(a, max_e[j]), _mm512_mul_ps(_mm512_abs_ps(a), relative));
            __mmask16 pass = _mm512_mask_cmp_ps_mask(valid, upper, _mm512_set1_ps(limit), _CMP_GE_OQ);
            if (!pass) continue;
            int32_t sums[16];
            _mm512_storeu_si512(sums, dots);
            while (pass) {
                unsigned lane = (unsigned)__builtin_ctz(pass);
                pass &= pass - 1;
                consider_row(r0 + lane, sums[lane], rows, t[j], &heaps[j], &threshold[j], out_rows + j * n,
                             out_upper + j * n, &emitted[j]);
            }
        }
    }
}
#endif

void sk_scan_tiles_int8(sk_path path, sk_int8_rows rows, const int8_t *tiles, size_t first, size_t n,
                        const int8_t *qcodes, const sk_query_int16 *queries, size_t m,
                        sk_bound_heap *heaps, int64_t *out_rows, double *out_upper, size_t *emitted) {
#if defined(__x86_64__)
    if (path == SK_PATH_AVX512_VNNI && m <= 8) {
        scan_tiles_vnni(rows, tiles, first, n, qcodes, queries, m, heaps, out_rows, out_upper, emitted);
        return;
    }
#endif
    scan_tiles_portable(rows, first, n, qcodes, queries, m, heaps, out_rows, out_upper, emitted);
}
