import Foundation
import SiameseNet
import Testing
import ScanKernels
@testable import QuestionIndex

@Suite struct DeduplicationTests {
    /// Unit vectors in the plane at these angles (degrees), then one orthogonal to the plane; ids 10, 20, ….
    private func planeMatrix(_ degrees: [Double]) -> EmbeddingMatrix {
        var vectors: [Float] = []
        for angle in degrees {
            let radians = angle * .pi / 180
            vectors += [Float(cos(radians)), Float(sin(radians)), 0]
        }
        vectors += [0, 0, 1]
        return EmbeddingMatrix(dimension: 3, ids: (1...(degrees.count + 1)).map { Int64($0 * 10) }, vectors: vectors)
    }

    /// A chain A–B–C–D at 0°, 28°, 58°, 90°: neighbours score 0.883, 0.866, 0.848, the rest ≤ 0.53.
    private var chain: EmbeddingMatrix { planeMatrix([0, 28, 58, 90]) }

    private func memberSets(_ clusters: [DuplicateCluster]) -> [Set<Int64>] {
        clusters.map { Set($0.members.map(\.questionID)) }
    }

    @Test func theThreeRulesCutAChainDifferently() {
        let matrix = chain
        func clusters(_ rule: ClusteringRule) -> [Set<Int64>] {
            memberSets(Deduplication(threshold: 0.8, rule: rule).run(matrix).clusters)
        }
        // Single link chains everything; community takes B's neighbourhood (the largest proposal, before C's
        // of equal size) and leaves D alone; average link joins A+B and C+D, whose mean cross similarity is 0.47.
        #expect(clusters(.singleLink) == [[10, 20, 30, 40]])
        #expect(clusters(.community) == [[10, 20, 30]])
        #expect(clusters(.averageLink) == [[10, 20], [30, 40]])
        #expect(Deduplication(threshold: 0.8).run(matrix).pairs.count == 3)
    }

    @Test func aPairLimitStopsTheScanInsteadOfExhaustingMemory() {
        // 15 pairs ≥ 0.5 among the six plane vectors (the seventh row is orthogonal); 4 row blocks of 2: 10 products.
        let matrix = planeMatrix([0, 5, 10, 15, 20, 25])
        let finder = DuplicatePairFinder(threshold: 0.5, blockRows: 2)
        #expect(finder.pairs(in: matrix, limit: 15) == finder.pairs(in: matrix))
        #expect(finder.pairs(in: matrix).count == 15)
        var blocks = 0
        #expect(finder.pairs(in: matrix, limit: 14, progress: { _, _ in blocks += 1 }) == nil)
        #expect(blocks < 10, "the scan stops early: \(blocks) of 10 block products")
    }

    @Test func aClusterHasItsMostCentralMemberFirstAndItsLowestSimilarity() throws {
        let matrix = planeMatrix([0, 28, 58])
        let result = Deduplication(threshold: 0.8, rule: .singleLink).run(matrix)
        let cluster = try #require(result.clusters.first)
        #expect(result.clusters.count == 1)
        // Mean similarity to the others: A (0.883 + 0.530) / 2, B (0.883 + 0.866) / 2, C (0.530 + 0.866) / 2.
        #expect(cluster.representative.questionID == 20)
        #expect(cluster.members.map(\.questionID) == [20, 10, 30])
        #expect(abs(cluster.members[1].similarity - Float(cos(28 * Double.pi / 180))) < 1e-5)
        #expect(abs(cluster.members[2].similarity - Float(cos(30 * Double.pi / 180))) < 1e-5)
        let bMean = Float((cos(28 * Double.pi / 180) + cos(30 * Double.pi / 180)) / 2)
        #expect(abs(cluster.representative.meanSimilarity - bMean) < 1e-5)
        #expect(abs(cluster.lowestSimilarity - Float(cos(58 * Double.pi / 180))) < 1e-5)
    }

    @Test func clustersAreLargestFirstAndMinimumSizeFilters() {
        // Two groups: three close vectors around 0°, two around 90°; far apart from each other.
        let matrix = planeMatrix([0, 5, 10, 90, 95])
        let all = Deduplication(threshold: 0.9, rule: .averageLink).run(matrix).clusters
        #expect(memberSets(all) == [[10, 20, 30], [40, 50]])
        let large = Deduplication(threshold: 0.9, rule: .averageLink, minimumSize: 3).run(matrix).clusters
        #expect(memberSets(large) == [[10, 20, 30]])
    }

    /// Average link (UPGMA) the textbook way: the full similarity matrix, merging the pair of clusters of
    /// highest mean similarity while it is at least the threshold.
    private func naiveAverageLink(_ matrix: EmbeddingMatrix, threshold: Float) -> Set<Set<Int64>> {
        let d = matrix.dimension, n = matrix.count
        func dot(_ i: Int, _ j: Int) -> Double {
            (0..<d).reduce(0.0) { $0 + Double(matrix.vectors[i * d + $1]) * Double(matrix.vectors[j * d + $1]) }
        }
        let similarity = (0..<n).map { i in (0..<n).map { j in dot(i, j) } }
        var clusters = (0..<n).map { [$0] }
        while true {
            var best: (Double, Int, Int)?
            for a in 0..<clusters.count {
                for b in (a + 1)..<max(a + 1, clusters.count) {
                    var total = 0.0
                    for i in clusters[a] { for j in clusters[b] { total += similarity[i][j] } }
                    let mean = total / Double(clusters[a].count * clusters[b].count)
                    if mean >= Double(threshold), mean > (best?.0 ?? -2) { best = (mean, a, b) }
                }
            }
            guard let (_, a, b) = best else { break }
            clusters[a] += clusters[b]
            clusters.remove(at: b)
        }
        return Set(clusters.filter { $0.count >= 2 }.map { Set($0.map { matrix.ids[$0] }) })
    }

    @Test(arguments: [1, 2, 3] as [UInt64])
    func averageLinkFromPairsEqualsUPGMAOnTheFullMatrix(seed: UInt64) {
        var random = SeededGenerator(seed: seed)
        let d = 6, groups = 12
        // Groups of 1–5 noisy copies of random centres: near ties between groups and within them.
        var vectors: [Float] = []
        for _ in 0..<groups {
            let centre = randomUnitVectors(count: 1, dimension: d, using: &random)
            for _ in 0...(random.next() % 5) {
                var row = centre.map { $0 + 0.35 * random.nextGaussian() }
                let norm = row.reduce(0) { $0 + $1 * $1 }.squareRoot()
                row = row.map { $0 / norm }
                vectors += row
            }
        }
        let n = vectors.count / d
        let matrix = EmbeddingMatrix(dimension: d, ids: (0..<Int64(n)).map { 1000 - 3 * $0 }, vectors: vectors)
        for threshold: Float in [0.6, 0.75, 0.9] {
            let found = Set(memberSets(Deduplication(threshold: threshold, rule: .averageLink).run(matrix).clusters))
            #expect(found == naiveAverageLink(matrix, threshold: threshold), "threshold \(threshold)")
            // Not a trivial agreement: clusters of three or more form at the lower thresholds.
            if threshold < 0.9 { #expect(found.contains { $0.count >= 3 }, "threshold \(threshold): \(found)") }
        }
    }

    @Test func clusterAgreementCountsPairsAndBCubed() {
        // Predicted {0, 1, 2}; true {0, 1} and {2, 3}; item 4 alone in both.
        let predicted = ClusterAgreement.labels(clusters: [[0, 1, 2]], count: 5)
        let truth = ClusterAgreement.labels(clusters: [[0, 1], [2, 3]], count: 5)
        let agreement = ClusterAgreement(predicted: predicted, truth: truth)
        #expect(agreement.predictedPairs == 3 && agreement.truePairs == 2 && agreement.commonPairs == 1)
        #expect(abs(agreement.pairPrecision - 1.0 / 3) < 1e-12)
        #expect(abs(agreement.pairRecall - 0.5) < 1e-12)
        #expect(abs(agreement.pairF1 - 0.4) < 1e-12)
        let bCubedPrecision: Double = (2.0 / 3 + 2.0 / 3 + 1.0 / 3 + 1 + 1) / 5
        #expect(abs(agreement.bCubedPrecision - bCubedPrecision) < 1e-12)
        #expect(abs(agreement.bCubedRecall - 0.8) < 1e-12)
        #expect(agreement.largestCluster == 3 && agreement.clusterCount == 1)
    }

    @Test func groundTruthIsTheComponentsOfDuplicateRowsOverDistinctTexts() {
        let pairs = [
            QuestionPair(question1: "How old are you?", question2: "What is your age?", isDuplicate: true, line: 2),
            QuestionPair(question1: "what is your AGE", question2: "Your age, please?", isDuplicate: true, line: 3),
            QuestionPair(question1: "How old are you?", question2: "Where do you live?", isDuplicate: false, line: 4),
            QuestionPair(question1: "???", question2: "Where do you live?", isDuplicate: true, line: 5),
        ]
        let truth = DuplicateGroundTruth(pairs: pairs)
        #expect(truth.questions == ["How old are you?", "What is your age?", "Your age, please?", "Where do you live?"])
        #expect(truth.labels[0] == truth.labels[1] && truth.labels[1] == truth.labels[2])
        #expect(truth.labels[3] != truth.labels[0])
        #expect(truth.pairCount == 3 && truth.clusterCount == 1 && truth.largestCluster == 3)
        #expect(truth.clusteredQuestions == 3)
    }

    /// Unit rows in 12 groups of 1 to 6 noisy copies of a random centre, and each row's group.
    static func noisyGroups(seed: UInt64, dimension d: Int) -> (vectors: [Float], groups: [Int]) {
        var random = SeededGenerator(seed: seed)
        var vectors: [Float] = [], groups: [Int] = []
        for group in 0..<12 {
            let centre = randomUnitVectors(count: 1, dimension: d, using: &random)
            for _ in 0...(random.next() % 5) {
                var row = centre.map { $0 + 0.35 * random.nextGaussian() }
                let norm = row.reduce(0) { $0 + $1 * $1 }.squareRoot()
                row = row.map { $0 / norm }
                vectors += row
                groups.append(group)
            }
        }
        return (vectors, groups)
    }

    /// The sweep replays one agglomeration: the merges made down to 0.6 that score ≥ t are UPGMA at t.
    @Test(arguments: [4, 5] as [UInt64])
    func oneAgglomerationServesEveryHigherThreshold(seed: UInt64) {
        let d = 6
        let (vectors, _) = Self.noisyGroups(seed: seed, dimension: d)
        let n = vectors.count / d
        let matrix = EmbeddingMatrix(dimension: d, ids: (0..<Int64(n)).map { $0 + 1 }, vectors: vectors)
        let pairs = DuplicatePairFinder(threshold: 0.6).pairs(in: matrix).map { pair in
            PairClustering.RowPair(a: Int(pair.id1) - 1, b: Int(pair.id2) - 1, score: pair.score)
        }
        let merges = PairClustering(matrix: matrix, threshold: 0.6, pairs: pairs).averageLinkMerges()
        #expect(zip(merges, merges.dropFirst()).allSatisfy { $0.score >= $1.score }, "merge scores never rise")
        for threshold: Float in [0.6, 0.7, 0.8, 0.9] {
            var sets = RowUnionFind(count: n)
            for merge in merges where merge.score >= threshold { sets.join(merge.a, merge.b) }
            let replayed = Set(sets.groups().map { Set($0.map { Int64($0 + 1) }) })
            #expect(replayed == naiveAverageLink(matrix, threshold: threshold), "threshold \(threshold)")
        }
    }

    /// The sweep's single link joins the pairs once, walking the thresholds down: each point equals clustering
    /// at that threshold alone.
    @Test(arguments: [6, 7] as [UInt64])
    func singleLinkSweepEqualsClusteringAtEachThreshold(seed: UInt64) {
        let d = 6
        let (vectors, centres) = Self.noisyGroups(seed: seed, dimension: d)
        let n = centres.count
        let pairs = (0..<(n - 1)).map {
            QuestionPair(question1: "question \($0)", question2: "question \($0 + 1)",
                         isDuplicate: centres[$0] == centres[$0 + 1], line: $0 + 2)
        }
        let truth = DuplicateGroundTruth(pairs: pairs)
        let matrix = EmbeddingMatrix(dimension: d, ids: (0..<Int64(n)).map { $0 + 1 }, vectors: vectors)
        let sweep = DedupSweep(matrix: matrix, truth: truth, lowestThreshold: 0.5)
        let thresholds: [Float] = [0.9, 0.5, 0.75, 0.6, 0.7]
        let points = sweep.scores(rule: .singleLink, thresholds: thresholds)
        #expect(points.map(\.threshold) == thresholds)
        for point in points {
            let found = DuplicatePairFinder(threshold: point.threshold).pairs(in: matrix)
            let clusters = Deduplication(threshold: point.threshold, rule: .singleLink).rowClusters(of: found, in: matrix)
            let labels = ClusterAgreement.labels(clusters: clusters, count: n)
            #expect(point.agreement == ClusterAgreement(predicted: labels, truth: truth.labels), "threshold \(point.threshold)")
        }
        #expect(Set(points.map(\.agreement.clusterCount)).count > 1, "the thresholds cut differently")
    }

    @Test func theSweepPicksTheThresholdOfBestPairF1() throws {
        // True clusters {a, b} and {c, d}; vectors of the chain: a–b 0.883, b–c 0.866, c–d 0.848. Average link
        // finds both clusters at 0.8, only a+b at 0.85 and 0.87 (b cannot join: its mean with a+b is 0.70), none at 0.9.
        let pairs = [("a", "b", true), ("c", "d", true), ("a", "d", false)].enumerated().map { row, pair in
            QuestionPair(question1: pair.0, question2: pair.1, isDuplicate: pair.2, line: row + 2)
        }
        let truth = DuplicateGroundTruth(pairs: pairs)
        #expect(truth.questions == ["a", "b", "c", "d"])
        let matrix = planeMatrix([0, 28, 90, 58])  // rows at 0°, 28°, 90°, 58°: reordered to a, b, c, d below
        let reordered = EmbeddingMatrix(dimension: 3, ids: [1, 2, 3, 4],
                                        vectors: Array(matrix.vectors[0..<6]) + Array(matrix.vectors[9..<12])
                                            + Array(matrix.vectors[6..<9]))
        let sweep = DedupSweep(matrix: reordered, truth: truth, lowestThreshold: 0.8)
        let points = sweep.scores(rule: .averageLink, thresholds: [0.8, 0.85, 0.87, 0.9])
        let expected: [Double] = [1, 2.0 / 3, 2.0 / 3, 0]
        let f1s = points.map(\.agreement.pairF1)
        #expect(f1s == expected)
        #expect(DedupSweep.best(points)?.threshold == 0.8)
        let single = sweep.scores(rule: .singleLink, thresholds: [0.8])[0].agreement
        #expect(single.predictedPairs == 6 && single.commonPairs == 2)
    }

    @Test func calibrationPicksAGridThresholdAndStartsHigherWhenPairsWouldNotFit() throws {
        // 12 groups of three questions (a~b, b~c): 36 questions, 36 true same-cluster pairs.
        let topics = ["refund", "password", "shipping", "invoice", "account", "delivery", "coupon", "address",
                      "order", "login", "email", "payment"]
        var pairs: [QuestionPair] = []
        for (index, topic) in topics.enumerated() {
            let texts = ["how do i fix my \(topic)", "my \(topic) is broken", "\(topic) help please"]
            pairs.append(QuestionPair(question1: texts[0], question2: texts[1], isDuplicate: true, line: 3 * index + 2))
            pairs.append(QuestionPair(question1: texts[1], question2: texts[2], isDuplicate: true, line: 3 * index + 3))
        }
        let model = tinyModel(dimension: 4)
        let full = try #require(try DedupCalibration.calibrate(model: model, pairs: pairs, kind: "dev"))
        #expect(full.questions == 36 && full.largestTrueCluster == 3 && full.pairs == "dev" && full.rule == "average-link")
        #expect(DedupSweep.standardThresholds.contains(full.threshold))
        #expect(full.f1 == 2 * full.precision * full.recall / (full.precision + full.recall) || full.f1 == 0)

        // With fewer candidate pairs allowed than reach 0.50, the grid starts at 0.60 (or higher).
        let truth = DuplicateGroundTruth(pairs: pairs)
        let vectors = try model.encode(truth.questions)
        let matrix = EmbeddingMatrix(dimension: 4, ids: (1...36).map { Int64($0) }, vectors: vectors)
        let atHalf = DuplicatePairFinder(threshold: 0.5).pairs(in: matrix).count
        try #require(atHalf > 0)
        let limited = try #require(try DedupCalibration.calibrate(model: model, pairs: pairs, kind: "dev",
                                                                  pairLimit: atHalf - 1))
        #expect(limited.threshold >= 0.6)
        #expect(try DedupCalibration.calibrate(model: model, pairs: pairs, kind: "dev", pairLimit: 0) == nil)
        #expect(try DedupCalibration.calibrate(model: model, pairs: Array(pairs.prefix(4)), kind: "dev") == nil,
                "fewer than 20 true pairs")
    }

    @Test func calibrationKeepsAverageLinkUnlessAnotherRuleIsClearlyBetter() {
        typealias C = DedupCalibration
        #expect(C.chosenRule(f1: [:]) == nil)
        #expect(C.chosenRule(f1: [.singleLink: 0.5, .community: 0.6]) == .community)
        #expect(C.chosenRule(f1: [.singleLink: 0.659, .community: 0.613, .averageLink: 0.658]) == .averageLink)
        #expect(C.chosenRule(f1: [.singleLink: 0.667, .community: 0.6, .averageLink: 0.658]) == .averageLink)
        #expect(C.chosenRule(f1: [.singleLink: 0.706, .community: 0.657, .averageLink: 0.662]) == .singleLink)
        #expect(C.chosenRule(f1: [.singleLink: 0.7, .community: 0.7, .averageLink: 0.5]) == .singleLink)
    }

    @Test func dedupUsesTheCalibratedRuleAndEachRulesOwnThreshold() throws {
        try withStore { store, _ in
            var (id, _, calibration) = try saveEmbeddedTinyModel(in: store, texts: ["how old are you", "what is your age"])
            // A record from before rules were calibrated: one threshold, whatever the rule asked for.
            calibration.dedup = DedupThreshold(threshold: 0.81, rule: "average-link", pairs: "dev", questions: 40,
                                               precision: 0.5, recall: 0.6, f1: 0.545, largestCluster: 4,
                                               largestTrueCluster: 3)
            try store.updateCalibration(modelID: id, modelName: "faq", calibration)
            var dedup = try IndexDeduplication(store: store, modelName: "faq")
            #expect(try dedup.settings(threshold: nil, rule: nil) == (0.81, .averageLink, 0))
            #expect(try dedup.settings(threshold: nil, rule: .singleLink) == (0.81, .singleLink, 0))
            // Calibrated with every rule, single link chosen.
            calibration.dedup?.rule = "single-link"
            calibration.dedup?.threshold = 0.72
            calibration.dedup?.rules = [RuleThreshold(rule: "single-link", threshold: 0.72, f1: 0.7, largestCluster: 5),
                                        RuleThreshold(rule: "community", threshold: 0.65, f1: 0.6, largestCluster: 4),
                                        RuleThreshold(rule: "average-link", threshold: 0.57, f1: 0.66, largestCluster: 4)]
            try store.updateCalibration(modelID: id, modelName: "faq", calibration)
            #expect(try store.loadModel(name: "faq").calibration == calibration)
            dedup = try IndexDeduplication(store: store, modelName: "faq")
            #expect(try dedup.settings(threshold: nil, rule: nil) == (0.72, .singleLink, 0))
            #expect(try dedup.settings(threshold: nil, rule: .averageLink) == (0.57, .averageLink, 0))
            #expect(try dedup.settings(threshold: nil, rule: .community) == (0.65, .community, 0))
            #expect(try dedup.settings(threshold: 0.9, rule: nil) == (0.9, .singleLink, 0))
            #expect(throws: DedupError.invalidThreshold(2)) { try dedup.settings(threshold: 2, rule: nil) }
            // A compared rule's threshold is checked on writing like the record's own, and both on reading back.
            var bad = calibration
            bad.dedup?.rules?[2].threshold = 1.5
            #expect(throws: IndexError.invalidThreshold(1.5)) {
                try store.updateCalibration(modelID: id, modelName: "faq", bad)
            }
        }
    }

    @Test(arguments: [
        ("$.dedup.rule", "'nearest'",
         "its dedup calibration names the clustering rule \"nearest\", which this build does not know"),
        ("$.dedup.rules[1].rule", "'nearest'",
         "its dedup calibration names the clustering rule \"nearest\", which this build does not know"),
        ("$.dedup.threshold", "2.5", "its dedup threshold 2.5 is not a cosine in [-1, 1]"),
        ("$.dedup.rules[0].threshold", "-3", "its dedup threshold -3.0 is not a cosine in [-1, 1]"),
        ("$.dedup.keyword_weight", "0.95", "its dedup keyword weight 0.95 (single-link) is not in [0, 0.9], or not 0 for average link"),
        ("$.dedup.rules[1].keyword_weight", "0.2", "its dedup keyword weight 0.2 (average-link) is not in [0, 0.9], or not 0 for average link"),
        ("$.dedup.vocabulary_texts", "0", "its dedup calibration counts 0 vocabulary texts (at least 1)"),
        ("$.dedup.vocabulary_texts", "null", "its dedup calibration has a keyword weight but no vocabulary text count"),
    ])
    func aDedupCalibrationReadBackIsChecked(path field: String, value: String, reason: String) throws {
        try withStore { store, path in
            let record = TrainingEpochRecord(epoch: 1, loss: 0.5, pairsPerSecond: 100, seconds: 1)
            var calibration = ModelCalibration(pairs: "dev", source: "dev.tsv", pairCount: 10, accuracy: 0.7,
                                               keptEpoch: 1, selectedBy: "ROC-AUC", selectionValue: 0.8)
            calibration.dedup = DedupThreshold(threshold: 0.72, rule: "single-link", pairs: "dev", questions: 40,
                                               precision: 0.5, recall: 0.6, f1: 0.545, largestCluster: 4,
                                               largestTrueCluster: 3)
            calibration.dedup?.keywordWeight = 0.3
            calibration.dedup?.vocabularyTexts = 6
            calibration.dedup?.rules = [RuleThreshold(rule: "single-link", threshold: 0.72, f1: 0.7, largestCluster: 5,
                                                      keywordWeight: 0.3),
                                        RuleThreshold(rule: "average-link", threshold: 0.57, f1: 0.66, largestCluster: 4)]
            try store.saveEpoch(name: "faq", model: tinyModel(), epoch: record, threshold: 0.5, calibration: calibration)
            _ = try store.loadModel(name: "faq")
            try rawDatabase(path).write { db in
                try db.execute(sql: "UPDATE model SET calibration = json_set(calibration, '\(field)', \(value))")
            }
            #expect(throws: IndexError.corruptModel(path: path, model: "faq", reason: reason)) {
                try store.loadModel(name: "faq")
            }
        }
    }

    @Test func aCalibrationRecordWithoutADedupThresholdStillLoads() throws {
        try withStore { store, path in
            let record = TrainingEpochRecord(epoch: 1, loss: 0.5, pairsPerSecond: 100, seconds: 1)
            var calibration = ModelCalibration(pairs: "dev", source: "dev.tsv", pairCount: 10, accuracy: 0.7,
                                               keptEpoch: 1, selectedBy: "ROC-AUC", selectionValue: 0.8)
            let id = try store.saveEpoch(name: "faq", model: tinyModel(), epoch: record, threshold: 0.5,
                                         calibration: calibration)
            #expect(try store.loadModel(name: "faq").calibration?.dedupThreshold == nil)
            calibration.dedup = DedupThreshold(threshold: 0.81, rule: "average-link", pairs: "dev", questions: 40,
                                               precision: 0.5, recall: 0.6, f1: 0.545, largestCluster: 4,
                                               largestTrueCluster: 3)
            try store.updateCalibration(modelID: id, modelName: "faq", calibration)
            #expect(try store.loadModel(name: "faq").calibration == calibration)
            let json = try rawDatabase(path).read { db in try String.fetchOne(db, sql: "SELECT calibration FROM model") }
            #expect(json?.contains("\"dedup\":{") == true)
            calibration.dedup?.threshold = 1.5
            #expect(throws: IndexError.invalidThreshold(1.5)) {
                try store.updateCalibration(modelID: id, modelName: "faq", calibration)
            }
        }
    }
}

@Suite struct DedupRunStorageTests {
    @Test func aStoredRunReadsBackAsItWasAndLosesDeletedQuestions() throws {
        try withStore { store, path in
            let model = tinyModel()
            let modelID = try store.saveModel(name: "faq", model: model)
            let texts = ["how old are you", "what is your age", "your age please", "where do you live", "where is your home"]
            let ids = try store.addQuestions(texts.map { ($0, nil) }, source: "test").added
            try store.storeEmbeddings(modelID: modelID, questionIDs: ids, vectors: model.encode(texts))
            let matrix = try store.embeddingMatrix(modelID: modelID)
            let dedup = Deduplication(threshold: -1, rule: .singleLink)  // everything in one cluster
            let result = dedup.run(matrix)
            try #require(result.clusters.count == 1 && result.clusters[0].count == 5)
            let runID = try store.saveDedupRun(modelID: modelID, deduplication: dedup, result: result)
            let run = try #require(try store.dedupRun(id: runID))
            #expect(run.clusters == result.clusters)
            #expect(run.modelID == modelID && run.modelName == "faq" && run.threshold == -1 && run.rule == "single-link")
            #expect(run.minimumSize == 2 && run.questionCount == 5 && run.pairCount == 10)
            #expect(try store.dedupRun(id: runID + 1) == nil)

            let removed = result.clusters[0].members[1].questionID
            try rawDatabase(path).write { db in
                try db.execute(sql: "PRAGMA foreign_keys = ON")
                try db.execute(sql: "DELETE FROM question WHERE id = ?", arguments: [removed])
            }
            let after = try #require(try store.dedupRun(id: runID))
            #expect(after.clusters[0].members.map(\.questionID) == result.clusters[0].members.map(\.questionID).filter { $0 != removed })
            try store.deleteModel(name: "faq")
            #expect(try store.dedupRun(id: runID)?.modelID == nil)
        }
    }
}

/// The all-pairs scan (`DuplicatePairFinder`: int8 first pass, exact re-score) against a brute force over every
/// pair with the same exact dot product, on each kernel path the CPU has.
@Suite struct DuplicatePairScanTests {
    /// Seeded unit rows, some of them noisy copies of others, and pairs planted at the threshold ± a few ulps.
    private func plantedMatrix(rows: Int, dimension d: Int, threshold: Float, seed: UInt64) -> EmbeddingMatrix {
        var generator = SeededGenerator(seed: seed)
        func unit(_ v: [Float]) -> [Float] {
            let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            return v.map { $0 / norm }
        }
        var vectors: [[Float]] = (0..<rows).map { _ in unit((0..<d).map { _ in generator.nextGaussian() }) }
        for r in stride(from: 1, to: rows, by: 7) {  // noisy copies: cosines around 0.9–0.99
            let source = vectors[Int(generator.next() % UInt64(r))]
            let noise = Float(0.05 + 0.3 * Double(generator.next() % 100) / 100)
            vectors[r] = unit(zip(source, (0..<d).map { _ in generator.nextGaussian() }).map { $0 + noise * $1 / Float(d).squareRoot() * 3 })
        }
        // cos·v + sin·u with u ⟂ v: exactly at the threshold, then one ulp of the angle either side.
        for (index, r) in stride(from: 3, to: rows, by: 11).enumerated() {
            let v = vectors[r - 1]
            var u = (0..<d).map { _ in generator.nextGaussian() }
            let along = zip(u, v).reduce(0) { $0 + $1.0 * $1.1 }
            u = unit(zip(u, v).map { $0 - along * $1 })
            let angle = acos(Double(threshold)) + Double(index % 3 - 1) * 1e-7
            vectors[r] = unit(zip(v, u).map { Float(cos(angle)) * $0 + Float(sin(angle)) * $1 })
        }
        return EmbeddingMatrix(dimension: d, ids: (0..<rows).map { Int64($0 * 3 + 1) }, vectors: vectors.flatMap { $0 })
    }

    @Test(arguments: [(rows: 300, d: 128), (rows: 257, d: 37), (rows: 70, d: 3), (rows: 33, d: 16)])
    func everyPathFindsExactlyTheBruteForcePairs(shape: (rows: Int, d: Int)) {
        for threshold: Float in [0.9, 0.5, 0.97] {
            let matrix = plantedMatrix(rows: shape.rows, dimension: shape.d, threshold: threshold, seed: UInt64(shape.d))
            let expected = bruteForcePairs(in: matrix, threshold: threshold)
            #expect(!expected.isEmpty)
            for path in ScanPath.available {
                for (blockRows, workers) in [(1024, 1), (64, 2), (17, 3)] {
                    var finder = DuplicatePairFinder(threshold: threshold, blockRows: blockRows, workers: workers)
                    finder.path = path
                    let found = finder.pairs(in: matrix)
                    #expect(found == expected, "\(path), d \(shape.d), t \(threshold), blocks \(blockRows) × \(workers)")
                }
            }
        }
    }

    /// The planted pairs sit within 1e-7 of the threshold's angle: the bound must keep those at or above it.
    @Test func pairsAtTheThresholdAreKept() {
        let threshold: Float = 0.9
        let matrix = plantedMatrix(rows: 200, dimension: 128, threshold: threshold, seed: 5)
        let expected = bruteForcePairs(in: matrix, threshold: threshold)
        let near = expected.filter { $0.score < threshold + 1e-6 }
        #expect(near.count >= 3, "planted pairs at the threshold: \(near.count)")
        #expect(DuplicatePairFinder(threshold: threshold).pairs(in: matrix) == expected)
    }
}
