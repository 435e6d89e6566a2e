/// How well a clustering of items agrees with the true one: the scores of the dedup evaluation (issue 8).
///
/// Both clusterings are labels over the same n items (an item alone in its cluster has a label of its own).
/// - Pairwise: a pair of items is predicted when both share a predicted cluster, true when both share a true
///   one; precision, recall and F1 of the predicted pairs.
/// - B-cubed: per item, precision = |its predicted cluster ∩ its true cluster| / |its predicted cluster| and
///   recall the same over its true cluster, averaged over all items; F1 of the two averages.
/// When the truth is incomplete (unlabelled duplicates exist), precision is a lower bound.
package struct ClusterAgreement: Sendable, Equatable {
    package var pairPrecision: Double
    package var pairRecall: Double
    package var pairF1: Double
    package var bCubedPrecision: Double
    package var bCubedRecall: Double
    package var bCubedF1: Double
    /// Same-cluster pairs predicted, true, and both.
    package var predictedPairs: Int
    package var truePairs: Int
    package var commonPairs: Int
    /// Predicted clusters of two or more items, and the size of the largest.
    package var clusterCount: Int
    package var largestCluster: Int

    /// - Parameters: `predicted` and `truth`, one cluster label per item, of equal length.
    package init(predicted: [Int], truth: [Int]) {
        precondition(predicted.count == truth.count, "both clusterings must label the same items")
        var predictedSize: [Int: Int] = [:], trueSize: [Int: Int] = [:]
        var both: [Pair: Int] = [:]
        for (p, t) in zip(predicted, truth) {
            predictedSize[p, default: 0] += 1
            trueSize[t, default: 0] += 1
            both[Pair(predicted: p, truth: t), default: 0] += 1
        }
        func pairs(_ n: Int) -> Int { n * (n - 1) / 2 }
        predictedPairs = predictedSize.values.reduce(0) { $0 + pairs($1) }
        truePairs = trueSize.values.reduce(0) { $0 + pairs($1) }
        commonPairs = both.values.reduce(0) { $0 + pairs($1) }
        pairPrecision = predictedPairs > 0 ? Double(commonPairs) / Double(predictedPairs) : 0
        pairRecall = truePairs > 0 ? Double(commonPairs) / Double(truePairs) : 0
        pairF1 = Self.harmonicMean(pairPrecision, pairRecall)
        var precisionSum = 0.0, recallSum = 0.0
        for (p, t) in zip(predicted, truth) {
            let shared = Double(both[Pair(predicted: p, truth: t)] ?? 0)
            precisionSum += shared / Double(predictedSize[p] ?? 1)
            recallSum += shared / Double(trueSize[t] ?? 1)
        }
        let n = Double(max(predicted.count, 1))
        bCubedPrecision = precisionSum / n
        bCubedRecall = recallSum / n
        bCubedF1 = Self.harmonicMean(bCubedPrecision, bCubedRecall)
        clusterCount = predictedSize.values.filter { $0 >= 2 }.count
        largestCluster = predictedSize.values.max() ?? 0
    }

    /// Labels for `count` items from clusters of item indices: a cluster's label is its index, an item in
    /// none gets a label of its own.
    package static func labels(clusters: [[Int]], count: Int) -> [Int] {
        var labels = Array(clusters.count..<(clusters.count + count))
        for (label, cluster) in clusters.enumerated() {
            for item in cluster { labels[item] = label }
        }
        return labels
    }

    private static func harmonicMean(_ a: Double, _ b: Double) -> Double {
        a + b > 0 ? 2 * a * b / (a + b) : 0
    }

    private struct Pair: Hashable {
        let predicted: Int
        let truth: Int
    }
}
