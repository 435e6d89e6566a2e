import Foundation
import SiameseNet
import Testing
import ScanKernels
@testable import QuestionIndex

/// Dedup's keyword term: TF-IDF vectors weighted by the model's vocabulary counts, the exact scan with a
/// lowered cosine bound, the sweep and calibration of the weight, and how a stored weight is used and checked.
@Suite struct KeywordDedupTests {
    /// A vocabulary counted over `texts` (one token list per text).
    private func vocabulary(_ texts: [String]) -> Vocabulary {
        Vocabulary(building: texts.map { $0.split(separator: " ").map(String.init) })
    }

    @Test func wordsWeighByTheModelsCountsAndUnseenWordsWeighMost() throws {
        // Counted over 4 texts: "how" 3 times, "learn" 2, "python" 1; "java" never.
        let reference = KeywordReference(vocabulary: vocabulary(["how learn python", "how learn", "how", "cook"]),
                                         textCount: 4)
        #expect(abs(reference.idf("how") - log(5 / 3.5)) < 1e-12)
        #expect(abs(reference.idf("python") - log(5 / 1.5)) < 1e-12)
        #expect(abs(reference.idf("java") - log(5 / 0.5)) < 1e-12)
        let texts = ["how learn python", "how learn java", "python python how learn", "cook", "", "how learn python"]
        let vectors = KeywordVectors(normalized: texts, reference: reference)
        #expect(vectors.count == 6)
        // One text against itself, and against the same words: 1; no shared word: 0; a text without words: 0.
        #expect(abs(vectors.similarity(0, 0) - 1) < 1e-6)
        #expect(abs(vectors.similarity(0, 5) - 1) < 1e-6)
        #expect(vectors.similarity(0, 3) == 0 && vectors.similarity(4, 0) == 0 && vectors.similarity(4, 4) == 0)
        // By hand: weights (1 + ln tf) · idf, each text's vector at unit length.
        let how = log(5 / 3.5), learn = log(5 / 2.5), python = log(5 / 1.5), java = log(5 / 0.5)
        let first = [how, learn, python], second = [how, learn, java]
        func norm(_ v: [Double]) -> Double { v.reduce(0) { $0 + $1 * $1 }.squareRoot() }
        let expected = (how * how + learn * learn) / (norm(first) * norm(second))
        #expect(abs(Double(vectors.similarity(0, 1)) - expected) < 1e-6)
        #expect(vectors.similarity(0, 1) == vectors.similarity(1, 0))
        let repeated = [how, learn, (1 + log(2.0)) * python]
        let expectedRepeat = (how * how + learn * learn + (1 + log(2.0)) * python * python) / (norm(first) * norm(repeated))
        #expect(abs(Double(vectors.similarity(0, 2)) - expectedRepeat) < 1e-6)
        // The unseen word weighs most: "python" vs "java" questions share less than their common words suggest.
        #expect(vectors.similarity(0, 1) < 0.5)
    }

    @Test func theCosineBoundKeepsEveryPairThatCanReachTheThreshold() {
        #expect(KeywordWeighting(weight: 0).cosineBound(for: 0.8) == 0.8)
        let weighting = KeywordWeighting(weight: 0.3)
        let bound = weighting.cosineBound(for: 0.7)
        #expect(abs(bound - (0.7 - 0.3) / 0.7) < 2e-5 && bound < (0.7 - 0.3) / 0.7)
        // A pair at the bound with every word shared scores the threshold (up to rounding).
        #expect(weighting.score(cosine: (0.7 - 0.3) / 0.7, keyword: 1) >= 0.7 - 1e-6)
        #expect(KeywordWeighting(weight: 0.9).cosineBound(for: -1) == -1)
    }

    /// Seeded unit rows with noisy copies, and texts whose words overlap by group, some pairs sharing most words.
    private func rowsAndTexts(rows: Int, dimension d: Int, seed: UInt64) -> (EmbeddingMatrix, [String], KeywordReference) {
        var generator = SeededGenerator(seed: seed)
        func unit(_ v: [Float]) -> [Float] {
            let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            return v.map { $0 / norm }
        }
        var vectors: [[Float]] = []
        var texts: [String] = []
        let words = ["how", "do", "i", "learn", "python", "java", "cook", "rice", "fast", "best", "way", "to", "zorp"]
        for r in 0..<rows {
            if r > 0 && r % 3 == 0 {
                let source = vectors[r - 1]
                vectors.append(unit(source.map { $0 + 0.4 * generator.nextGaussian() / Float(d).squareRoot() }))
            } else {
                vectors.append(unit((0..<d).map { _ in generator.nextGaussian() }))
            }
            let count = 2 + Int(generator.next() % 4)
            texts.append((0..<count).map { _ in words[Int(generator.next() % UInt64(words.count))] }.joined(separator: " "))
        }
        let matrix = EmbeddingMatrix(dimension: d, ids: (0..<rows).map { Int64($0 * 2 + 1) }, vectors: vectors.flatMap { $0 })
        let reference = KeywordReference(vocabulary: vocabulary(Array(texts.prefix(rows / 2))), textCount: rows / 2)
        return (matrix, texts, reference)
    }

    @Test(arguments: [(weight: Float(0.3), threshold: Float(0.6)), (weight: 0.5, threshold: 0.7), (weight: 0.1, threshold: 0.8)])
    func aKeywordWeightFindsExactlyTheBruteForcePairs(setting: (weight: Float, threshold: Float)) {
        let (matrix, texts, reference) = rowsAndTexts(rows: 120, dimension: 16, seed: 11)
        let keywords = KeywordVectors(normalized: texts, reference: reference)
        let weighting = KeywordWeighting(weight: setting.weight)
        let expected = bruteForcePairs(in: matrix, threshold: setting.threshold) { i, j, cosine in
            weighting.score(cosine: cosine, keyword: keywords.similarity(i, j))
        }
        #expect(!expected.isEmpty)
        // Some of them are below the threshold in cosine: found only because the scan went down to the bound.
        let cosineOnly = Set(Deduplication(threshold: setting.threshold, rule: .singleLink).pairs(in: matrix)
            .map { [$0.id1, $0.id2] })
        if setting.weight >= 0.3 { #expect(expected.contains { !cosineOnly.contains([$0.id1, $0.id2]) }) }
        for workers in [1, 2] {
            let dedup = Deduplication(threshold: setting.threshold, rule: .singleLink, keywordWeight: setting.weight,
                                      blockRows: 32, workers: workers)
            #expect(dedup.pairs(in: matrix, keywords: keywords) == expected, "\(workers) workers")
            // Pairs are scored as the scan finds them: a limit counts those kept, not all above the cosine bound.
            let aboveBound = DuplicatePairFinder(threshold: weighting.cosineBound(for: setting.threshold)).pairs(in: matrix)
            #expect(aboveBound.count > expected.count)
            #expect(dedup.scoredPairs(in: matrix, keywords: keywords, limit: expected.count) == expected)
            #expect(dedup.scoredPairs(in: matrix, keywords: keywords, limit: expected.count - 1) == nil)
            let result = dedup.run(matrix, keywords: keywords)
            // Clusters are the components of exactly those pairs.
            var sets = RowUnionFind(count: matrix.count)
            let rowOf = Dictionary(uniqueKeysWithValues: matrix.ids.enumerated().map { ($1, $0) })
            for pair in expected { sets.join(rowOf[pair.id1]!, rowOf[pair.id2]!) }
            let components = Set(sets.groups().filter { $0.count >= 2 }.map { Set($0.map { matrix.ids[$0] }) })
            #expect(Set(result.clusters.map { Set($0.members.map(\.questionID)) }) == components)
        }
    }

    /// With a keyword weight, the sweep scores each threshold as deduplicating at it does, and leaves out the
    /// thresholds whose cosine bound is below what it scanned.
    @Test func theSweepWithAKeywordWeightEqualsDeduplicatingAtEachThreshold() {
        let (matrix, texts, reference) = rowsAndTexts(rows: 90, dimension: 8, seed: 12)
        let pairs = (0..<(matrix.count - 1)).map {
            QuestionPair(question1: texts[$0] + " q\($0)", question2: texts[$0 + 1] + " q\($0 + 1)",
                         isDuplicate: ($0 + 1) % 3 == 0, line: $0 + 2)
        }
        let truth = DuplicateGroundTruth(pairs: pairs)
        #expect(truth.questions.count == matrix.count)
        let ordered = EmbeddingMatrix(dimension: matrix.dimension, ids: (1...Int64(matrix.count)).map { $0 },
                                      vectors: matrix.vectors)
        let sweep = DedupSweep(matrix: ordered, truth: truth, lowestThreshold: 0.4, keywordReference: reference)
        let keywords = KeywordVectors(normalized: truth.normalized, reference: reference)
        let thresholds: [Float] = [0.5, 0.6, 0.7, 0.8, 0.9]
        let points = sweep.scores(rule: .singleLink, thresholds: thresholds, keywordWeight: 0.4)
        // Weight 0.4 covers thresholds from 0.4 + 0.6 · 0.4 = 0.64.
        #expect(points.map(\.threshold) == [0.7, 0.8, 0.9])
        for point in points {
            let dedup = Deduplication(threshold: point.threshold, rule: .singleLink, keywordWeight: 0.4)
            let clusters = dedup.rowClusters(of: dedup.pairs(in: ordered, keywords: keywords), in: ordered)
            let labels = ClusterAgreement.labels(clusters: clusters, count: ordered.count)
            #expect(point.agreement == ClusterAgreement(predicted: labels, truth: truth.labels), "threshold \(point.threshold)")
        }
    }

    /// Questions whose vectors say nothing (all near one direction) but whose duplicates share their rare word:
    /// the calibration finds that the keyword term helps, and records the weight with each rule.
    @Test func calibrationWeighsKeywordsWhenTheyHelp() throws {
        let topics = ["refund", "password", "shipping", "invoice", "account", "delivery", "coupon", "address",
                      "order", "login", "email", "payment"]
        let templates = ["how do i fix my", "what is wrong with my", "please help with the"]
        var pairs: [QuestionPair] = []
        for (index, topic) in topics.enumerated() {
            let texts = templates.map { "\($0) \(topic)" }
            pairs.append(QuestionPair(question1: texts[0], question2: texts[1], isDuplicate: true, line: 3 * index + 2))
            pairs.append(QuestionPair(question1: texts[1], question2: texts[2], isDuplicate: true, line: 3 * index + 3))
        }
        let truth = DuplicateGroundTruth(pairs: pairs)
        try #require(truth.questions.count == 36 && truth.pairCount == 36)
        // Every vector a common direction plus noise: cosines 0.6 ± 0.05 whether duplicates or not.
        var generator = SeededGenerator(seed: 3)
        let d = 64
        var vectors: [Float] = []
        for _ in 0..<36 {
            var row = (0..<d).map { _ in 0.8 * generator.nextGaussian() / Float(d).squareRoot() }
            row[0] += 1
            let norm = row.reduce(0) { $0 + $1 * $1 }.squareRoot()
            vectors += row.map { $0 / norm }
        }
        let matrix = EmbeddingMatrix(dimension: d, ids: (1...36).map { Int64($0) }, vectors: vectors)
        let reference = KeywordReference(vocabulary: vocabulary(truth.normalized), textCount: 36)
        func calibrate(_ rule: ClusteringRule?, _ reference: KeywordReference?) throws -> DedupThreshold {
            try #require(DedupCalibration.calibrate(matrix: matrix, truth: truth, kind: "dev", rule: rule,
                                                    keywordReference: reference, pairLimit: .max))
        }
        let cosineOnly = try calibrate(.singleLink, nil)
        #expect(cosineOnly.keywordWeight == nil)
        let withKeywords = try calibrate(.singleLink, reference)
        let weight = try #require(withKeywords.keywordWeight)
        #expect(DedupCalibration.keywordWeights.contains(weight) && weight > 0)
        #expect(withKeywords.f1 > cosineOnly.f1 + 0.3, "\(withKeywords.f1) against \(cosineOnly.f1)")
        // Average link merges by cosines: never a keyword weight.
        #expect(try calibrate(.averageLink, reference).keywordWeight == nil)
        // Compared rules: each records its own weight, and the chosen one is the record's.
        let all = try calibrate(nil, reference)
        #expect(all.rule == "single-link" && all.keywordWeight == weight)
        #expect(all.rules?.first { $0.rule == "average-link" }?.keywordWeight == nil)
        #expect(all.rules?.first { $0.rule == "single-link" }?.keywordWeight == weight)
        // Through a model: the record keeps the text count its word weights came from.
        let model = tinyModel(dimension: 4)
        let viaModel = try #require(try DedupCalibration.calibrate(model: model, pairs: pairs, kind: "dev",
                                                                   vocabularyTexts: 6))
        #expect(viaModel.vocabularyTexts == 6)
        #expect(try DedupCalibration.calibrate(model: model, pairs: pairs, kind: "dev")?.vocabularyTexts == nil)
    }

    @Test func dedupUsesTheStoredWeightOfItsRule() throws {
        try withStore { store, path in
            var (id, _, calibration) = try saveEmbeddedTinyModel(
                in: store, texts: ["how do i reset my password", "reset my password", "how to cook rice", "cook rice fast"])
            // Calibrated before keyword weights: cosines only, and an explicit weight is refused.
            calibration.dedup = DedupThreshold(threshold: 0.72, rule: "single-link", pairs: "dev", questions: 40,
                                               precision: 0.5, recall: 0.6, f1: 0.545, largestCluster: 4,
                                               largestTrueCluster: 3)
            try store.updateCalibration(modelID: id, modelName: "faq", calibration)
            var dedup = try IndexDeduplication(store: store, modelName: "faq")
            #expect(dedup.keywordReference == nil)
            #expect(try dedup.settings(threshold: nil, rule: nil) == (0.72, .singleLink, 0))
            #expect(throws: DedupError.noKeywordReference(path: path, model: "faq")) {
                try dedup.settings(threshold: nil, rule: nil, keywordWeight: 0.3)
            }
            #expect(throws: DedupError.noKeywordReference(path: path, model: "faq")) {
                try dedup.run(Deduplication(threshold: 0.7, rule: .singleLink, keywordWeight: 0.3))
            }
            // Calibrated with them: single link with 0.3, average link with none.
            calibration.dedup?.keywordWeight = 0.3
            calibration.dedup?.vocabularyTexts = 6
            calibration.dedup?.rules = [
                RuleThreshold(rule: "single-link", threshold: 0.72, f1: 0.7, largestCluster: 5, keywordWeight: 0.3),
                RuleThreshold(rule: "community", threshold: 0.66, f1: 0.6, largestCluster: 4, keywordWeight: 0.2),
                RuleThreshold(rule: "average-link", threshold: 0.57, f1: 0.66, largestCluster: 4)]
            try store.updateCalibration(modelID: id, modelName: "faq", calibration)
            #expect(try store.loadModel(name: "faq").calibration == calibration)
            dedup = try IndexDeduplication(store: store, modelName: "faq")
            #expect(dedup.keywordReference?.textCount == 6)
            #expect(try dedup.settings(threshold: nil, rule: nil) == (0.72, .singleLink, 0.3))
            #expect(try dedup.settings(threshold: nil, rule: .community) == (0.66, .community, 0.2))
            #expect(try dedup.settings(threshold: nil, rule: .averageLink) == (0.57, .averageLink, 0))
            #expect(try dedup.settings(threshold: 0.9, rule: nil, keywordWeight: 0) == (0.9, .singleLink, 0))
            #expect(throws: DedupError.invalidKeywordWeight(0.3, rule: .averageLink)) {
                try dedup.settings(threshold: nil, rule: .averageLink, keywordWeight: 0.3)
            }
            #expect(throws: DedupError.invalidKeywordWeight(0.95, rule: .singleLink)) {
                try dedup.settings(threshold: nil, rule: nil, keywordWeight: 0.95)
            }
            // The run's pairs are scored with the keyword term: the two password questions share most words.
            let run = try dedup.run(Deduplication(threshold: 0.5, rule: .singleLink, keywordWeight: 0.3))
            #expect(run.keywordWeight == 0.3)
            let matrix = dedup.matrix
            let keywords = KeywordVectors(normalized: try store.normalizedTexts(ids: matrix.ids),
                                          reference: try #require(dedup.keywordReference))
            let expected = Deduplication(threshold: 0.5, rule: .singleLink, keywordWeight: 0.3)
                .pairs(in: matrix, keywords: keywords)
            #expect(run.result.pairs == expected)
        }
    }

    @Test func aStoredRunKeepsItsKeywordWeight() throws {
        try withStore { store, path in
            let model = tinyModel()
            let modelID = try store.saveModel(name: "faq", model: model)
            let texts = ["how old are you", "what is your age", "your age please"]
            let ids = try store.addQuestions(texts.map { ($0, nil) }, source: "test").added
            try store.storeEmbeddings(modelID: modelID, questionIDs: ids, vectors: model.encode(texts))
            let matrix = try store.embeddingMatrix(modelID: modelID)
            let reference = KeywordReference(vocabulary: model.vocabulary, textCount: 3)
            let keywords = KeywordVectors(normalized: try store.normalizedTexts(ids: matrix.ids), reference: reference)
            let dedup = Deduplication(threshold: -1, rule: .singleLink, keywordWeight: 0.25)
            let result = dedup.run(matrix, keywords: keywords)
            let runID = try store.saveDedupRun(modelID: modelID, deduplication: dedup, result: result)
            #expect(try store.dedupRun(id: runID)?.keywordWeight == 0.25)
            // A run stored before migration 0015 reads back with weight 0.
            try rawDatabase(path).write { db in try db.execute(sql: "UPDATE dedup_run SET keyword_weight = 0") }
            #expect(try store.dedupRun(id: runID)?.keywordWeight == 0)
        }
    }
}
