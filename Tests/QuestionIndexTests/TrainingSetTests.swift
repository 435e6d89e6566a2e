import Testing
@testable import QuestionIndex
import SiameseNet

@Suite struct TrainingSetTests {
    func pair(_ q1: String, _ q2: String, _ label: Bool?, _ qid1: String? = nil, _ qid2: String? = nil) -> QuestionPair {
        QuestionPair(question1: q1, question2: q2, isDuplicate: label, qid1: qid1, qid2: qid2, line: 2)
    }

    @Test func keepsDuplicatesWithWordsAndBuildsVocabularyFromAllQuestions() {
        let set = TrainingSet(pairs: [
            pair("How old are you?", "What is your age?", true),
            pair("Is it raining?", "Do you like tea?", false),
            pair("???", "What is this?", true),
            pair("Where do you live?", "Where is your home?", nil),
        ], config: ModelConfig())
        #expect(set.pairs.count == 2)
        #expect(set.nonDuplicates == 1)
        #expect(set.emptyQuestions == 1)
        // Words of the non-duplicate row are in the vocabulary too.
        #expect(set.vocabulary.id(of: "tea") != Vocabulary.unknownID)
        #expect(set.pairs[0].first == set.vocabulary.ids(of: ["how", "old", "are", "you"]))
        #expect(set.pairs[0].firstKey == "text:how old are you")
    }

    @Test func clustersFollowTransitiveDuplicatesByQidOrText() {
        let set = TrainingSet(pairs: [
            pair("a one", "b two", true, "1", "2"),
            pair("c three", "d four", true, "3", "4"),
            pair("b two again", "c three again", true, "2", "3"),  // joins the first two clusters through qids
            pair("e five", "f six", true),
            pair("F six!", "g seven", true),  // same text as "f six" after normalization
        ], config: ModelConfig())
        let clusters = set.pairs.map(\.cluster)
        #expect(clusters[0] == clusters[1] && clusters[1] == clusters[2])
        #expect(clusters[3] == clusters[4])
        #expect(clusters[0] != clusters[3])
        #expect(set.pairs[2].firstKey == "qid:2")
    }

    /// A~B, B~C, C~D label a cluster of four with three unlabelled pairs (A~C, A~D, B~D); E~F has none.
    @Test(arguments: [(0.0, 0), (0.5, 1), (1.0, 3), (5.0, 3)])
    func impliedPairsComeFromClustersUpToTheRatio(ratio: Double, expected: Int) {
        var config = ModelConfig()
        config.impliedPairRatio = ratio
        let rows = [pair("a one", "b two", true, "1", "2"), pair("b two", "c three", true, "2", "3"),
                    pair("c three", "d four", true, "3", "4"), pair("e five", "f six", true, "5", "6"),
                    pair("a one", "e five", false, "1", "5")]
        let set = TrainingSet(pairs: rows, config: config)
        #expect(set.impliedPairs == expected)
        #expect(set.pairs.count == 4 + expected)
        let labelled = Set(set.pairs.prefix(4).map { [$0.firstKey, $0.secondKey].sorted() })
        let implied = set.pairs.dropFirst(4)
        for pair in implied {
            #expect(pair.cluster == set.pairs[0].cluster)
            #expect(pair.firstKey != pair.secondKey)
            #expect(!labelled.contains([pair.firstKey, pair.secondKey].sorted()))
            // Each side keeps its own words.
            let words = ["qid:1": ["a", "one"], "qid:2": ["b", "two"], "qid:3": ["c", "three"], "qid:4": ["d", "four"]]
            #expect(pair.first == set.vocabulary.ids(of: words[pair.firstKey] ?? []))
            #expect(pair.second == set.vocabulary.ids(of: words[pair.secondKey] ?? []))
        }
        #expect(Set(implied.map { [$0.firstKey, $0.secondKey].sorted() }).count == expected)
        // Seeded: the same rows and seed give the same pairs.
        #expect(TrainingSet(pairs: rows, config: config).pairs == set.pairs)
    }
}
