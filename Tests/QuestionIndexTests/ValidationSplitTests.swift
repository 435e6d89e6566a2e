import Testing
@testable import QuestionIndex

@Suite struct ValidationSplitTests {
    /// 200 small clusters: each a duplicate pair (2k, 2k+1) and a non-duplicate (2k, 2k+1+some other).
    func pairs() -> [QuestionPair] {
        var rows: [QuestionPair] = []
        for k in 0..<200 {
            rows.append(QuestionPair(question1: "question \(2 * k)", question2: "question \(2 * k + 1)",
                                     isDuplicate: true, qid1: "\(2 * k)", qid2: "\(2 * k + 1)", line: rows.count + 2))
            rows.append(QuestionPair(question1: "question \(2 * k)", question2: "other \(k)", isDuplicate: false,
                                     qid1: "\(2 * k)", qid2: "o\(k)", line: rows.count + 2))
        }
        return rows
    }

    @Test func holdsOutWholeComponentsWithBothLabels() throws {
        let rows = pairs()
        let split = try #require(ValidationSplit(pairs: rows, fraction: 0.1, seed: 1))
        #expect(split.training.count + split.validation.count == rows.count)
        #expect(split.validation.count == 40)
        #expect(Set(split.validation.compactMap(\.isDuplicate)) == [true, false])
        let trainingQuestions = Set(split.training.flatMap { [$0.qid1, $0.qid2] })
        let validationQuestions = Set(split.validation.flatMap { [$0.qid1, $0.qid2] })
        #expect(trainingQuestions.isDisjoint(with: validationQuestions))
    }

    @Test func sameSeedSameSplitOtherSeedOther() throws {
        let rows = pairs()
        let a = try #require(ValidationSplit(pairs: rows, fraction: 0.1, seed: 1))
        let b = try #require(ValidationSplit(pairs: rows, fraction: 0.1, seed: 1))
        let c = try #require(ValidationSplit(pairs: rows, fraction: 0.1, seed: 2))
        #expect(a.validation == b.validation)
        #expect(a.validation != c.validation)
    }

    @Test func oneConnectedComponentCannotBeSplit() {
        // A chain: every row shares a question with the next.
        let rows = (0..<50).map { k in
            QuestionPair(question1: "question \(k)", question2: "question \(k + 1)", isDuplicate: k % 2 == 0,
                         line: k + 2)
        }
        #expect(ValidationSplit(pairs: rows, fraction: 0.1, seed: 1) == nil)
    }
}
