import Testing
@testable import SiameseNet

/// A small synthetic paraphrase task: each intent has two slots with two synonyms each, mixed with
/// shared filler words; two questions of the same intent are duplicates.
struct SyntheticParaphrases {
    let intents = 12
    let vocabularySize: Int
    var random: SeededGenerator

    init(seed: UInt64) {
        random = SeededGenerator(seed: seed)
        vocabularySize = 2 + 8 + intents * 4  // pad, unk, fillers, 4 content words per intent
    }

    mutating func question(intent: Int) -> [Int32] {
        func filler(_ random: inout SeededGenerator) -> [Int32] {
            (0..<Int(random.next() % 3)).map { _ in Int32(2 + Int(random.next() % 8)) }
        }
        let base = 10 + intent * 4
        let first = Int32(base + Int(random.next() % 2)), second = Int32(base + 2 + Int(random.next() % 2))
        return filler(&random) + [first] + filler(&random) + [second] + filler(&random)
    }

    mutating func duplicatePairs(_ count: Int) -> [TrainingPair] {
        (0..<count).map { _ in
            let intent = Int(random.next() % UInt64(intents))
            let a = question(intent: intent), b = question(intent: intent)
            return TrainingPair(first: a, second: b, firstKey: "\(a)", secondKey: "\(b)")
        }
    }
}

/// Area under the ROC curve of scores for positives versus negatives (ties count half).
func rocAUC(positives: [Float], negatives: [Float]) -> Double {
    var wins = 0.0
    for p in positives { for n in negatives { wins += p > n ? 1 : (p == n ? 0.5 : 0) } }
    return wins / Double(positives.count * negatives.count)
}

@Suite struct TrainerTests {
    func config(seed: UInt64 = 3) -> ModelConfig {
        var config = ModelConfig()
        config.dimension = 16
        config.batchSize = 8
        config.seed = seed
        return config
    }

    func vocabulary(size: Int) -> Vocabulary {
        Vocabulary(building: [(2..<size).map { "w\($0)" }])
    }

    @Test func sameSeedGivesBitIdenticalWeights() throws {
        BLAS.setThreadCount(1)
        var data = SyntheticParaphrases(seed: 1)
        let pairs = data.duplicatePairs(40)
        func train() throws -> EncoderWeights {
            let trainer = try Trainer(model: SiameseModel(config: config(), vocabulary: vocabulary(size: data.vocabularySize)),
                                      pairs: pairs)
            for _ in 0..<2 { _ = trainer.trainEpoch() }
            return trainer.model.encoder.weights
        }
        let first = try train(), second = try train()
        #expect(first == second)
        var otherConfig = config(seed: 4)
        otherConfig.batchSize = 8
        let other = try Trainer(model: SiameseModel(config: otherConfig, vocabulary: vocabulary(size: data.vocabularySize)),
                                pairs: pairs)
        _ = other.trainEpoch()
        #expect(other.model.encoder.weights != first)
    }

    /// Input dropout draws its masks from the trainer's seeded stream: the same seed trains the same weights,
    /// and the masks change what is learned. At rate 0 no value is drawn, so training is exactly the course's.
    @Test func inputDropoutIsSeeded() throws {
        BLAS.setThreadCount(1)
        var data = SyntheticParaphrases(seed: 2)
        let pairs = data.duplicatePairs(40)
        func train(dropout: Float) throws -> EncoderWeights {
            var config = config()
            config.inputDropout = dropout
            let trainer = try Trainer(model: SiameseModel(config: config, vocabulary: vocabulary(size: data.vocabularySize)),
                                      pairs: pairs)
            _ = trainer.trainEpoch()
            return trainer.model.encoder.weights
        }
        let withDropout = try train(dropout: 0.3)
        #expect(try train(dropout: 0.3) == withDropout)
        #expect(try train(dropout: 0) != withDropout)
    }

    @Test func trainingLowersTheLossAndSeparatesDuplicates() throws {
        BLAS.setThreadCount(1)
        var data = SyntheticParaphrases(seed: 2)
        let pairs = data.duplicatePairs(400)
        let trainer = try Trainer(model: SiameseModel(config: config(), vocabulary: vocabulary(size: data.vocabularySize)),
                                  pairs: pairs)
        var losses: [Float] = []
        var reported = 0
        for _ in 0..<6 {
            losses.append(trainer.trainEpoch { _ in reported += 1 }.loss)
        }
        #expect(reported >= 6 * 45)  // ≈ 50 batches of 8 per epoch, ≈ 300 steps in all
        #expect(losses.last! < losses.first! * 0.5, "losses \(losses)")

        // Held-out questions: duplicates must score above non-duplicates.
        var heldOut = SyntheticParaphrases(seed: 99)
        var positives: [Float] = [], negatives: [Float] = []
        let encoder = trainer.model.encoder
        for i in 0..<60 {
            let intent = i % 12
            let a = heldOut.question(intent: intent), b = heldOut.question(intent: intent)
            let c = heldOut.question(intent: (intent + 1 + i % 11) % 12)
            let u = try encoder.encode([a, b, c])
            positives.append(VectorMath.dot(Array(u[0..<16]), Array(u[16..<32])))
            negatives.append(VectorMath.dot(Array(u[0..<16]), Array(u[32..<48])))
        }
        let auc = rocAUC(positives: positives, negatives: negatives)
        #expect(auc > 0.95, "held-out ROC-AUC \(auc)")
    }

    @Test func batchesNeverShareAQuestion() {
        // A~B, A~C, B~D, E~F, …: pairs sharing a question must land in different batches.
        let keys = [("A", "B"), ("A", "C"), ("B", "D"), ("E", "F"), ("G", "A"), ("H", "I"), ("J", "K"), ("C", "L")]
        let pairs = keys.map { TrainingPair(first: [2], second: [3], firstKey: $0.0, secondKey: $0.1) }
        let batches = PairBatcher.batches(pairs, shuffledOrder: Array(pairs.indices), batchSize: 4)
        for batch in batches {
            let batchKeys = batch.flatMap { [pairs[$0].firstKey, pairs[$0].secondKey] }
            #expect(Set(batchKeys).count == batchKeys.count, "batch \(batch) repeats a question")
            #expect(batch.count >= 2 && batch.count <= 4)
        }
        #expect(batches.flatMap { $0 }.count == pairs.count)
        #expect(batches == [[0, 3, 5, 6], [1, 2], [4, 7]])
    }

    @Test func aModelOfSeveralMembersIsTrainedMemberByMember() throws {
        var config = config()
        config.members = 2
        let model = SiameseModel(config: config, vocabulary: vocabulary(size: 10))
        let pairs = [TrainingPair(first: [2], second: [3], firstKey: "a", secondKey: "b"),
                     TrainingPair(first: [4], second: [5], firstKey: "c", secondKey: "d")]
        #expect(throws: TrainerError.severalMembers(2)) { try Trainer(model: model, pairs: pairs) }
        #expect("\(TrainerError.severalMembers(2))"
                == "a trainer trains one encoder, and this model has 2 members: train it with ModelTraining")
        _ = try Trainer(model: model.member(1), pairs: pairs)
    }

    @Test func rejectsTooFewPairsAndEmptyQuestions() throws {
        let model = SiameseModel(config: config(), vocabulary: vocabulary(size: 10))
        #expect(throws: TrainerError.tooFewPairs(1)) {
            try Trainer(model: model, pairs: [TrainingPair(first: [2], second: [3], firstKey: "a", secondKey: "b")])
        }
        #expect(throws: EncoderError.emptyQuestion(index: 1)) {
            try Trainer(model: model, pairs: [TrainingPair(first: [2], second: [3], firstKey: "a", secondKey: "b"),
                                              TrainingPair(first: [], second: [3], firstKey: "c", secondKey: "d")])
        }
    }
}

@Suite struct MetricsTests {
    @Test func rocAUCMatchesPairCounting() {
        var random = SeededGenerator(seed: 12)
        for _ in 0..<20 {
            // Coarse scores so that ties occur.
            let scores = (0..<40).map { _ in Float(Int(random.next() % 7)) / 7 }
            let labels = (0..<40).map { _ in random.next() % 2 == 0 }
            let positives = zip(scores, labels).filter { $0.1 }.map(\.0)
            let negatives = zip(scores, labels).filter { !$0.1 }.map(\.0)
            let expected = rocAUC(positives: positives, negatives: negatives)
            #expect(abs(Metrics.rocAUC(scores: scores, labels: labels)! - expected) < 1e-12)
        }
        #expect(Metrics.rocAUC(scores: [0.9, 0.1], labels: [true, false]) == 1)
        #expect(Metrics.rocAUC(scores: [0.1, 0.9], labels: [true, false]) == 0)
        #expect(Metrics.rocAUC(scores: [0.5, 0.5], labels: [true, true]) == nil)
    }
}

@Suite struct ThresholdTests {
    @Test func bestThresholdSeparatesAndSitsBetweenScores() throws {
        let result = try #require(Metrics.bestThreshold(scores: [0.9, 0.8, 0.4, 0.3, 0.75, 0.2],
                                                        labels: [true, true, false, false, true, false]))
        #expect(result.accuracy == 1)
        #expect(abs(result.threshold - 0.575) < 1e-6)
    }

    @Test func bestThresholdMaximizesAccuracyWithOverlap() throws {
        // Sorted: 0.9 T, 0.7 F, 0.6 T, 0.5 T, 0.1 F. Cut below 0.5: 4 of 5 right.
        let result = try #require(Metrics.bestThreshold(scores: [0.6, 0.9, 0.1, 0.7, 0.5],
                                                        labels: [true, true, false, false, true]))
        #expect(result.accuracy == 0.8)
        #expect(abs(result.threshold - 0.3) < 1e-6)
        #expect(Metrics.bestThreshold(scores: [], labels: []) == nil)
    }
}

/// Hard negatives: intents are (topic, ask) with two synonyms each; a labelled non-duplicate shares the
/// topic and differs in the ask ("How do I reset my password?" / "How do I change my password?"). With
/// many topics, the pairs of a batch almost never share one, and with four words for each ask the words in
/// the ask's place differ in most duplicate pairs: the triplet loss alone is best served by ignoring them.
/// Only the non-duplicates teach that the ask matters.
struct TopicsAndAsks {
    static let topics = 40, asks = 2, askSynonyms = 4
    static let vocabularySize = 2 + 6 + topics * 2 + asks * askSynonyms
    var random: SeededGenerator

    mutating func question(topic: Int, ask: Int) -> [Int32] {
        let filler = { (random: inout SeededGenerator) -> [Int32] in
            (0..<Int(random.next() % 2)).map { _ in Int32(2 + Int(random.next() % 6)) }
        }
        let topicWord = Int32(8 + topic * 2 + Int(random.next() % 2))
        let askWord = Int32(8 + Self.topics * 2 + ask * Self.askSynonyms + Int(random.next() % UInt64(Self.askSynonyms)))
        return filler(&random) + [askWord] + filler(&random) + [topicWord] + filler(&random)
    }

    mutating func pairs(_ count: Int) -> (duplicates: [TrainingPair], nonDuplicates: [TrainingPair]) {
        var duplicates: [TrainingPair] = [], nonDuplicates: [TrainingPair] = []
        for i in 0..<count {
            let topic = Int(random.next() % UInt64(Self.topics)), ask = Int(random.next() % UInt64(Self.asks))
            let a = question(topic: topic, ask: ask), b = question(topic: topic, ask: ask)
            duplicates.append(TrainingPair(first: a, second: b, firstKey: "d\(i)a", secondKey: "d\(i)b"))
            let c = question(topic: topic, ask: (ask + 1) % Self.asks)
            nonDuplicates.append(TrainingPair(first: a, second: c, firstKey: "n\(i)a", secondKey: "n\(i)c"))
        }
        return (duplicates, nonDuplicates)
    }
}

extension TrainerTests {
    /// Held-out ROC-AUC of duplicates against same-topic non-duplicates after training with `weight`.
    func hardNegativeAUC(nonDuplicateWeight weight: Float) throws -> Double {
        BLAS.setThreadCount(1)
        var data = TopicsAndAsks(random: SeededGenerator(seed: 5))
        let (duplicates, nonDuplicates) = data.pairs(600)
        var config = config()
        config.nonDuplicateWeight = weight
        let trainer = try Trainer(model: SiameseModel(config: config, vocabulary: vocabulary(size: TopicsAndAsks.vocabularySize)),
                                  pairs: duplicates, nonDuplicates: nonDuplicates)
        for _ in 0..<6 { _ = trainer.trainEpoch() }
        var heldOut = TopicsAndAsks(random: SeededGenerator(seed: 77))
        let (testDuplicates, testNonDuplicates) = heldOut.pairs(80)
        func scores(_ pairs: [TrainingPair]) throws -> [Float] {
            try pairs.map { pair in
                let u = try trainer.model.encoder.encode([pair.first, pair.second])
                return VectorMath.dot(Array(u[0..<16]), Array(u[16..<32]))
            }
        }
        return rocAUC(positives: try scores(testDuplicates), negatives: try scores(testNonDuplicates))
    }

    @Test func labelledNonDuplicatesSeparateSameTopicQuestions() throws {
        let without = try hardNegativeAUC(nonDuplicateWeight: 0), with = try hardNegativeAUC(nonDuplicateWeight: 1)
        #expect(with > without + 0.02, "held-out ROC-AUC against same-topic non-duplicates: \(with) with, \(without) without")
        #expect(with > 0.98, "held-out ROC-AUC \(with)")
    }
}
