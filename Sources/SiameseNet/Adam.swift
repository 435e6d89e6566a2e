import Foundation

/// The Adam optimizer (Kingma & Ba), with optional clipping of the global gradient norm.
struct Adam: Sendable {
    var learningRate: Float
    var beta1: Float
    var beta2: Float
    var epsilon: Float
    /// When set, gradients whose global L2 norm exceeds it are scaled down to it before the update.
    var clipNorm: Float?
    /// Number of updates applied so far.
    private(set) var step = 0
    private var firstMoment: EncoderWeights
    private var secondMoment: EncoderWeights

    init(for weights: EncoderWeights, learningRate: Float = 0.01, beta1: Float = 0.9, beta2: Float = 0.999,
                epsilon: Float = 1e-8, clipNorm: Float? = nil) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.clipNorm = clipNorm
        firstMoment = EncoderWeights(zerosLike: weights)
        secondMoment = firstMoment
    }

    /// The global L2 norm of all gradient tensors.
    static func globalNorm(_ gradients: EncoderWeights) -> Float {
        var sum: Double = 0
        for tensor in EncoderWeights.allTensors {
            gradients[keyPath: tensor].withUnsafeBufferPointer { p in
                var partial: Float = 0
                for x in p { partial += x * x }
                sum += Double(partial)
            }
        }
        return Float(sum.squareRoot())
    }

    /// Applies one update to `weights` from `gradients`.
    /// - Returns: the gradient norm before clipping (0 when clipping is off and the norm was not needed).
    @discardableResult
    mutating func update(_ weights: inout EncoderWeights, gradients: EncoderWeights) -> Float {
        var scale: Float = 1
        var norm: Float = 0
        if let clipNorm {
            norm = Self.globalNorm(gradients)
            if norm > clipNorm { scale = clipNorm / norm }
        }
        step += 1
        let correction1 = 1 - powf(beta1, Float(step)), correction2 = 1 - powf(beta2, Float(step))
        let stepSize = learningRate / correction1
        let b1 = beta1, b2 = beta2, eps = epsilon
        let inverseSqrtCorrection2 = 1 / correction2.squareRoot()
        precondition(EncoderWeights.allTensors.allSatisfy {
            weights[keyPath: $0].count == firstMoment[keyPath: $0].count
                && weights[keyPath: $0].count == gradients[keyPath: $0].count
        }, "weights, gradients and moments must have the same shapes")
        // Walk the tensors of weights, moments and gradients in lockstep.
        for tensor in EncoderWeights.allTensors {
            update(&weights[keyPath: tensor], &firstMoment[keyPath: tensor], &secondMoment[keyPath: tensor],
                   gradients[keyPath: tensor])
        }
        return norm

        func update(_ w: inout [Float], _ m: inout [Float], _ v: inout [Float], _ g: [Float]) {
            let count = w.count
            w.withUnsafeMutableBufferPointer { w in
                m.withUnsafeMutableBufferPointer { m in
                    v.withUnsafeMutableBufferPointer { v in
                        g.withUnsafeBufferPointer { g in
                            guard let w = w.baseAddress, let m = m.baseAddress, let v = v.baseAddress,
                                  let g = g.baseAddress else { return }
                            Self.applyUpdate(count: count, w: w, m: m, v: v, g: g, scale: scale, beta1: b1, beta2: b2,
                                      stepSize: stepSize, inverseSqrtCorrection2: inverseSqrtCorrection2, epsilon: eps)
                        }
                    }
                }
            }
        }
    }

    /// The elementwise update, eight lanes at a time: the embedding table makes this a pass over millions
    /// of values per step, so it matters for training speed.
    @inline(__always)
    private static func applyUpdate(count: Int, w: UnsafeMutablePointer<Float>, m: UnsafeMutablePointer<Float>,
                             v: UnsafeMutablePointer<Float>, g: UnsafePointer<Float>, scale: Float,
                             beta1: Float, beta2: Float, stepSize: Float, inverseSqrtCorrection2: Float,
                             epsilon: Float) {
        typealias Vector = SIMD8<Float>
        var i = 0
        while i + 8 <= count {
            let gi = UnsafeRawPointer(g + i).loadUnaligned(as: Vector.self) * scale
            let mi = beta1 * UnsafeRawPointer(m + i).loadUnaligned(as: Vector.self) + (1 - beta1) * gi
            let vi = beta2 * UnsafeRawPointer(v + i).loadUnaligned(as: Vector.self) + (1 - beta2) * gi * gi
            let wi = UnsafeRawPointer(w + i).loadUnaligned(as: Vector.self)
                - stepSize * mi / (vi.squareRoot() * inverseSqrtCorrection2 + epsilon)
            UnsafeMutableRawPointer(m + i).storeBytes(of: mi, as: Vector.self)
            UnsafeMutableRawPointer(v + i).storeBytes(of: vi, as: Vector.self)
            UnsafeMutableRawPointer(w + i).storeBytes(of: wi, as: Vector.self)
            i += 8
        }
        while i < count {
            let gi = g[i] * scale
            m[i] = beta1 * m[i] + (1 - beta1) * gi
            v[i] = beta2 * v[i] + (1 - beta2) * gi * gi
            w[i] -= stepSize * m[i] / (v[i].squareRoot() * inverseSqrtCorrection2 + epsilon)
            i += 1
        }
    }
}
