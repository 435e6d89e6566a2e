import Testing
@testable import SiameseNet

@Suite("metrics on bad scores")
struct MetricsRobustnessTests {
    @Test("a NaN score gives no threshold and no ROC-AUC instead of an endless loop")
    func nanScores() {
        let scores: [Float] = [0.9, .nan, 0.1, 0.5]
        let labels = [true, true, false, false]
        #expect(Metrics.bestThreshold(scores: scores, labels: labels) == nil)
        #expect(Metrics.rocAUC(scores: scores, labels: labels) == nil)
        #expect(Metrics.bestThreshold(scores: [.infinity, 0.2], labels: [true, false]) == nil)
    }

    @Test("the threshold stays a cosine when the best cut lies above the top score or below the lowest")
    func clampedToCosines() throws {
        // A non-duplicate of two identical questions scores 1 (plus rounding): calling nothing a duplicate is best.
        let above = try #require(Metrics.bestThreshold(scores: [Float(1).nextUp, 0.9], labels: [false, true]))
        #expect(above.threshold == 1)
        // Only duplicates, the lowest at -1: the midpoint below it would be -1.5.
        let below = try #require(Metrics.bestThreshold(scores: [-1, -0.5], labels: [true, true]))
        #expect(below.threshold == -1)
        #expect(below.accuracy == 1)
    }
}
