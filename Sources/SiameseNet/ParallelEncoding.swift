import Foundation

extension SiameseModel {
    /// Unit vectors of many texts, [count, d] in input order, encoded in batches spread over `workers`
    /// threads: each batch runs on one thread with BLAS single-threaded, which on 2 cores gave ~2× the
    /// throughput of one batch at a time with 2 BLAS threads (the cell kernels do not use BLAS threads).
    ///
    /// Each thread reuses one set of scratch buffers for all its batches.
    /// Sets BLAS to 1 thread while it runs and restores the previous count: run no other BLAS work meanwhile.
    /// - Throws: `EncoderError.emptyQuestion(index:)` with the index in `texts` of the first text without words.
    public func encode(_ texts: [String], batchSize: Int, workers: Int) throws -> [Float] {
        precondition(batchSize >= 1 && workers >= 1)
        let d = dimension
        let starts = Array(stride(from: 0, to: texts.count, by: batchSize))
        guard workers > 1, starts.count > 1 else {
            var result: [Float] = []
            result.reserveCapacity(texts.count * d)
            let workspace = EncoderWorkspace()
            for start in starts {
                do {
                    result += try encode(Array(texts[start..<min(start + batchSize, texts.count)]), workspace: workspace)
                } catch EncoderError.emptyQuestion(let index) {
                    throw EncoderError.emptyQuestion(index: start + index)
                }
            }
            return result
        }
        let previousThreads = BLAS.threadCount
        BLAS.setThreadCount(1)
        defer { BLAS.setThreadCount(previousThreads) }
        var result = [Float](repeating: 0, count: texts.count * d)
        let failures = BatchFailures(count: starts.count)
        result.withUnsafeMutableBufferPointer { output in
            let output = SendableBuffer(buffer: output)
            DispatchQueue.concurrentPerform(iterations: min(workers, starts.count)) { worker in
                let workspace = EncoderWorkspace()
                for (batch, start) in starts.enumerated() where batch % workers == worker {
                    let end = min(start + batchSize, texts.count)
                    do {
                        let vectors = try encode(Array(texts[start..<end]), workspace: workspace)
                        vectors.withUnsafeBufferPointer { source in
                            guard let from = source.baseAddress, let to = output.buffer.baseAddress else { return }
                            (to + start * d).update(from: from, count: vectors.count)
                        }
                    } catch EncoderError.emptyQuestion(let index) {
                        failures.record(batch: batch, EncoderError.emptyQuestion(index: start + index))
                    } catch {
                        failures.record(batch: batch, error)
                    }
                }
            }
        }
        if let error = failures.first { throw error }
        return result
    }
}

/// A buffer whose disjoint regions are written by different threads.
private struct SendableBuffer: @unchecked Sendable {
    let buffer: UnsafeMutableBufferPointer<Float>
}

/// The error of each failed batch, so the first failure in input order is reported whatever thread saw it.
private final class BatchFailures: @unchecked Sendable {
    private var errors: [(any Error)?]
    private let lock = NSLock()

    init(count: Int) { errors = Array(repeating: nil, count: count) }

    func record(batch: Int, _ error: any Error) {
        lock.lock()
        errors[batch] = error
        lock.unlock()
    }

    var first: (any Error)? {
        lock.lock()
        defer { lock.unlock() }
        return errors.compactMap { $0 }.first
    }
}
