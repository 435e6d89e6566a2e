import ScanKernels

/// The code path of the C scan kernels (`ScanKernels`). Both give bit-identical results; tests force `.portable`
/// to check that, everything else uses `.best`.
enum ScanPath: Sendable {
    case portable
    case avx2

    /// The fastest path this CPU runs, checked once per process.
    static let best: ScanPath = sk_best_path() == SK_PATH_AVX2 ? .avx2 : .portable

    var kernelPath: sk_path { self == .avx2 ? SK_PATH_AVX2 : SK_PATH_PORTABLE }
}
