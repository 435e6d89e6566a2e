import Foundation

/// The Adam optimizer (Kingma & Ba), with optional clipping of the global gradient norm.
public struct Adam: Sendable {
    public var learningRate: Float
    public var beta1: Float
    public var beta2: Float
    public var epsilon: Float
    /// When set, gradients whose global L2 norm exceeds it are scaled down to it before the update.
    public var clipNorm: Float?
    /// Number of updates applied so far.
    public private(set) var step = 0
    private var firstMoment: EncoderWeights
    private var secondMoment: EncoderWeights

    public init(for weights: EncoderWeights, learningRate: Float = 0.01, beta1: Float = 0.9, beta2: Float = 0.999,
                epsilon: Float = 1e-8, clipNorm: Float? = nil) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.clipNorm = clipNorm
        firstMoment = EncoderWeights(zerosForVocabularySize: weights.vocabularySize, dimension: weights.dimension)
        secondMoment = firstMoment
    }

    /// The global L2 norm of all gradient tensors.
    public static func globalNorm(_ gradients: EncoderWeights) -> Float {
        var sum: Double = 0
        for buffer in [gradients.embedding, gradients.inputWeights, gradients.recurrentWeights, gradients.bias] {
            buffer.withUnsafeBufferPointer { p in
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
    public mutating func update(_ weights: inout EncoderWeights, gradients: EncoderWeights) -> Float {
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
        // Walk the four tensors of weights, moments and gradients in lockstep.
        update(&weights.embedding, &firstMoment.embedding, &secondMoment.embedding, gradients.embedding)
        update(&weights.inputWeights, &firstMoment.inputWeights, &secondMoment.inputWeights, gradients.inputWeights)
        update(&weights.recurrentWeights, &firstMoment.recurrentWeights, &secondMoment.recurrentWeights, gradients.recurrentWeights)
        update(&weights.bias, &firstMoment.bias, &secondMoment.bias, gradients.bias)
        return norm

        func update(_ w: inout [Float], _ m: inout [Float], _ v: inout [Float], _ g: [Float]) {
            w.withUnsafeMutableBufferPointer { w in
                m.withUnsafeMutableBufferPointer { m in
                    v.withUnsafeMutableBufferPointer { v in
                        g.withUnsafeBufferPointer { g in
                            for i in 0..<w.count {
                                let gi = g[i] * scale
                                let mi = b1 * m[i] + (1 - b1) * gi
                                let vi = b2 * v[i] + (1 - b2) * gi * gi
                                m[i] = mi; v[i] = vi
                                w[i] -= stepSize * mi / (vi.squareRoot() * inverseSqrtCorrection2 + eps)
                            }
                        }
                    }
                }
            }
        }
    }
}
