/// Ranking metrics for duplicate detection from similarity scores.
public enum Metrics {
    /// Area under the ROC curve: the probability that a random duplicate scores above a random
    /// non-duplicate (ties count half). Nil when either class is absent or a score is not finite.
    /// - Complexity: O(n log n).
    public static func rocAUC(scores: [Float], labels: [Bool]) -> Double? {
        precondition(scores.count == labels.count, "one label per score")
        let positives = labels.filter { $0 }.count, negatives = labels.count - positives
        // A NaN score has no rank (and would make the sort's order meaningless).
        guard positives > 0, negatives > 0, scores.allSatisfy(\.isFinite) else { return nil }
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

    /// The duplicate cut-off that best separates labelled pairs: a pair is called a duplicate when its score
    /// is at or above the threshold, and the threshold maximizes accuracy (ties: the higher threshold).
    /// It lies midway between two adjacent distinct scores, clamped to [-1, 1]. Nil when `scores` is empty or
    /// a score is not finite.
    /// - Complexity: O(n log n).
    public static func bestThreshold(scores: [Float], labels: [Bool]) -> (threshold: Float, accuracy: Double)? {
        precondition(scores.count == labels.count, "one label per score")
        // NaN equals no score, so the grouping loop below would never move past it.
        guard !scores.isEmpty, scores.allSatisfy(\.isFinite) else { return nil }
        let order = scores.indices.sorted { scores[$0] > scores[$1] }
        let negatives = labels.filter { !$0 }.count
        // Calling nothing a duplicate: every negative is right.
        var best = (correct: negatives, threshold: scores[order[0]].nextUp)
        var correct = negatives
        var position = 0
        while position < order.count {
            // Move the whole group of equal scores across the threshold at once.
            let score = scores[order[position]]
            while position < order.count && scores[order[position]] == score {
                correct += labels[order[position]] ? 1 : -1
                position += 1
            }
            let below = position < order.count ? scores[order[position]] : score - 1
            if correct > best.correct { best = (correct, (score + below) / 2) }
        }
        // A cosine threshold stays in [-1, 1]: rounding lets a cosine reach 1.0000001 (whose next float is
        // the cut that calls nothing a duplicate), and the midpoint below the lowest score can pass -1.
        return (min(max(best.threshold, -1), 1), Double(best.correct) / Double(scores.count))
    }
}
