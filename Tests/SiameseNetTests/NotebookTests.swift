import Testing
@testable import SiameseNet

/// The numbers printed in the course notebook (shared/seed/siamese-networks-notebook.md), computed by our code.
@Suite struct NotebookTests {
    let v1: [Float] = [1, 2, 3, 9, 8, 7, -1, -4, -2, 1, -7, 2]
    let v2: [Float] = [
        1.27551159, 2.11854853, 3.01429143,
        8.83539979, 8.44302619, 8.21303737,
        -1.95506567, -2.96172592, -1.76136987,
        1.45513761, -8.12660221, 2.14513688,
    ]

    @Test func cosineSimilarities() {
        let a: [Float] = [1, 2, 3.3, 4]
        #expect(abs(VectorMath.cosineSimilarity(a, [1.5, 2, 3, 4]) - 0.9946662395953002) < 1e-6)
        #expect(abs(VectorMath.cosineSimilarity(a, [1.5, 2, 3, -4]) - -0.01900636126615228) < 1e-6)
        #expect(abs(VectorMath.cosineSimilarity(a, [-1.5, -2, -3, -4]) - -0.9946662395953002) < 1e-6)
    }

    @Test func l2Normalization() {
        let tensor: [Float] = [0.77132064, 0.02075195, 0.63364823, 0.74880388, 0.49850701,
                               0.22479665, 0.19806286, 0.76053071, 0.16911084, 0.08833981]
        let expected: [Float] = [0.57393795, 0.01544148, 0.4714962, 0.55718327, 0.37093794,
                                 0.26781026, 0.23596111, 0.9060541, 0.20146926, 0.10524315]
        let normalized = VectorMath.l2Normalized(tensor, dimension: 5)
        for (x, y) in zip(normalized, expected) { #expect(abs(x - y) < 1e-6) }
    }

    @Test func similarityMatrix() {
        let expected: [Float] = [
            0.99775671, 0.91410053, -0.88792603, -0.2620184,
            0.9120366, 0.99741214, -0.97166368, -0.31058779,
            -0.88310492, -0.87489687, 0.95423322, 0.68461153,
            -0.26267255, -0.31274986, 0.52395375, 0.99919068,
        ]
        let s = VectorMath.similarityMatrix(VectorMath.l2Normalized(v1, dimension: 3),
                                            VectorMath.l2Normalized(v2, dimension: 3), dimension: 3)
        #expect(s.count == 16)
        for (x, y) in zip(s, expected) { #expect(abs(x - y) < 1e-6) }
    }

    @Test func meanNegativeClosestNegativeAndCost() {
        let evaluation = TripletLoss(margin: 0.25).evaluate(VectorMath.l2Normalized(v1, dimension: 3),
                                                            VectorMath.l2Normalized(v2, dimension: 3), dimension: 3)
        let meanNegatives: [Float] = [-0.07861463, -0.12340496, -0.35779675, -0.01715622]
        let closestNegatives: [Float] = [0.91410053, 0.9120366, 0.68461153, 0.52395375]
        let positives: [Float] = [0.99775671, 0.99741214, 0.95423322, 0.99919068]
        for i in 0..<4 {
            #expect(abs(evaluation.meanNegatives[i] - meanNegatives[i]) < 1e-6)
            #expect(abs(evaluation.closestNegatives[i] - closestNegatives[i]) < 1e-6)
            #expect(abs(evaluation.positives[i] - positives[i]) < 1e-6)
        }
        #expect(abs(evaluation.loss - 0.33096828) < 1e-6)
    }

    /// Pairs 0 and 1 in one duplicate cluster: row 0 loses its closest negative (S[0,1]) and row 1 its
    /// closest (S[1,0]); the loss then only counts columns 2 and 3 for those rows.
    @Test func groupsMaskSameClusterNegatives() {
        let a = VectorMath.l2Normalized(v1, dimension: 3), b = VectorMath.l2Normalized(v2, dimension: 3)
        let evaluation = TripletLoss().evaluate(a, b, dimension: 3, groups: [7, 7, 1, 2])
        #expect(abs(evaluation.meanNegatives[0] - (-0.88792603 + -0.2620184) / 2) < 1e-6)
        #expect(abs(evaluation.closestNegatives[0] - -0.2620184) < 1e-6)
        #expect(abs(evaluation.closestNegatives[1] - -0.31058779) < 1e-6)
        #expect(abs(evaluation.closestNegatives[2] - 0.68461153) < 1e-6)
        // Every hinge is now inactive: rows 0 and 1 lost the negatives that made the loss.
        #expect(evaluation.loss == 0)
        let alone = TripletLoss().evaluate(a, b, dimension: 3, groups: [0, 0, 0, 0])
        #expect(alone.loss == 0 && alone.meanNegatives.allSatisfy(\.isNaN))
        let distinct = TripletLoss().evaluate(a, b, dimension: 3, groups: [0, 1, 2, 3])
        #expect(abs(distinct.loss - 0.33096828) < 1e-6)
    }
}
