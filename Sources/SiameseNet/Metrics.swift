/// Ranking metrics for duplicate detection from similarity scores.
public enum Metrics {
    /// Area under the ROC curve: the probability that a random duplicate scores above a random
    /// non-duplicate (ties count half). Nil when either class is absent.
    /// - Complexity: O(n log n).
    public static func rocAUC(scores: [Float], labels: [Bool]) -> Double? {
        precondition(scores.count == labels.count, "one label per score")
        let positives = labels.filter { $0 }.count, negatives = labels.count - positives
        guard positives > 0, negatives > 0 else { return nil }
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        // Mann–Whitney U: sum of positive ranks, with tied scores sharing their mean rank.
        var rankSum = 0.0
        var start = 0
        while start < order.count {
            var end = start
            while end + 1 < order.count && scores[order[end + 1]] == scores[order[start]] { end += 1 }
            let meanRank = Double(start + end) / 2 + 1
            for position in start...end where labels[order[position]] { rankSum += meanRank }
            start = end + 1
        }
        let p = Double(positives)
        return (rankSum - p * (p + 1) / 2) / (p * Double(negatives))
    }
}
