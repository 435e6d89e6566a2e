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
            for value in buffer where !value.isFinite { return false }
            return true
        }
    }
}
