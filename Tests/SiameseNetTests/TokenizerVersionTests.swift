import Testing
@testable import SiameseNet

@Suite("tokenizer versions")
struct TokenizerVersionTests {
    /// "Café crème?" with precomposed letters, and with e + combining accents.
    static let composed = "Caf\u{E9} cr\u{E8}me?"
    static let decomposed = "Cafe\u{301} cre\u{300}me?"

    @Test("version 2 puts text in NFC: both spellings give the same tokens and key, byte for byte")
    func nfc() {
        let tokenizer = Tokenizer()
        #expect(tokenizer.version == 2)
        let a = tokenizer.tokens(Self.composed), b = tokenizer.tokens(Self.decomposed)
        #expect(a.map { Array($0.utf8) } == b.map { Array($0.utf8) })
        #expect(Array(tokenizer.normalized(Self.decomposed).utf8) == Array("caf\u{E9} cr\u{E8}me".utf8))
    }

    @Test("version 1, the rule of older models, keeps the spelling as it was")
    func versionOne() {
        let tokenizer = Tokenizer(maxTokens: 64, version: 1)
        #expect(Array(tokenizer.normalized(Self.decomposed).utf8) == Array("cafe\u{301} cre\u{300}me".utf8))
        #expect(Array(tokenizer.normalized(Self.composed).utf8) == Array("caf\u{E9} cr\u{E8}me".utf8))
    }

    @Test("a model applies the rule its configuration recorded; unknown versions are refused")
    func modelUsesItsVersion() throws {
        var config = ModelConfig()
        config.tokenizerVersion = 1
        try config.validate()
        let old = SiameseModel(config: config, vocabulary: try Vocabulary(tokens: ["<PAD>", "<UNK>"], counts: [0, 0]))
        #expect(old.tokenizer.version == 1)
        #expect(SiameseModel(config: ModelConfig(), vocabulary: old.vocabulary).tokenizer.version == 2)
        config.tokenizerVersion = 3
        #expect(throws: ModelConfigError.invalid("the model uses tokenizer version 3; this build reads versions 1 to 2")) {
            try config.validate()
        }
    }
}
