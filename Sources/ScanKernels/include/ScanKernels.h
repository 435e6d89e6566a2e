// ScanKernels: the inner loops of the exhaustive scan, in C so that x86-64 builds can use AVX2 (and AVX-512 VNNI) per function
// (`__attribute__((target("avx2")))`) behind a run-time CPU check, with a portable fallback.
//
// Every kernel takes the code path explicitly (`sk_path`): `sk_best_path()` once per process, or
// `SK_PATH_PORTABLE` in tests. Both paths give bit-identical results by construction (see sk_dot_f32).
#ifndef SCAN_KERNELS_H
#define SCAN_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// AVX512_VNNI is AVX2 everywhere except in the kernels that gain from `vpdpwssd` (256-bit, AVX512-VL).
typedef enum { SK_PATH_PORTABLE = 0, SK_PATH_AVX2 = 1, SK_PATH_AVX512_VNNI = 2 } sk_path;

/// The fastest path this CPU runs (on x86-64: AVX512_VNNI when it has AVX-512 VNNI and VL, else AVX2 when it
/// has AVX2, else portable).
sk_path sk_best_path(void);

/// A bounded min-heap of the best `capacity` values seen so far; the caller owns `values` (capacity slots) and
/// starts with count = 0. Its minimum, once full, is the threshold below which a row cannot make the top k.
typedef struct {
    double *values;
    size_t count;
    size_t capacity;
} sk_bound_heap;

/// The exact Float32 score of one row: the one dot product every exact path uses (fused scan, re-score).
///
/// Defined arithmetic, independent of the path: 16 partial sums, lane j accumulating x[i]·q[i] for i ≡ j
/// (mod 16) over the first 16·⌊d/16⌋ values in order (each product rounded, then added: no FMA); then the
/// lanes are reduced as j += j+8, j += j+4, j += j+2, j += j+1; then the remaining d mod 16 products are added
/// one by one.
float sk_dot_f32(sk_path path, const float *x, const float *q, size_t d);

/// Scores `count` listed rows of a row-major [*, d] matrix with `sk_dot_f32`: out[i] = row rows[i] · q.
void sk_dot_f32_rows(sk_path path, const float *matrix, size_t d, const float *q,
                     const int64_t *rows, size_t count, float *out);

/// Fused scan of rows [first, first + n) of a row-major [*, d] Float32 matrix: scores each row with
/// `sk_dot_f32` (NaN counted as -infinity) and emits (row, score) for every row that could still be in the top
/// `heap->capacity`: the heap is not full yet, or the score is ≥ its minimum. The heap keeps the best scores
/// seen. Returns the number emitted (≤ n); out_rows and out_scores need room for n.
size_t sk_scan_f32(sk_path path, const float *matrix, size_t d, size_t first, size_t n, const float *q,
                   sk_bound_heap *heap, int64_t *out_rows, float *out_scores);

/// Quantizes n rows of a row-major [n, d] Float32 matrix to int8 with one scale per row:
/// scale = max|x_i| / 127, code_i = round(x_i / scale) in [-127, 127], so x̂ = scale · code. Also writes,
/// rounded up to Float32, error[r] ≥ ‖x − x̂‖ and norm[r] ≥ ‖x‖. A row with a non-finite value gets codes 0
/// and infinite error and norm (always a candidate).
void sk_quantize_rows_int8(const float *x, size_t n, size_t d,
                           int8_t *codes, float *scales, float *errors, float *norms);

/// A query quantized to int16 for `sk_scan_int8`: q̂ = scale · codes, with bounds on ‖q‖ and ‖q − q̂‖.
typedef struct {
    double scale;
    double norm;   // ≥ ‖q‖
    double error;  // ≥ ‖q − q̂‖
} sk_query_int16;

/// The largest int16 query code that keeps an int8·int16 dot product of width d inside int32.
int32_t sk_query_code_limit(size_t d);

/// Quantizes a query of width d to int16 codes (d of them) with one scale; non-finite values give infinite
/// bounds (every row a candidate).
sk_query_int16 sk_quantize_query_int16(const float *q, size_t d, int16_t *codes);

/// The compact copy of a [*, d] matrix as `sk_quantize_rows_int8` writes it, with the largest error and norm over
/// all rows (a row whose approximate score plus the largest bound cannot reach the threshold is rejected without
/// reading its own bounds).
typedef struct {
    const int8_t *codes;
    const float *scales;
    const float *errors;
    const float *norms;
    size_t d;
    float max_error;
    float max_norm;
} sk_int8_rows;

/// First pass of the exact compact scan over rows [first, first + n): for each row, the approximate score
/// A = scale_r · q.scale · (codes_r · qcodes) (an exact integer dot product), and a bound E on
/// |A − sk_dot_f32(x_r, q)| from the row's error and norm, the query's bounds and Float32 rounding
/// (γ_d = d·2⁻²⁴ / (1 − d·2⁻²⁴)). The heap keeps the best lower bounds A − E; a row is emitted, with its upper
/// bound A + E, when the heap is not full or the upper bound is ≥ its minimum. Returns the number emitted.
size_t sk_scan_int8(sk_path path, sk_int8_rows rows, size_t first, size_t n,
                    const int16_t *qcodes, sk_query_int16 query,
                    sk_bound_heap *heap, int64_t *out_rows, double *out_upper);

/// `sk_scan_int8` for four queries over the same rows, each row read once for the four: query j has codes
/// qcodes + j·d, bounds queries[j], heap heaps[j], outputs out_rows + j·n and out_upper + j·n (room for n each),
/// and its emitted count in emitted[j]. Emits and keeps exactly what four `sk_scan_int8` calls would.
void sk_scan_int8_x4(sk_path path, sk_int8_rows rows, size_t first, size_t n,
                     const int16_t *qcodes, const sk_query_int16 *queries,
                     sk_bound_heap *heaps, int64_t *out_rows, double *out_upper, size_t *emitted);

/// Rows laid out for the all-pairs kernel (`sk_pack_pair_rows`): tiles of 16 rows; in tile t, group g holds
/// the codes of dimensions 4g … 4g+3 of its 16 rows, 4 bytes per row (64 bytes a group, zero-padded past n rows
/// and past d dimensions). `tile_scales` is each row's scale (0 in the padding), `sums` each row's code sum.
typedef struct {
    const int8_t *packed;       // sk_pair_tiles(n) · sk_pair_groups(d) · 64 bytes
    const float *tile_scales;   // sk_pair_tiles(n) · 16
    const int32_t *sums;        // n
    size_t n;
    size_t d;
    float max_error;            // ≥ every row's ‖x − x̂‖ (sk_quantize_rows_int8's errors)
    float max_norm;             // ≥ every row's ‖x‖
} sk_pair_rows;

/// Tiles of 16 rows for n rows, and groups of 4 dimensions for width d.
size_t sk_pair_tiles(size_t n);
size_t sk_pair_groups(size_t d);

/// Packs n rows of int8 codes ([n, d], as `sk_quantize_rows_int8` writes them) and their scales into the
/// layout of `sk_pair_rows`, as its rows first … first + n − 1 (so a matrix can be packed a slice at a time).
/// `packed` and `tile_scales` must be zero-filled beforehand (the padding stays zero).
void sk_pack_pair_rows(const int8_t *codes, const float *scales, size_t first, size_t n, size_t d,
                       int8_t *packed, float *tile_scales, int32_t *sums);

/// Receives one pair (i < j, row indices) with its exact score; returns nonzero to stop the scan.
typedef int (*sk_pair_sink)(void *context, size_t i, size_t j, float score);

/// The approximate-score cutoff below which no pair can have an exact score ≥ threshold: the threshold minus
/// the largest possible |approximate − sk_dot_f32| (quantization of both rows, Float32 rounding of the exact
/// sum, and of the approximate score itself), rounded down.
float sk_pair_cutoff(const sk_pair_rows *rows, float threshold);

/// Every pair i < j with i in [i0, i1) and j in [j0, j1) whose exact score sk_dot_f32(vectors_i, vectors_j)
/// is ≥ threshold goes to `sink`, in no fixed order: pairs whose int8 approximate score reaches
/// `sk_pair_cutoff` are re-scored exactly; the others cannot reach the threshold. `vectors` is the Float32
/// [n, d] matrix the codes were made from. Every path passes the same pairs (its approximate scores are the same
/// float operations). Returns nonzero when the sink stopped it.
int sk_pairs_int8(sk_path path, const sk_pair_rows *rows, const float *vectors, float threshold,
                  size_t i0, size_t i1, size_t j0, size_t j1, sk_pair_sink sink, void *context);

/// A query quantized to int8 (codes in [-127, 127]) for `sk_scan_tiles_int8`, with the same bounds as
/// `sk_quantize_query_int16` (its error is larger: about 256× the int16 one).
sk_query_int16 sk_quantize_query_int8(const float *q, size_t d, int8_t *codes);

/// Packs the codes of rows [first, first + n) into `tiles` (the layout of `sk_pair_rows`: tiles of 16 rows,
/// groups of 4 codes; sk_pair_tiles(n) · sk_pair_groups(d) · 64 bytes, padding zeroed).
void sk_pack_tiles(sk_int8_rows rows, size_t first, size_t n, int8_t *tiles);

/// `sk_scan_int8` for m ≤ 8 queries over rows [first, first + n), packed in `tiles` by `sk_pack_tiles`: query j
/// has int8 codes qcodes + j · 4 · sk_pair_groups(d) (zero-padded), bounds queries[j], heap heaps[j], outputs
/// out_rows + j·n and out_upper + j·n and count emitted[j]. The integer dot products are exact and every
/// decision is consider-row's in row order, so every path emits the same rows.
void sk_scan_tiles_int8(sk_path path, sk_int8_rows rows, const int8_t *tiles, size_t first, size_t n,
                        const int8_t *qcodes, const sk_query_int16 *queries, size_t m,
                        sk_bound_heap *heaps, int64_t *out_rows, double *out_upper, size_t *emitted);

#ifdef __cplusplus
}
#endif

#endif
