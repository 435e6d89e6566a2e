import Testing
@testable import SiameseNet

/// A model of several members: one encoder each, read side by side.
@Suite struct MembersTests {
    func model(members: Int, bidirectional: Bool = false, subwords: Bool = true) -> SiameseModel {
        var config = ModelConfig()
        config.dimension = 12
        config.members = members
        config.bidirectional = bidirectional
        config.maxTokens = 16
        config.seed = 5
        let words = ["how", "do", "i", "reset", "my", "password", "what", "is", "a", "cook", "rice", "install"]
        let vocabulary = Vocabulary(building: [words])
        guard subwords else { return SiameseModel(config: config, vocabulary: vocabulary) }
        config.maxSubwords = 200
        return SiameseModel(config: config, vocabulary: vocabulary,
                            subwords: SubwordVocabulary(buildingFrom: words, minN: 3, maxN: 5, maxSize: 200))
    }

    let texts = ["How do I reset my password?", "what is rice", "how do I instal a cooker", "password"]

    @Test(arguments: [(3, false, true), (2, true, true), (3, false, false)])
    func aQuestionVectorIsTheMembersUnitVectorsSideBySide(members: Int, bidirectional: Bool, subwords: Bool) throws {
        let model = model(members: members, bidirectional: bidirectional, subwords: subwords)
        let vectors = try model.encode(texts)
        let d = 12, m = d / members
        let parts = try (0..<members).map { try model.member($0).encode(texts) }
        for row in texts.indices {
            let vector = Array(vectors[(row * d)..<((row + 1) * d)])
            #expect(abs(VectorMath.dot(vector, vector) - 1) < 1e-5)
            for k in 0..<members {
                let part = Array(parts[k][(row * m)..<((row + 1) * m)])
                let scale = 1 / Float(members).squareRoot()
                let scaled = part.map { $0 * scale }
                #expect(Array(vector[(k * m)..<((k + 1) * m)]) == scaled)
            }
        }
        // A cosine is the mean of the members' cosines.
        let mean = try (0..<members).map { try model.member($0).similarity(texts[0], texts[2]) }.reduce(0, +) / Float(members)
        #expect(abs(try model.similarity(texts[0], texts[2]) - mean) < 1e-5)
    }

    @Test func membersStartFromTheirOwnSeeds() throws {
        let model = model(members: 3)
        let weights = model.encoders.map(\.weights)
        #expect(weights[0] != weights[1] && weights[1] != weights[2])
        // The first member is the single encoder of the same seed and width.
        var single = model.config
        single.members = 1
        single.dimension = 4
        let alone = SiameseModel(config: single, vocabulary: model.vocabulary, subwords: model.subwords)
        #expect(alone.encoder.weights == weights[0])
    }
}
