/// A growable Float32 buffer with a stable pointer between resizes, for numeric kernels.
///
/// Kernels index raw pointers in their inner loops; array-backed storage held by a class would pay an
/// exclusivity check on every access. Resizing keeps the allocation when it is large enough, so buffers
/// reused across training steps cost no fresh pages (page faults were ~10% of a training step).
final class FloatBuffer: @unchecked Sendable {
    private(set) var pointer: UnsafeMutablePointer<Float>
    private(set) var count: Int
    private var capacity: Int

    init(count: Int = 0) {
        self.count = count
        capacity = max(count, 1)
        pointer = .allocate(capacity: capacity)
        pointer.initialize(repeating: 0, count: capacity)
    }

    deinit { pointer.deallocate() }

    /// Makes the buffer hold `count` values. Contents are unspecified unless `zeroed`.
    func resize(to count: Int, zeroed: Bool) {
        if count > capacity {
            pointer.deallocate()
            capacity = count
            pointer = .allocate(capacity: capacity)
            pointer.initialize(repeating: 0, count: capacity)
        } else if zeroed {
            pointer.update(repeating: 0, count: count)
        }
        self.count = count
    }

    var array: [Float] { Array(UnsafeBufferPointer(start: pointer, count: count)) }
}

/// The scratch buffers of the encoder's forward and backward passes, reused from one batch to the next.
///
/// A training loop keeps one workspace; the activations of a forward pass are valid until the next
/// forward pass on the same workspace.
package final class EncoderWorkspace: @unchecked Sendable {
    package init() {}
    let inputs = FloatBuffer(), norms = FloatBuffer(), units = FloatBuffer()
    let meanGradient = FloatBuffer(), inputGradient = FloatBuffer()
    /// Each direction's activations and gradients; the reverse one only in a bidirectional encoder.
    let forwardLSTM = LSTMState(), reverseLSTM = LSTMState()
    /// [rows, d] the inputs in the reverse direction's row order, and their gradient.
    let reversedInputs = FloatBuffer(), reversedInputGradient = FloatBuffer()
    /// [rows, d] dropout multipliers of the input vectors (0 or 1/(1−p)), when training with input dropout.
    let inputDropoutMask = FloatBuffer()
}

/// One LSTM direction's buffers over a packed batch: activated gates [rows, 4H], cells, their tanh and hidden
/// states [rows, H]; in the backward pass the gates' gradient and the running gradients of h and c [count, H].
final class LSTMState: @unchecked Sendable {
    let gates = FloatBuffer(), cells = FloatBuffer(), cellTanh = FloatBuffer(), hidden = FloatBuffer()
    let gateGradient = FloatBuffer(), hiddenGradient = FloatBuffer(), cellGradient = FloatBuffer()
}

extension Array where Element == Float {
    /// Calls `body` with a pointer to the first value; for kernels over arrays that are never empty
    /// (weights, gradients, similarity matrices).
    @inline(__always)
    func withPointer<R>(_ body: (UnsafePointer<Float>) throws -> R) rethrows -> R {
        try withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { preconditionFailure("kernel called on an empty array") }
            return try body(base)
        }
    }

    /// Calls `body` with a mutable pointer to the first value; the array must not be empty.
    @inline(__always)
    mutating func withMutablePointer<R>(_ body: (UnsafeMutablePointer<Float>) throws -> R) rethrows -> R {
        try withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { preconditionFailure("kernel called on an empty array") }
            return try body(base)
        }
    }
}
