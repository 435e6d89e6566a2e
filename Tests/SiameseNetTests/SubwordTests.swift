import Testing
@testable import SiameseNet

@Suite struct SubwordVocabularyTests {
    @Test func ngramsOfHandCheckedWords() {
        #expect(SubwordVocabulary.ngrams(of: "ab", minN: 3, maxN: 4) == ["<ab", "ab>", "<ab>"])
        #expect(SubwordVocabulary.ngrams(of: "ab", minN: 3, maxN: 5) == ["<ab", "ab>", "<ab>"])
        #expect(SubwordVocabulary.ngrams(of: "a", minN: 3, maxN: 5) == ["<a>"])
        // Shorter than minN: the whole wrapped word is the one n-gram.
        #expect(SubwordVocabulary.ngrams(of: "a", minN: 4, maxN: 5) == ["<a>"])
        #expect(SubwordVocabulary.ngrams(of: "where", minN: 3, maxN: 3) == ["<wh", "whe", "her", "ere", "re>"])
        #expect(SubwordVocabulary.ngrams(of: "where", minN: 6, maxN: 9) == ["<where", "where>", "<where>"])
        // Each n-gram once: "aaa" occurs twice in "<aaaa>".
        #expect(SubwordVocabulary.ngrams(of: "aaaa", minN: 3, maxN: 3) == ["<aa", "aaa", "aa>"])
        // Characters, not bytes: "é" and "ü" are one character each.
        #expect(SubwordVocabulary.ngrams(of: "éü", minN: 2, maxN: 2) == ["<é", "éü", "ü>"])
    }

    /// The byte-level lookup of a word's n-grams agrees with looking up the strings of `ngrams(of:)`.
    @Test func fastLookupAgreesWithTheStrings() {
        let words = ["password", "passwort", "e\u{301}te\u{301}", "\u{301}x", "naïve", "日本語", "a", "ab", "aaaa", "x2",
                     "a\r\nb"]  // "\r\n" is one character: not the ASCII path
        for (minN, maxN) in [(1, 1), (2, 4), (3, 5), (4, 6)] {
            let table = SubwordVocabulary(buildingFrom: words.prefix(6), minN: minN, maxN: maxN, maxSize: 1000)
            for word in words + ["pass", "wor", "日本", "zzz"] {
                let expected = SubwordVocabulary.ngrams(of: word, minN: minN, maxN: maxN).compactMap { table.id(of: $0) }
                #expect(table.ids(ofWord: word) == expected, "\(word) \(minN)...\(maxN)")
                // Appended after other ids, each n-gram still once within the word only.
                var appended: [Int32] = expected.isEmpty ? [7] : [expected[0], 7]
                table.appendIDs(ofWord: word, to: &appended)
                #expect(appended == (expected.isEmpty ? [7] : [expected[0], 7]) + expected)
            }
            for (id, ngram) in table.ngrams.enumerated() { #expect(table.id(of: ngram) == Int32(id)) }
        }
    }

    @Test func buildingCountsDistinctWordsAndIsDeterministic() {
        let vocabulary = SubwordVocabulary(buildingFrom: ["ab", "abc"], minN: 3, maxN: 3, maxSize: 10)
        // "<ab" is in both words; ties ("ab>", "abc", "bc>") are lexicographic ('>' < 'c').
        #expect(vocabulary.ngrams == ["<ab", "ab>", "abc", "bc>"])
        #expect(vocabulary.counts == [2, 1, 1, 1])
        #expect(vocabulary.id(of: "abc") == 2)
        #expect(vocabulary.id(of: "xyz") == nil)
        #expect(vocabulary.ids(ofWord: "abd") == [0])   // "<ab" only
        #expect(vocabulary.ids(ofWord: "xyz").isEmpty)
        let capped = SubwordVocabulary(buildingFrom: ["ab", "abc"], minN: 3, maxN: 3, maxSize: 2)
        #expect(capped.ngrams == ["<ab", "ab>"])
        let frequent = SubwordVocabulary(buildingFrom: ["ab", "abc"], minN: 3, maxN: 3, minCount: 2, maxSize: 10)
        #expect(frequent.ngrams == ["<ab"])
        // Order and repeats of the input words do not matter.
        let words = ["password", "pass", "word", "sword", "swords", "reset", "rest"]
        let reference = SubwordVocabulary(buildingFrom: words, minN: 3, maxN: 5, maxSize: 1000)
        var random = SeededGenerator(seed: 3)
        for _ in 0..<5 {
            var shuffled = words + words.prefix(3)
            random.shuffle(&shuffled)
            #expect(SubwordVocabulary(buildingFrom: shuffled, minN: 3, maxN: 5, maxSize: 1000) == reference)
        }
        #expect(SubwordVocabulary(buildingFrom: words, minN: 3, maxN: 5, maxSize: 0).count == 0)
    }

    @Test func storedTableIsChecked() throws {
        let restored = try SubwordVocabulary(ngrams: ["<ab", "ab>"], counts: [2, 1], minN: 3, maxN: 3)
        #expect(restored == SubwordVocabulary(buildingFrom: ["ab", "abc"], minN: 3, maxN: 3, maxSize: 2))
        #expect(restored.id(of: "ab>") == 1)
        #expect(throws: SubwordVocabularyError.invalid("n-gram \"<ab\" appears twice")) {
            try SubwordVocabulary(ngrams: ["<ab", "<ab"], counts: [1, 1], minN: 3, maxN: 3)
        }
        #expect(throws: SubwordVocabularyError.self) {
            try SubwordVocabulary(ngrams: ["<ab"], counts: [1, 1], minN: 3, maxN: 3)
        }
        #expect(throws: SubwordVocabularyError.self) {
            try SubwordVocabulary(ngrams: [""], counts: [1], minN: 3, maxN: 3)
        }
    }
}

/// A model with sub-words over a small corpus whose words share n-grams with made-up ones.
func subwordModel(dimension: Int = 8, maxSubwords: Int = 10_000, minN: Int = 3, maxN: Int = 5,
                  seed: UInt64 = 1) -> SiameseModel {
    var config = ModelConfig()
    config.dimension = dimension
    config.seed = seed
    config.maxSubwords = maxSubwords
    config.subwordMinN = minN
    config.subwordMaxN = maxN
    let corpus = [["can", "i", "receive", "a", "zorro", "blink"], ["how", "do", "i", "frog", "quiz", "robot"],
                  ["where", "is", "the", "porch", "stick", "luxury"]]
    let vocabulary = Vocabulary(building: corpus)
    let subwords = SubwordVocabulary(buildingFrom: vocabulary.tokens.dropFirst(2), minN: minN, maxN: maxN,
                                     maxSize: maxSubwords)
    return SiameseModel(config: config, vocabulary: vocabulary, subwords: maxSubwords > 0 ? subwords : nil)
}

@Suite struct SubwordEncodingTests {
    @Test func unseenWordsWithKnownNgramsNoLongerCollapseToUnknown() throws {
        let pair = ("Can I zorp a blick?", "Can I frob a quux?")
        let plain = subwordModel(maxSubwords: 0)
        #expect(plain.subwords == nil)
        #expect(abs(try plain.similarity(pair.0, pair.1) - 1) < 1e-6)
        let model = subwordModel()
        let question = model.tokenized("zorp")
        #expect(question.words == [Vocabulary.unknownID])
        #expect(!question.subwords.isEmpty)
        #expect(try model.similarity(pair.0, pair.1) < 0.999)
        #expect(try model.encode(["zorp"]) != model.encode(["frob"]))
        // A misspelling shares n-grams with the word: closer to it than to an unrelated word.
        let toWord = try model.similarity("recieve", "receive"), toOther = try model.similarity("recieve", "porch")
        #expect(toWord > toOther, "\(toWord) vs \(toOther)")
    }

    @Test func coverageCountsUnknownWords() {
        let model = subwordModel()
        let coverage = model.coverage(of: "Can I zorp a xxqq?")
        #expect(coverage == WordCoverage(words: 5, unknownWords: 1, subwordOnlyWords: 1))
        #expect(coverage.hasKnownWords)
        #expect(!model.coverage(of: "xxqq vvkk").hasKnownWords)
        #expect(model.coverage(of: "xxqq vvkk").unknownWords == 2)
        #expect(!model.coverage(of: "?!").hasKnownWords)
        #expect(model.coverage(of: "?!").words == 0)
        // One known n-gram ("zor") of fifteen is no knowledge of the word.
        #expect(model.coverage(of: "qqzorq") == WordCoverage(words: 1, unknownWords: 1, subwordOnlyWords: 0))
        let plain = subwordModel(maxSubwords: 0)
        #expect(plain.coverage(of: "Can I zorp a xxqq?") == WordCoverage(words: 5, unknownWords: 2, subwordOnlyWords: 0))
    }

    @Test func knownWordsUseThePrecomputedNgrams() {
        let model = subwordModel()
        let text = "Where is the porch"
        let fromText = model.tokenized(text)
        #expect(fromText == model.tokenized(ids: model.tokenIDs(text)))
        let subwords = try! #require(model.subwords)
        for (t, token) in model.tokenizer.tokens(text).enumerated() {
            #expect(Array(fromText.subwords[fromText.subwordRange(of: t)]) == subwords.ids(ofWord: token))
        }
    }

    /// With sub-words off, and for tokens without known n-grams, the encoder is the word-only one, bit for bit.
    @Test func withoutSubwordsEncodingIsBitIdentical() throws {
        let texts = ["Can I zorp a blick?", "where is the porch", "i", "how do i frog a quiz robot"]
        let off = subwordModel(maxSubwords: 0)
        let wordOnly = Encoder(weights: EncoderWeights(vocabularySize: off.vocabulary.count, dimension: 8, seed: 1))
        #expect(off.encoder.weights == wordOnly.weights)
        #expect(try off.encode(texts) == wordOnly.encode(texts.map(off.tokenIDs)))
        let ids = texts.map(off.tokenIDs)
        #expect(try off.encode(texts, batchSize: 2, workers: 2)
                == wordOnly.encode(Array(ids[0..<2])) + wordOnly.encode(Array(ids[2...])))
        // Drawing a sub-word table does not change the other tensors of a seed.
        let on = subwordModel()
        #expect(Array(on.encoder.weights.tensors.prefix(4)) == wordOnly.weights.tensors)
        #expect(on.encoder.weights.tensors.count == 5)
        // Questions with no n-gram (ids alone) encode exactly as without sub-words.
        #expect(try on.encoder.encode(ids.map { TokenizedQuestion(words: $0) }) == wordOnly.encode(ids))
    }

    @Test func packedEqualsPaddedWithSubwords() throws {
        let weights = EncoderWeights(vocabularySize: 12, dimension: 6, seed: 4, subwordCount: 9)
        let questions = randomQuestions(lengths: [5, 1, 7, 3, 7, 2], vocabularySize: 12, subwordCount: 9, seed: 3)
        #expect(questions.contains { $0.words.contains(Vocabulary.unknownID) })
        let packed = try Encoder(weights: weights).encode(questions)
        let padded = paddedReferenceEncode(weights, questions)
        #expect(packed.count == padded.count)
        for (x, y) in zip(packed, padded) { #expect(abs(x - y) < 1e-5) }
    }

    @Test func badSubwordIDIsAnError() {
        let encoder = Encoder(weights: EncoderWeights(vocabularySize: 10, dimension: 4, seed: 1, subwordCount: 3))
        let question = TokenizedQuestion(words: [2, 3], subwordOffsets: [0, 1, 2], subwords: [0, 3])
        #expect(throws: EncoderError.subwordOutOfRange(index: 0, subword: 3, subwordCount: 3)) {
            try encoder.encode([question])
        }
    }

    @Test func weightsWithSubwordsRoundTripAndAreChecked() throws {
        let weights = EncoderWeights(vocabularySize: 12, dimension: 4, seed: 9, subwordCount: 5)
        #expect(weights.parameterCount == 12 * 4 + 2 * 4 * 16 + 16 + 5 * 4)
        #expect(weights.tensors.last?.name == "subword_embedding")
        #expect(weights.tensors.last?.shape == [5, 4])
        #expect(try EncoderWeights(vocabularySize: 12, dimension: 4, subwordCount: 5, tensors: weights.tensors) == weights)
        #expect(throws: EncoderError.missingWeight("subword_embedding")) {
            try EncoderWeights(vocabularySize: 12, dimension: 4, subwordCount: 5, tensors: Array(weights.tensors.prefix(4)))
        }
        #expect(throws: EncoderError.weightShapeMismatch(name: "subword_embedding", expected: [6, 4], found: [5, 4])) {
            try EncoderWeights(vocabularySize: 12, dimension: 4, subwordCount: 6, tensors: weights.tensors)
        }
        #expect(throws: EncoderError.unexpectedWeight(name: "subword_embedding", shape: [5, 4])) {
            try EncoderWeights(vocabularySize: 12, dimension: 4, tensors: weights.tensors)
        }
    }

    @Test func trainingMovesSubwordRowsAndLowersTheLoss() throws {
        var model = subwordModel()
        model.config.batchSize = 4
        let texts = [("can i receive a zorro", "how do i receive a zorro"), ("where is the porch", "where is a porch"),
                     ("how do i frog", "can i frog"), ("the stick blink", "a stick blink"),
                     ("quiz robot luxury", "the quiz robot")]
        let pairs = texts.enumerated().map { index, pair in
            TrainingPair(first: model.tokenIDs(pair.0), second: model.tokenIDs(pair.1), firstKey: "\(index)a",
                         secondKey: "\(index)b")
        }
        let trainer = try Trainer(model: model, pairs: pairs)
        let first = trainer.trainEpoch().loss
        var last = first
        for _ in 0..<20 { last = trainer.trainEpoch().loss }
        #expect(last < first)
        #expect(trainer.model.encoder.weights.subwordEmbedding != model.encoder.weights.subwordEmbedding)
        #expect(trainer.model.encoder.weights.subwordEmbedding.allSatisfy { $0.isFinite })
    }

    @Test func adamNormAndUpdateIncludeSubwords() {
        var weights = EncoderWeights(zerosForVocabularySize: 2, dimension: 1, subwordCount: 1)
        var gradients = weights
        gradients.subwordEmbedding[0] = 3
        gradients.bias[0] = 4
        #expect(Adam.globalNorm(gradients) == 5)
        var adam = Adam(for: weights, learningRate: 0.1)
        adam.update(&weights, gradients: gradients)
        #expect(abs(weights.subwordEmbedding[0] + 0.1) < 1e-6)
    }
}

/// Random questions over word ids 1..<vocabularySize (1 is `<UNK>`) with 0–3 random sub-words per token;
/// every `<UNK>` token of the first question has sub-words, so both kinds of input rows occur.
func randomQuestions(lengths: [Int], vocabularySize: Int, subwordCount: Int, seed: UInt64) -> [TokenizedQuestion] {
    var random = SeededGenerator(seed: seed)
    return lengths.enumerated().map { index, length in
        var words: [Int32] = [], offsets: [Int32] = [0], subwords: [Int32] = []
        for t in 0..<length {
            let word: Int32 = index == 0 && t == 0 ? Vocabulary.unknownID
                : Int32(1 + Int(random.next() % UInt64(vocabularySize - 1)))
            words.append(word)
            var n = Int(random.next() % 4)
            if index == 0 && t < 2 { n = max(n, 1) }
            for _ in 0..<n { subwords.append(Int32(random.next() % UInt64(subwordCount))) }
            offsets.append(Int32(subwords.count))
        }
        return TokenizedQuestion(words: words, subwordOffsets: offsets, subwords: subwords)
    }
}
