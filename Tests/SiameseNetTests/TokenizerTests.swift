import Testing
@testable import SiameseNet

@Suite struct TokenizerTests {
    let tokenizer = Tokenizer()

    @Test func lowercasesAndSplitsOnPunctuation() {
        #expect(tokenizer.tokens("How old are you?") == ["how", "old", "are", "you"])
        #expect(tokenizer.tokens("What's the price, in €?") == ["what", "s", "the", "price", "in"])
        #expect(tokenizer.tokens("  e-mail   2FA\tcodes\n") == ["e", "mail", "2fa", "codes"])
    }

    @Test func lettersAndDigitsOfAnyScript() {
        #expect(tokenizer.tokens("Zürich ÜBER Straße") == ["zürich", "über", "straße"])
        #expect(tokenizer.tokens("¿Hablas español?") == ["hablas", "español"])
        #expect(tokenizer.tokens("東京 の 天気 ٣٤") == ["東京", "の", "天気", "٣٤"])
        // "e" + combining acute accent stays one word.
        #expect(tokenizer.tokens("cafe\u{301} au lait") == ["cafe\u{301}", "au", "lait"])
    }

    @Test func emojiControlAndReplacementCharactersSeparateWords() {
        #expect(tokenizer.tokens("I 😀 love\u{0}this\u{FFFD}app 👍🏽") == ["i", "love", "this", "app"])
        #expect(tokenizer.tokens("\u{FFFD}\u{FFFD}?!") == [])
        #expect(tokenizer.tokens("") == [])
    }

    @Test func truncatesToMaxTokens() {
        let long = String(repeating: "word ", count: 100_000)
        #expect(Tokenizer(maxTokens: 64).tokens(long).count == 64)
        #expect(Tokenizer(maxTokens: 3).tokens("a b c d e") == ["a", "b", "c"])
        #expect(Tokenizer(maxTokens: 2).tokens("a b") == ["a", "b"])
    }

    @Test func normalizedFormIgnoresCasePunctuationAndSpacing() {
        #expect(tokenizer.normalized("How OLD are you?!") == tokenizer.normalized("how old  are you"))
        #expect(tokenizer.normalized("How old are you?") != tokenizer.normalized("How old are we?"))
    }
}

@Suite struct VocabularyTests {
    @Test func reservedIdsFrequencyOrderAndUnknowns() {
        let corpus = [["b", "a", "b"], ["c", "b", "a"], ["d"]]
        let vocabulary = Vocabulary(building: corpus)
        #expect(vocabulary.tokens == ["<PAD>", "<UNK>", "b", "a", "c", "d"])
        #expect(vocabulary.counts == [0, 0, 3, 2, 1, 1])
        #expect(vocabulary.ids(of: ["a", "zzz", "d"]) == [3, 1, 5])
    }

    @Test func minCountAndMaxSize() {
        let corpus = [["b", "a", "b"], ["c", "b", "a"], ["d"]]
        #expect(Vocabulary(building: corpus, minCount: 2).tokens == ["<PAD>", "<UNK>", "b", "a"])
        #expect(Vocabulary(building: corpus, maxSize: 3).tokens == ["<PAD>", "<UNK>", "b"])
    }

    @Test func restoringChecksReservedTokensAndDuplicates() throws {
        let restored = try Vocabulary(tokens: ["<PAD>", "<UNK>", "x"], counts: [0, 0, 4])
        #expect(restored.id(of: "x") == 2)
        #expect(throws: VocabularyError.self) { try Vocabulary(tokens: ["<UNK>", "<PAD>"], counts: [0, 0]) }
        #expect(throws: VocabularyError.self) { try Vocabulary(tokens: ["<PAD>", "<UNK>", "x", "x"], counts: [0, 0, 1, 1]) }
        #expect(throws: VocabularyError.self) { try Vocabulary(tokens: ["<PAD>", "<UNK>"], counts: [0]) }
    }
}
