import Foundation
import Testing
@testable import SiameseNet

@Suite struct ModelConfigTests {
    /// The configuration JSON exactly as the first release stored it (before any field was added).
    static let firstReleaseJSON = """
        {"batchSize":256,"dimension":128,"epochs":5,"learningRate":0.0099999997764825821,"margin":0.25,\
        "maxTokens":64,"minCount":1,"seed":1,"tokenizerVersion":1}
        """

    @Test func configOfTheFirstReleaseStillDecodes() throws {
        let config = try JSONDecoder().decode(ModelConfig.self, from: Data(Self.firstReleaseJSON.utf8))
        var expected = ModelConfig()
        // Its tokenizer rule (no NFC step) is still applied to the models that recorded it.
        expected.tokenizerVersion = 1
        #expect(config == expected)
        try config.validate()
    }

    @Test func encodingRoundTrips() throws {
        var config = ModelConfig()
        config.clipNorm = 5
        config.maxVocabularySize = 1000
        config.seed = 42
        config.maxSubwords = 50_000
        config.subwordMinN = 2
        config.subwordMaxN = 4
        config.subwordMinCount = 3
        config.inputDropout = 0.25
        config.impliedPairRatio = 1.5
        config.bidirectional = true
        config.members = 4
        config.dimension = 64
        let data = try JSONEncoder().encode(config)
        #expect(try JSONDecoder().decode(ModelConfig.self, from: data) == config)
    }

    @Test func aBidirectionalModelNeedsAnEvenDimension() throws {
        var config = ModelConfig()
        config.bidirectional = true
        config.dimension = 5
        #expect(throws: ModelConfigError.invalid("a bidirectional model needs an even dimension (d/2 per direction), got 5")) {
            try config.validate()
        }
        config.dimension = 6
        try config.validate()
    }

    @Test func membersShareTheDimension() throws {
        var config = ModelConfig()
        config.dimension = 12
        config.members = 3
        try config.validate()
        #expect(config.memberDimension == 4)
        // The first member keeps the seed (a one-member model trains as before); the others get their own.
        #expect(config.memberConfig(0).seed == config.seed)
        #expect(Set((0..<3).map { config.memberConfig($0).seed }).count == 3)
        #expect((0..<3).allSatisfy { config.memberConfig($0).dimension == 4 && config.memberConfig($0).members == 1 })
        config.members = 5
        #expect(throws: ModelConfigError.invalid("the dimension (12) must be a multiple of the members (5): d/members values each")) {
            try config.validate()
        }
        config.members = 0
        #expect(throws: ModelConfigError.invalid("members must be between 1 and 64, got 0")) { try config.validate() }
        config.members = 4
        config.bidirectional = true
        #expect(throws: ModelConfigError.invalid(
            "a bidirectional model needs an even dimension per member (d/2 per direction), got 12/4 = 3")) {
            try config.validate()
        }
    }

    @Test func subwordSettingsAreValidated() throws {
        var config = ModelConfig()
        #expect(!config.usesSubwords)
        config.maxSubwords = 10
        try config.validate()
        #expect(config.usesSubwords)
        for change in [{ (c: inout ModelConfig) in c.maxSubwords = -1 }, { $0.subwordMinN = 0 },
                       { $0.subwordMaxN = 2 }, { $0.subwordMaxN = 33 }, { $0.subwordMinCount = 0 }] {
            var bad = config
            change(&bad)
            #expect(throws: ModelConfigError.self) { try bad.validate() }
        }
    }

    @Test func inputDropoutIsARate() throws {
        var config = ModelConfig()
        #expect(config.inputDropout == 0)
        for rate: Float in [0, 0.25, 0.99] {
            config.inputDropout = rate
            try config.validate()
        }
        for rate: Float in [-0.1, 1, .nan] {
            config.inputDropout = rate
            #expect(throws: ModelConfigError.self) { try config.validate() }
        }
    }

    @Test func missingRequiredKeyIsAnError() {
        let json = Self.firstReleaseJSON.replacingOccurrences(of: "\"dimension\":128,", with: "")
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(ModelConfig.self, from: Data(json.utf8)) }
    }
}
