extension EncoderWeights {
    /// The name of the first tensor holding a NaN or an infinity, nil when every weight is a finite number.
    /// A diverged training run (too high a learning rate) leaves such weights; they encode every question as NaN.
    /// - Complexity: O(parameterCount).
    package var nonFiniteTensor: String? {
        tensors.first { !NamedTensor.allFinite($0.values) }?.name
    }
}

extension NamedTensor {
    /// Whether every value is a finite number.
    /// - Complexity: O(n).
    package static func allFinite(_ values: [Float]) -> Bool {
        values.withUnsafeBufferPointer { buffer in
            // x · 0 is ±0 for a finite x and NaN for ±∞ and NaN, so lane-wise sums of them stay 0 unless some value
            // is not finite: 16 values per step, no branch (an early-exit loop does not vectorize; models load
            // tens of MB of weights).
            guard let base = buffer.baseAddress else { return true }
            let raw = UnsafeRawPointer(base), whole = buffer.count / 16 * 16
            var lanes = SIMD16<Float>(repeating: 0)
            var i = 0
            while i < whole {
                lanes += raw.loadUnaligned(fromByteOffset: 4 * i, as: SIMD16<Float>.self) * 0
                i += 16
            }
            var rest: Float = 0
            while i < buffer.count {
                rest += buffer[i] * 0
                i += 1
            }
            return lanes.sum() + rest == 0
        }
    }
}
