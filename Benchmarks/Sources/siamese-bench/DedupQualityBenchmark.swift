// siamese-bench dedup-quality: the clustering rules of `siamese dedup` scored against true duplicate clusters.
//
//   siamese-bench dedup-quality --db quora-dev.sqlite --pairs quora/dev.tsv [--model NAME] [--all]
//                               [--train quora/train.tsv [--seed S] [--surface]]
//
// The index must hold every question of --pairs, embedded with the model (`siamese index --db DB dev.tsv`).
// For each rule (single link, community, average link) and each threshold 0.50…0.99, the clusters of the
// stored vectors of those questions are scored against the connected components of the pairs labelled
// duplicate: pairwise precision/recall/F1, B-cubed F1, largest cluster. Prints each rule's best threshold
// (by pair F1), and with --all every threshold. With --train, also the honest protocol: each rule's threshold
// calibrated as `siamese train` does (best pair F1 on the questions of the seeded, question-disjoint 10% of
// the training file that training held out, with the model's seed S, default 1), then scored on --pairs.
// Single link and community are also scored with each keyword weight (`DedupCalibration.keywordWeights`), whose
// word weights are the model's (its calibration's vocabulary text count, else 2 per training row of the split).
// --surface prints single link's pair F1 at every keyword weight and threshold up to 0.85, on the held-out
// questions the calibration sees and on those of --pairs: how far apart the two optima are.
import Foundation
import QuestionIndex
import SiameseNet

func dedupQuality(_ options: Options) throws {
    let start = Date()
    let truth = DuplicateGroundTruth(pairs: try PairReader().read(options.string("pairs")).pairs)
    let store = try QuestionStore(path: options.string("db"), mode: .readOnly)
    let model = try store.loadModel(name: options.values["model"])
    let stored = try store.embeddingMatrix(modelID: model.id)
    // The stored rows of the truth's questions, in the truth's order (matched by normalized text).
    let tokenizer = Tokenizer()
    let texts = try store.questionText(ids: stored.ids)
    var rowOfNormalized: [String: Int] = [:]
    for (row, id) in stored.ids.enumerated() {
        if let text = texts[id] { rowOfNormalized[tokenizer.normalized(text)] = row }
    }
    let d = stored.dimension
    var vectors: [Float] = []
    vectors.reserveCapacity(truth.questions.count * d)
    for (index, key) in truth.normalized.enumerated() {
        guard let row = rowOfNormalized[key] else {
            throw BenchError(description: "question \"\(truth.questions[index])\" is not indexed with model \"\(model.name)\"")
        }
        vectors += stored.vectors[(row * d)..<((row + 1) * d)]
    }
    let matrix = EmbeddingMatrix(dimension: d, ids: truth.questions.indices.map { Int64($0 + 1) }, vectors: vectors)
    let thresholds = DedupSweep.standardThresholds
    // The held-out split training made (its seed is the model's), and the keyword term's word weights: the
    // model's vocabulary counts over the texts its calibration recorded, else over the split's training rows.
    let seed = UInt64(try options.int("seed", default: 1))
    if options.flags.contains("surface") && options.values["train"] == nil {
        throw BenchError(description: "--surface needs --train: it compares the held-out questions with those of --pairs")
    }
    let split = try options.values["train"].map { train in
        guard let split = ValidationSplit(pairs: try PairReader().read(train).pairs, fraction: 0.1, seed: seed) else {
            throw BenchError(description: "\(train) has no held-out split")
        }
        return split
    }
    let vocabularyTexts = model.calibration?.dedup?.vocabularyTexts ?? split.map { 2 * $0.training.count }
    let reference = vocabularyTexts.map { KeywordReference(vocabulary: model.model.vocabulary, textCount: $0) }
    // Scanned 0.1 lower than the grid so that keyword weights up to 0.5 are scored from 0.70 (DedupCalibration).
    let sweep = DedupSweep(matrix: matrix, truth: truth, lowestThreshold: thresholds[0] - 0.1,
                           keywordReference: reference)
    print("\(truth.questions.count) questions; true clusters: \(truth.clusterCount) covering \(truth.clusteredQuestions) "
        + "questions, \(truth.pairCount) same-cluster pairs, largest \(truth.largestCluster)")
    if let stored = model.calibration?.dedup {
        print("model \"\(model.name)\": stored dedup threshold \(String(format: "%.2f", stored.threshold)), \(stored.rule)"
            + (stored.keywordWeight.map { String(format: ", keyword weight %.2f", Double($0)) } ?? ""))
    }
    let header = "rule        kw  threshold  pair P  pair R  pair F1  B³ P    B³ R    B³ F1   clusters  largest"
    func row(_ rule: ClusteringRule, _ point: DedupSweep.Point, weight: Float = 0) -> String {
        let a = point.agreement
        return rule.rawValue.padding(toLength: 13, withPad: " ", startingAt: 0) + String(format: "%.1f", Double(weight))
            + String(format: "  %9.2f  %6.3f  %6.3f  %7.3f  %6.3f  %6.3f  %6.3f  %8d  %7d", point.threshold,
                     a.pairPrecision, a.pairRecall, a.pairF1, a.bCubedPrecision, a.bCubedRecall, a.bCubedF1,
                     a.clusterCount, a.largestCluster)
    }
    var best: [(ClusteringRule, DedupSweep.Point, Float)] = []
    for rule in ClusteringRule.allCases {
        let ruleStart = Date()
        let points = sweep.scores(rule: rule, thresholds: thresholds)
        if options.flags.contains("all") {
            print(header)
            for point in points { print(row(rule, point)) }
        }
        if let top = DedupSweep.best(points) { best.append((rule, top, 0)) }
        if rule != .averageLink && reference != nil {
            for weight in DedupCalibration.keywordWeights where weight > 0 {
                if let top = DedupSweep.best(sweep.scores(rule: rule, thresholds: thresholds, keywordWeight: weight)) {
                    best.append((rule, top, weight))
                }
            }
        }
        FileHandle.standardError.write(Data(String(format: "%@: %.1f s for %d thresholds\n", rule.rawValue,
                                                   Date().timeIntervalSince(ruleStart), thresholds.count).utf8))
        // At the model's own threshold for the rule, with its keyword weight (a record from before rules were
        // calibrated has one threshold for every rule).
        if let stored = model.calibration?.dedup {
            let weight = reference == nil ? 0 : stored.keywordWeight(for: rule)
            if let point = sweep.scores(rule: rule, thresholds: [stored.threshold(for: rule) ?? stored.threshold],
                                        keywordWeight: weight).first {
                best.append((rule, point, weight))
            }
        }
    }
    if let train = options.values["train"], let split {
        print("calibrated on the questions of the held-out 10% of \(train) (seed \(seed)), scored here:")
        print(header + "  held-out F1")
        for rule in ClusteringRule.allCases {
            let calibrationStart = Date()
            guard let calibrated = try DedupCalibration.calibrate(model: model.model, pairs: split.validation,
                                                                  kind: "held-out", rule: rule, workers: 1,
                                                                  vocabularyTexts: vocabularyTexts)
            else { continue }
            FileHandle.standardError.write(Data(String(format: "%@: calibrated on %d held-out questions in %.1f s\n",
                                                       rule.rawValue, calibrated.questions,
                                                       Date().timeIntervalSince(calibrationStart)).utf8))
            let weight = calibrated.keywordWeight ?? 0
            let point = sweep.scores(rule: rule, thresholds: [calibrated.threshold], keywordWeight: weight)[0]
            print(row(rule, point, weight: weight) + String(format: "  %11.3f", calibrated.f1))
        }
    }
    if options.flags.contains("surface"), let split, let reference {
        // Single link's pair F1 at each keyword weight and threshold, on the held-out questions (what the
        // calibration sees) beside the questions of --pairs: how flat the optimum is, and whether the two agree.
        let heldOut = DuplicateGroundTruth(pairs: split.validation)
        let heldOutVectors = try model.model.encode(heldOut.questions, batchSize: 256, workers: 1)
        let heldOutSweep = DedupSweep(
            matrix: EmbeddingMatrix(dimension: d, ids: heldOut.questions.indices.map { Int64($0 + 1) },
                                    vectors: heldOutVectors),
            truth: heldOut, lowestThreshold: thresholds[0] - 0.1, keywordReference: reference)
        let weights = DedupCalibration.keywordWeights
        for (name, surfaceSweep) in [("held-out", heldOutSweep), ("scored", sweep)] {
            print("single link pair F1 on the \(name) questions; columns: keyword weight "
                + weights.map { String(format: "%.1f", Double($0)) }.joined(separator: " "))
            let columns = weights.map { weight in
                Dictionary(uniqueKeysWithValues: surfaceSweep.scores(rule: .singleLink, thresholds: thresholds,
                                                                     keywordWeight: weight)
                    .map { ($0.threshold, $0.agreement.pairF1) })
            }
            for threshold in thresholds where threshold <= 0.85 {
                print(String(format: "%.2f ", Double(threshold))
                    + columns.map { $0[threshold].map { String(format: "%.3f", $0) } ?? "  -  " }.joined(separator: " "))
            }
        }
    }
    print("best threshold of each rule (and keyword weight) by pair F1"
        + (model.calibration?.dedup == nil ? ":" : ", then at the model's calibrated threshold for the rule:"))
    print(header)
    for (rule, point, weight) in best { print(row(rule, point, weight: weight)) }
    print(String(format: "%.1f s in all", Date().timeIntervalSince(start)))
}
