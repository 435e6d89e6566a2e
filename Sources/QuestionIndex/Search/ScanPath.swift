import ScanKernels

/// The code path of the C scan kernels (`ScanKernels`). All give bit-identical results; tests run every path this
/// CPU has (`available`) to check that, everything else uses `best`.
enum ScanPath: Sendable {
    case portable
    case avx2
    /// AVX2, plus AVX-512 VNNI in the kernels that use it.
    case avx512VNNI

    /// The fastest path this CPU runs, checked once per process.
    static let best: ScanPath = {
        switch sk_best_path() {
        case SK_PATH_AVX512_VNNI: return .avx512VNNI
        case SK_PATH_AVX2: return .avx2
        default: return .portable
        }
    }()

    /// Every path this CPU runs, slowest first.
    static var available: [ScanPath] {
        switch best {
        case .portable: return [.portable]
        case .avx2: return [.portable, .avx2]
        case .avx512VNNI: return [.portable, .avx2, .avx512VNNI]
        }
    }

    var kernelPath: sk_path {
        switch self {
        case .portable: return SK_PATH_PORTABLE
        case .avx2: return SK_PATH_AVX2
        case .avx512VNNI: return SK_PATH_AVX512_VNNI
        }
    }
}
