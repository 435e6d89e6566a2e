// Run-time choice of the kernels' code path.
#include "ScanKernels.h"
#include <stdlib.h>
#include <string.h>

/// The best path the CPU supports.
static sk_path cpu_path(void) {
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx2")) return SK_PATH_PORTABLE;
    if (__builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx512vl")) return SK_PATH_AVX512_VNNI;
    return SK_PATH_AVX2;
#else
    return SK_PATH_PORTABLE;
#endif
}

sk_path sk_best_path(void) {
    sk_path path = cpu_path();
    // SIAMESE_SCAN_KERNELS=portable|avx2 caps the path (for benchmarks and diagnosis); it never raises it.
    const char *cap = getenv("SIAMESE_SCAN_KERNELS");
    if (cap && strcmp(cap, "portable") == 0) return SK_PATH_PORTABLE;
    if (cap && strcmp(cap, "avx2") == 0 && path > SK_PATH_AVX2) return SK_PATH_AVX2;
    return path;
}
