import Foundation
import Testing
@testable import SiameseNet

@Suite struct AdamTests {
    func weights() -> EncoderWeights {
        var w = EncoderWeights(zerosForVocabularySize: 2, dimension: 1)
        w.embedding = [0.5, -1]
        w.inputWeights = [1, 2, 3, 4]
        w.recurrentWeights = [0, 0, 0, 0]
        w.bias = [0, 1, 0, 0]
        return w
    }

    func gradients(scale: Float) -> EncoderWeights {
        var g = EncoderWeights(zerosForVocabularySize: 2, dimension: 1)
        g.embedding = [0.2 * scale, 0]
        g.inputWeights = [-0.1 * scale, 0.3 * scale, 0, 0]
        return g
    }

    /// Two steps computed by hand from the Adam update rule (Kingma & Ba, algorithm 1).
    @Test func matchesTheUpdateRule() {
        var w = weights()
        var adam = Adam(for: w, learningRate: 0.01)
        let g1 = gradients(scale: 1), g2 = gradients(scale: -2)
        adam.update(&w, gradients: g1)
        adam.update(&w, gradients: g2)
        func expected(_ w0: Float, _ a: Float, _ b: Float) -> Float {
            var m: Float = 0, v: Float = 0, w = w0
            for (t, g) in [(1, a), (2, b)] {
                m = 0.9 * m + 0.1 * g
                v = 0.999 * v + 0.001 * g * g
                let mHat = m / (1 - powf(0.9, Float(t))), vHat = v / (1 - powf(0.999, Float(t)))
                w -= 0.01 * mHat / (vHat.squareRoot() + 1e-8)
            }
            return w
        }
        #expect(abs(w.embedding[0] - expected(0.5, 0.2, -0.4)) < 1e-6)
        #expect(abs(w.inputWeights[0] - expected(1, -0.1, 0.2)) < 1e-6)
        #expect(abs(w.inputWeights[1] - expected(2, 0.3, -0.6)) < 1e-6)
        // Zero gradients leave a parameter where it was.
        #expect(w.embedding[1] == -1 && w.bias == [0, 1, 0, 0])
        #expect(adam.step == 2)
    }

    @Test func clippingScalesTheGlobalNorm() {
        let g = gradients(scale: 10)  // norm = 10 · √(0.04 + 0.01 + 0.09)
        #expect(abs(Adam.globalNorm(g) - 10 * Float(0.14).squareRoot()) < 1e-5)
        // Adam's first step moves every touched weight by ≈ lr whatever the gradient's scale; clipping
        // shows in the second moment: clipped to 0.5, then an unclipped small gradient moves further.
        var clipped = weights(), free = weights()
        var adamClipped = Adam(for: clipped, learningRate: 0.01, clipNorm: 0.5)
        var adamFree = Adam(for: free, learningRate: 0.01)
        let norm = adamClipped.update(&clipped, gradients: g)
        adamFree.update(&free, gradients: g)
        #expect(abs(norm - Adam.globalNorm(g)) < 1e-6)
        let small = gradients(scale: 0.1)
        adamClipped.update(&clipped, gradients: small)
        adamFree.update(&free, gradients: small)
        #expect(abs(clipped.embedding[0] - 0.5) > abs(free.embedding[0] - 0.5))
    }
}
