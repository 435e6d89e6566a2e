import Testing
@testable import SiameseNet

@Suite struct LexiconTests {
    let words = ["how", "do", "i", "reset", "my", "password", "install", "rice"]

    func lexicon() -> Lexicon {
        let vocabulary = Vocabulary(building: [words])
        return Lexicon(vocabulary: vocabulary,
                       subwords: SubwordVocabulary(buildingFrom: words, minN: 3, maxN: 5, maxSize: 1000))
    }

    /// Known words, an unknown word with known n-grams, one with none, and the reserved tokens as text.
    let questions = [["how", "do", "i", "reset", "my", "password"], ["instal", "rice", "zzqx"],
                     ["<PAD>", "<UNK>", "how"], []]

    @Test func aQuestionIsTheSameBeforeAndAfterTheWordTableIsBuilt() {
        let fresh = lexicon()
        let computed = questions.map { fresh.question(tokens: $0) }
        let prepared = lexicon()
        prepared.prepareForBatches()
        #expect(questions.map { prepared.question(tokens: $0) } == computed)
        // The id path reads the table; it agrees with both for known words.
        let ids = prepared.vocabulary.ids(of: questions[0])
        #expect(prepared.question(ids: ids) == computed[0])
        #expect(computed[1].subwords.count > 0, "\"instal\" keeps the n-grams it shares with \"install\"")
    }

    @Test func aModelEncodesTheSameOneQuestionAtATimeAsInABatch() throws {
        var config = ModelConfig()
        config.dimension = 8
        config.members = 2
        config.maxSubwords = 1000
        let vocabulary = Vocabulary(building: [words])
        let subwords = SubwordVocabulary(buildingFrom: words, minN: 3, maxN: 5, maxSize: 1000)
        let texts = (0..<20).map { "how do I reset my password \($0 % 3 == 0 ? "instal" : "rice")" }
        // One at a time on a fresh model: no table yet; then a batch of 20 builds it.
        let model = SiameseModel(config: config, vocabulary: vocabulary, subwords: subwords)
        let single = try texts.flatMap { try model.encode([$0]) }
        let batch = try SiameseModel(config: config, vocabulary: vocabulary, subwords: subwords).encode(texts)
        // The same inputs (packing differs: BLAS may round the last bit differently for another batch shape).
        #expect(single.count == batch.count)
        #expect(zip(single, batch).allSatisfy { abs($0 - $1) <= 1e-5 })
    }
}
