// Run-time choice of the kernels' code path.
#include "ScanKernels.h"

sk_path sk_best_path(void) {
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2")) return SK_PATH_AVX2;
#endif
    return SK_PATH_PORTABLE;
}
