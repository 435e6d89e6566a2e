import SiameseNet

/// The true duplicate clusters of the questions of a labelled pair file: the dedup evaluation's reference.
///
/// Questions are the file's distinct questions by normalized text (as the index stores them: the first text
/// seen is kept; questions without words are left out). The true clusters are the connected components of
/// the rows labelled `is_duplicate = 1`. Labels are incomplete in Quora-like data (most pairs were never
/// judged), so a clustering scored against them has a precision that is a lower bound.
package struct DuplicateGroundTruth: Sendable {
    /// Question texts, in order of first appearance.
    package let questions: [String]
    /// `questions`, normalized (`Tokenizer().normalized`), all different.
    package let normalized: [String]
    /// The true cluster of each question (an index into nothing: only equality matters).
    package let labels: [Int]

    package init(pairs: [QuestionPair]) {
        let tokenizer = Tokenizer()
        var questions: [String] = [], normalized: [String] = [], index: [String: Int] = [:]
        var duplicates: [(Int, Int)] = []
        func item(_ text: String) -> Int? {
            let key = tokenizer.normalized(text)
            guard !key.isEmpty else { return nil }
            if let known = index[key] { return known }
            index[key] = questions.count
            questions.append(text)
            normalized.append(key)
            return questions.count - 1
        }
        for pair in pairs {
            let first = item(pair.question1), second = item(pair.question2)
            if pair.isDuplicate == true, let first, let second, first != second { duplicates.append((first, second)) }
        }
        var sets = RowUnionFind(count: questions.count)
        for (a, b) in duplicates { sets.join(a, b) }
        labels = (0..<questions.count).map { sets.root($0) }
        self.questions = questions
        self.normalized = normalized
    }

    /// Clusters of two or more questions.
    package var clusterCount: Int { Dictionary(grouping: labels, by: { $0 }).values.filter { $0.count >= 2 }.count }
    /// Questions in a cluster of two or more.
    package var clusteredQuestions: Int { Dictionary(grouping: labels, by: { $0 }).values.filter { $0.count >= 2 }.map(\.count).reduce(0, +) }
    /// The size of the largest true cluster.
    package var largestCluster: Int { Dictionary(grouping: labels, by: { $0 }).values.map(\.count).max() ?? 0 }
    /// Same-cluster pairs.
    package var pairCount: Int { Dictionary(grouping: labels, by: { $0 }).values.map { $0.count * ($0.count - 1) / 2 }.reduce(0, +) }
}
