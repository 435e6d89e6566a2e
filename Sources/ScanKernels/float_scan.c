// The exact Float32 dot product (one defined order of operations, on every path) and the fused scan over it.
#include "ScanKernels.h"
#include "bound_heap.h"

// Products are rounded before they are added, on every path: no contraction into FMA.
#pragma STDC FP_CONTRACT OFF

static inline float dot_portable(const float *x, const float *q, size_t d) {
    float s[16] = {0};
    size_t blocks = d / 16 * 16;
    for (size_t i = 0; i < blocks; i += 16) {
        for (size_t j = 0; j < 16; j++) {
            float p = x[i + j] * q[i + j];
            s[j] = s[j] + p;
        }
    }
    for (size_t j = 0; j < 8; j++) s[j] = s[j] + s[j + 8];
    for (size_t j = 0; j < 4; j++) s[j] = s[j] + s[j + 4];
    for (size_t j = 0; j < 2; j++) s[j] = s[j] + s[j + 2];
    float r = s[0] + s[1];
    for (size_t i = blocks; i < d; i++) {
        float p = x[i] * q[i];
        r = r + p;
    }
    return r;
}

#if defined(__x86_64__)
#include <immintrin.h>
#define SK_AVX2 __attribute__((target("avx2")))

// Lanes 0–7 in acc0, 8–15 in acc1: the same sums as dot_portable, in the same order.
SK_AVX2 static inline float dot_avx2(const float *x, const float *q, size_t d) {
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    size_t blocks = d / 16 * 16;
    for (size_t i = 0; i < blocks; i += 16) {
        acc0 = _mm256_add_ps(acc0, _mm256_mul_ps(_mm256_loadu_ps(x + i), _mm256_loadu_ps(q + i)));
        acc1 = _mm256_add_ps(acc1, _mm256_mul_ps(_mm256_loadu_ps(x + i + 8), _mm256_loadu_ps(q + i + 8)));
    }
    __m256 v = _mm256_add_ps(acc0, acc1);                                           // j += j+8
    __m128 w = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));  // j += j+4
    w = _mm_add_ps(w, _mm_movehl_ps(w, w));                                         // j += j+2
    w = _mm_add_ss(w, _mm_shuffle_ps(w, w, 1));                                     // j += j+1
    float r = _mm_cvtss_f32(w);
    for (size_t i = blocks; i < d; i++) {
        float p = x[i] * q[i];
        r = r + p;
    }
    return r;
}

SK_AVX2 static size_t scan_f32_avx2(const float *matrix, size_t d, size_t first, size_t n, const float *q,
                                    sk_bound_heap *heap, int64_t *out_rows, float *out_scores) {
    size_t emitted = 0;
    double threshold = sk_heap_threshold(heap);
    for (size_t r = first; r < first + n; r++) {
        float score = dot_avx2(matrix + r * d, q, d);
        if (score != score) score = -INFINITY;
        if ((double)score < threshold) continue;
        out_rows[emitted] = (int64_t)r;
        out_scores[emitted] = score;
        emitted++;
        sk_heap_offer(heap, score);
        threshold = sk_heap_threshold(heap);
    }
    return emitted;
}
#endif

static size_t scan_f32_portable(const float *matrix, size_t d, size_t first, size_t n, const float *q,
                                sk_bound_heap *heap, int64_t *out_rows, float *out_scores) {
    size_t emitted = 0;
    double threshold = sk_heap_threshold(heap);
    for (size_t r = first; r < first + n; r++) {
        float score = dot_portable(matrix + r * d, q, d);
        if (score != score) score = -INFINITY;
        if ((double)score < threshold) continue;
        out_rows[emitted] = (int64_t)r;
        out_scores[emitted] = score;
        emitted++;
        sk_heap_offer(heap, score);
        threshold = sk_heap_threshold(heap);
    }
    return emitted;
}

float sk_dot_f32(sk_path path, const float *x, const float *q, size_t d) {
#if defined(__x86_64__)
    if (path >= SK_PATH_AVX2) return dot_avx2(x, q, d);
#endif
    (void)path;
    return dot_portable(x, q, d);
}

void sk_dot_f32_rows(sk_path path, const float *matrix, size_t d, const float *q,
                     const int64_t *rows, size_t count, float *out) {
    for (size_t i = 0; i < count; i++) out[i] = sk_dot_f32(path, matrix + (size_t)rows[i] * d, q, d);
}

size_t sk_scan_f32(sk_path path, const float *matrix, size_t d, size_t first, size_t n, const float *q,
                   sk_bound_heap *heap, int64_t *out_rows, float *out_scores) {
#if defined(__x86_64__)
    if (path >= SK_PATH_AVX2) return scan_f32_avx2(matrix, d, first, n, q, heap, out_rows, out_scores);
#endif
    (void)path;
    return scan_f32_portable(matrix, d, first, n, q, heap, out_rows, out_scores);
}
