// All-pairs scan for deduplication: an int8 first pass over packed tiles with a rigorous bound, then the exact
// Float32 score (sk_dot_f32) of every pair the bound cannot rule out.
#include "ScanKernels.h"
#include <float.h>
#include <math.h>
#include <string.h>

size_t sk_pair_tiles(size_t n) { return (n + 15) / 16; }
size_t sk_pair_groups(size_t d) { return (d + 3) / 4; }

/// Writes n rows of row-major codes as rows first … first + n − 1 of the tile layout.
static void pack_codes(const int8_t *codes, size_t first, size_t n, size_t d, int8_t *packed) {
    size_t groups = sk_pair_groups(d);
    for (size_t k = 0; k < n; k++) {
        size_t r = first + k;
        const int8_t *row = codes + k * d;
        int8_t *tile = packed + (r / 16) * groups * 64 + (r % 16) * 4;
        for (size_t i = 0; i < d; i++) tile[(i / 4) * 64 + i % 4] = row[i];
    }
}

void sk_pack_pair_rows(const int8_t *codes, const float *scales, size_t first, size_t n, size_t d,
                       int8_t *packed, float *tile_scales, int32_t *sums) {
    pack_codes(codes, first, n, d, packed);
    for (size_t k = 0; k < n; k++) {
        int32_t sum = 0;
        for (size_t i = 0; i < d; i++) sum += codes[k * d + i];
        sums[first + k] = sum;
        tile_scales[first + k] = scales[k];
    }
}

void sk_pack_tiles(sk_int8_rows rows, size_t first, size_t n, int8_t *tiles) {
    memset(tiles, 0, sk_pair_tiles(n) * sk_pair_groups(rows.d) * 64);
    pack_codes(rows.codes + first * rows.d, 0, n, rows.d, tiles);
}

/// The approximate score of rows i and j from the integer sum of (code_j + 128) · code_i over their groups:
/// the same float operations on every path, so every path keeps the same candidates.
static inline float approximate(int32_t biased, int32_t sum_i, float scale_i, float scale_j) {
    return (scale_i * scale_j) * (float)(biased - 128 * sum_i);
}

typedef struct {
    const sk_pair_rows *rows;
    const float *vectors;
    float threshold;
    sk_pair_sink sink;
    void *context;
} pair_job;

/// Re-scores a candidate exactly; returns nonzero when the sink asks to stop.
static inline int consider(const pair_job *job, sk_path path, size_t i, size_t j) {
    size_t d = job->rows->d;
    float score = sk_dot_f32(path, job->vectors + i * d, job->vectors + j * d, d);
    if (score >= job->threshold) return job->sink(job->context, i, j, score);
    return 0;
}

static int pairs_portable(const pair_job *job, sk_path path, float cutoff, size_t i0, size_t i1, size_t j0,
                          size_t j1) {
    const sk_pair_rows *rows = job->rows;
    size_t groups = sk_pair_groups(rows->d);
    for (size_t i = i0; i < i1; i++) {
        const int8_t *xi = rows->packed + (i / 16) * groups * 64 + (i % 16) * 4;
        for (size_t j = j0 > i + 1 ? j0 : i + 1; j < j1; j++) {
            const int8_t *xj = rows->packed + (j / 16) * groups * 64 + (j % 16) * 4;
            int32_t biased = 0;
            for (size_t g = 0; g < groups; g++)
                for (int b = 0; b < 4; b++)
                    biased += (int32_t)(uint8_t)(xj[g * 64 + b] ^ 0x80) * (int32_t)xi[g * 64 + b];
            if (approximate(biased, rows->sums[i], rows->tile_scales[i], rows->tile_scales[j]) >= cutoff &&
                consider(job, path, i, j))
                return 1;
        }
    }
    return 0;
}

#if defined(__x86_64__)
#include <immintrin.h>
#define SK_AVX512 __attribute__((target("avx512f,avx512bw,avx512vnni")))

/// Candidates among the 16 lanes of one accumulator (row i against tile jt): the same test as `approximate`.
SK_AVX512 static inline int emit_lanes(const pair_job *job, sk_path path, __m512i acc, size_t i, size_t jt,
                                       size_t j0, size_t j1, __m512 scales_j, float cutoff) {
    const sk_pair_rows *rows = job->rows;
    __m512i corrected = _mm512_sub_epi32(acc, _mm512_set1_epi32(128 * rows->sums[i]));
    __m512 scale = _mm512_mul_ps(_mm512_set1_ps(rows->tile_scales[i]), scales_j);
    __m512 score = _mm512_mul_ps(scale, _mm512_cvtepi32_ps(corrected));
    __mmask16 hits = _mm512_cmp_ps_mask(score, _mm512_set1_ps(cutoff), _CMP_GE_OQ);
    while (hits) {
        unsigned lane = (unsigned)__builtin_ctz(hits);
        hits &= hits - 1;
        size_t j = jt * 16 + lane;
        if (j > i && j >= j0 && j < j1 && consider(job, path, i, j)) return 1;
    }
    return 0;
}

/// Eight rows of I against one 16-row tile of J per pass: each tile group (64 bytes: 16 rows × 4 codes, made
/// unsigned by flipping the sign bit) is loaded once and multiplied by each I row's 4 codes broadcast, with
/// `vpdpbusd` accumulating 16 row sums per instruction.
SK_AVX512 static int pairs_vnni(const pair_job *job, sk_path path, float cutoff, size_t i0, size_t i1, size_t j0,
                                size_t j1) {
    const sk_pair_rows *rows = job->rows;
    size_t groups = sk_pair_groups(rows->d);
    const __m512i flip = _mm512_set1_epi8((char)0x80);
    for (size_t jt = j0 / 16; jt * 16 < j1; jt++) {
        const int8_t *tile = rows->packed + jt * groups * 64;
        __m512 scales_j = _mm512_loadu_ps(rows->tile_scales + jt * 16);
        size_t last_j = jt * 16 + 15;
        size_t i = i0;
        for (; i + 8 <= i1 && i < last_j; i += 8) {
            __m512i acc[8];
            const int8_t *xi[8];
            for (int r = 0; r < 8; r++) {
                acc[r] = _mm512_setzero_si512();
                xi[r] = rows->packed + ((i + r) / 16) * groups * 64 + ((i + r) % 16) * 4;
            }
            for (size_t g = 0; g < groups; g++) {
                __m512i column = _mm512_xor_si512(_mm512_loadu_si512(tile + g * 64), flip);
                for (int r = 0; r < 8; r++) {
                    int32_t four;
                    memcpy(&four, xi[r] + g * 64, 4);
                    acc[r] = _mm512_dpbusd_epi32(acc[r], column, _mm512_set1_epi32(four));
                }
            }
            for (int r = 0; r < 8; r++)
                if (emit_lanes(job, path, acc[r], i + r, jt, j0, j1, scales_j, cutoff)) return 1;
        }
        for (; i < i1 && i < last_j; i++) {
            __m512i acc = _mm512_setzero_si512();
            const int8_t *x = rows->packed + (i / 16) * groups * 64 + (i % 16) * 4;
            for (size_t g = 0; g < groups; g++) {
                int32_t four;
                memcpy(&four, x + g * 64, 4);
                __m512i column = _mm512_xor_si512(_mm512_loadu_si512(tile + g * 64), flip);
                acc = _mm512_dpbusd_epi32(acc, column, _mm512_set1_epi32(four));
            }
            if (emit_lanes(job, path, acc, i, jt, j0, j1, scales_j, cutoff)) return 1;
        }
    }
    return 0;
}
#endif

float sk_pair_cutoff(const sk_pair_rows *rows, float threshold) {
    const double u = 1.0 / 16777216.0;
    double gamma = (double)rows->d * u / (1 - (double)rows->d * u);
    double e = rows->max_error, n = rows->max_norm;
    // |x·y − x̂·ŷ| ≤ e_x‖y‖ + ‖x̂‖e_y ≤ e·n + (n + e)·e; sk_dot_f32 is within γ_d·n² of x·y; the approximate
    // score's own three float roundings of a value below (n + e)² are within 4 ulp of it.
    double bound = e * n + (n + e) * e + gamma * n * n + 4.0 * (n + e) * (n + e) / 8388608.0;
    double cutoff = (double)threshold - bound * (1 + 1e-9) - 1e-12;
    if (!(cutoff >= -FLT_MAX)) return -INFINITY;
    float f = (float)cutoff;
    if ((double)f > cutoff) f = nextafterf(f, -INFINITY);
    return f;
}

int sk_pairs_int8(sk_path path, const sk_pair_rows *rows, const float *vectors, float threshold,
                  size_t i0, size_t i1, size_t j0, size_t j1, sk_pair_sink sink, void *context) {
    pair_job job = {rows, vectors, threshold, sink, context};
    float cutoff = sk_pair_cutoff(rows, threshold);
#if defined(__x86_64__)
    if (path == SK_PATH_AVX512_VNNI && j0 % 16 == 0) return pairs_vnni(&job, path, cutoff, i0, i1, j0, j1);
#endif
    return pairs_portable(&job, path, cutoff, i0, i1, j0, j1);
}
