#if canImport(Accelerate)
import Accelerate
#else
import CBLAS
import Glibc
#endif

/// Thin, typed wrappers over the CBLAS calls the encoder needs: every matrix product in SiameseNet
/// goes through here, so the BLAS backend is swappable in one place.
///
/// All matrices are row-major Float32.
package enum BLAS {
    /// Sets the number of threads BLAS may use (OpenBLAS only; a no-op on Accelerate).
    package static func setThreadCount(_ count: Int) {
        #if !canImport(Accelerate)
        openblas_set_num_threads(Int32(max(1, count)))
        #endif
    }

    /// Stops OpenBLAS's idle worker threads, after `setThreadCount(1)` in a short-lived program.
    ///
    /// OpenBLAS starts one worker per core when it loads, and idle workers spin for a while before they
    /// sleep: a command that needs one small product would still pay ~0.1 s of CPU per extra core.
    /// OpenBLAS restarts workers if more threads are asked for later. Call it only while no other thread
    /// runs BLAS work: stopping workers under a running product corrupts its result.
    package static func stopWorkerThreads() {
        #if !canImport(Accelerate)
        if let shutdown = threadShutdown { _ = shutdown() }
        #endif
    }

    #if !canImport(Accelerate)
    /// OpenBLAS's `blas_thread_shutdown_`, looked up at run time: only the pthread build exports it.
    private static let threadShutdown: (@convention(c) () -> Int32)? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "blas_thread_shutdown_") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) () -> Int32).self)
    }()
    #endif

    /// The number of threads BLAS currently uses (1 on Accelerate, where it is not controllable).
    package static var threadCount: Int {
        #if canImport(Accelerate)
        return 1
        #else
        return Int(openblas_get_num_threads())
        #endif
    }

    /// C = alpha · op(A) · op(B) + beta · C, with op(A) [m, k], op(B) [k, n], C [m, n].
    ///
    /// `lda`, `ldb`, `ldc` default to the row lengths of the stored (untransposed) matrices.
    @inline(__always)
    package static func gemm(
        transposeA: Bool = false, transposeB: Bool = false,
        m: Int, n: Int, k: Int,
        alpha: Float = 1,
        _ a: UnsafePointer<Float>, lda: Int? = nil,
        _ b: UnsafePointer<Float>, ldb: Int? = nil,
        beta: Float = 0,
        _ c: UnsafeMutablePointer<Float>, ldc: Int? = nil
    ) {
        guard m > 0, n > 0 else { return }
        if k == 0 {
            if beta == 0 { c.update(repeating: 0, count: m * n) } else if beta != 1 {
                for i in 0..<(m * n) { c[i] *= beta }
            }
            return
        }
        let lda = lda ?? (transposeA ? m : k)
        let ldb = ldb ?? (transposeB ? k : n)
        let ldc = ldc ?? n
        cblas_sgemm(
            CblasRowMajor,
            transposeA ? CblasTrans : CblasNoTrans,
            transposeB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k),
            alpha, a, Int32(lda), b, Int32(ldb),
            beta, c, Int32(ldc))
    }

    /// y = alpha · A · x + beta · y, with A [rows, cols].
    @inline(__always)
    package static func gemv(
        rows: Int, cols: Int, alpha: Float = 1,
        _ a: UnsafePointer<Float>, _ x: UnsafePointer<Float>,
        beta: Float = 0, _ y: UnsafeMutablePointer<Float>
    ) {
        guard rows > 0 else { return }
        cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(rows), Int32(cols), alpha, a, Int32(cols), x, 1, beta, y, 1)
    }
}
