// siamese-bench: the Swift side of the PyTorch comparison (see Benchmarks/README.md).
//
//   siamese-bench export-tokens --pairs quora/train.tsv --out tokens.txt [--seed 1] [--batch 256]
//   siamese-bench train  --tokens tokens.txt --threads N [--batch 256] [--steps S] [--warmup 3] [--directions 1|2] [--members M] [--json]
//   siamese-bench encode --tokens tokens.txt --threads N [--batch 256] [--directions 1|2] [--members M] [--json]
//   siamese-bench quality --train quora/train.tsv --dev quora/dev.tsv [--epochs 5] [--threads 2] [--seed 1]
//   siamese-bench scan-data / scan: the query hot path against numpy, faiss and sqlite-vec (ScanBenchmark.swift)
//   siamese-bench dedup-quality --db DB --pairs quora/dev.tsv: dedup clustering rules scored (DedupQualityBenchmark.swift)
//   siamese-bench dedup-data / dedup-scan: the dedup pair scan against numpy and faiss (DedupScanBenchmark.swift)
//   siamese-bench store-data / compact-load: a synthetic 1M index for `siamese query`, and the load of its compact
//     copy (CompactStoreBenchmark.swift)
//
// Both implementations read the same token file, so they see the same tokens and the same batches.
import Foundation
import SiameseNet
import QuestionIndex

struct BenchError: Error, CustomStringConvertible {
    let description: String
}

struct Options {
    var values: [String: String] = [:]
    var flags: Set<String> = []

    init(_ arguments: ArraySlice<String>) throws {
        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            guard argument.hasPrefix("--") else { throw BenchError(description: "unexpected argument \(argument)") }
            let name = String(argument.dropFirst(2))
            if name == "json" || name == "all" || name == "surface" { flags.insert(name); continue }
            guard let value = iterator.next() else { throw BenchError(description: "\(argument) needs a value") }
            values[name] = value
        }
    }

    func string(_ name: String) throws -> String {
        guard let value = values[name] else { throw BenchError(description: "--\(name) is required") }
        return value
    }

    func int(_ name: String, default defaultValue: Int? = nil) throws -> Int {
        guard let text = values[name] else {
            if let defaultValue { return defaultValue }
            throw BenchError(description: "--\(name) is required")
        }
        guard let value = Int(text) else { throw BenchError(description: "--\(name) must be an integer") }
        return value
    }

    func double(_ name: String, default defaultValue: Double) throws -> Double {
        guard let text = values[name] else { return defaultValue }
        guard let value = Double(text) else { throw BenchError(description: "--\(name) must be a number") }
        return value
    }
}

/// Peak resident set size of this process, in MiB.
func peakRSSMiB() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024  // KiB on Linux
}

/// The training set `siamese train` would build (vocabulary from every question, min count 1), written as
/// token ids in the order the trainer batches them (no two pairs of a batch share a question).
func exportTokens(_ options: Options) throws {
    let trainingSet = TrainingSet(pairs: try PairReader().read(options.string("pairs")).pairs, config: ModelConfig())
    let training = trainingSet.pairs
    var random = SeededGenerator(seed: UInt64(try options.int("seed", default: 1)))
    var order = Array(training.indices)
    random.shuffle(&order)
    let batches = PairBatcher.batches(training, shuffledOrder: order, batchSize: try options.int("batch", default: 256))
    var text = "\(trainingSet.vocabulary.count) \(batches.reduce(0) { $0 + $1.count })\n"
    for index in batches.joined() {
        let pair = training[index]
        text += pair.first.map(String.init).joined(separator: " ") + "\t"
            + pair.second.map(String.init).joined(separator: " ") + "\n"
    }
    try text.write(toFile: options.string("out"), atomically: true, encoding: .utf8)
    let tokens = training.reduce(0) { $0 + $1.first.count + $1.second.count }
    let meanLength = String(format: "%.1f", Double(tokens) / Double(2 * training.count))
    FileHandle.standardError.write(Data(
        "exported \(training.count) pairs, vocabulary \(trainingSet.vocabulary.count), mean length \(meanLength)\n".utf8))
}

/// Reads the token file: vocabulary size and pairs.
func readTokens(_ path: String) throws -> (vocabularySize: Int, pairs: [TrainingPair]) {
    let text = try String(contentsOfFile: path, encoding: .utf8)
    var lines = text.split(separator: "\n", omittingEmptySubsequences: true)[...]
    guard let header = lines.popFirst(), let vocabularySize = Int(header.split(separator: " ")[0]) else {
        throw BenchError(description: "\(path): bad header")
    }
    let pairs = try lines.enumerated().map { number, line in
        let sides = line.split(separator: "\t", omittingEmptySubsequences: false)
        guard sides.count == 2 else { throw BenchError(description: "\(path):\(number + 2): expected 2 fields") }
        let ids = sides.map { $0.split(separator: " ").compactMap { Int32($0) } }
        return TrainingPair(first: ids[0], second: ids[1], firstKey: "\(number)a", secondKey: "\(number)b")
    }
    return (vocabularySize, pairs)
}

/// The course model (`ModelConfig()`), with two LSTM directions of d/2 when `directions` is 2, and `members`
/// encoders of d/members side by side.
func model(vocabularySize: Int, batch: Int, directions: Int = 1, members: Int = 1) -> SiameseModel {
    var config = ModelConfig()
    config.batchSize = batch
    config.bidirectional = directions == 2
    config.members = members
    let vocabulary = Vocabulary(building: [(2..<vocabularySize).map { "t\($0)" }], minCount: 1)
    return SiameseModel(config: config, vocabulary: vocabulary)
}

func emit(_ fields: [String: Any], json: Bool) throws {
    if json {
        let data = try JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    } else {
        print(fields.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
    }
}

/// Trains on consecutive full batches of the token file (file order, like the PyTorch side).
func train(_ options: Options) throws {
    let threads = try options.int("threads", default: 1)
    BLAS.setThreadCount(threads)
    let batch = try options.int("batch", default: 256)
    let (vocabularySize, pairs) = try readTokens(options.string("tokens"))
    let fullBatches = pairs.count / batch
    guard fullBatches > 0 else { throw BenchError(description: "fewer pairs than one batch") }
    let steps = try options.int("steps", default: fullBatches)
    let warmup = try options.int("warmup", default: 3)
    let directions = try options.int("directions", default: 1)
    let members = try options.int("members", default: 1)
    // One trainer per member, each taking every batch, as `siamese train` does: with one thread the members in
    // turn, with more the members side by side, each on one thread with BLAS single-threaded.
    let whole = model(vocabularySize: vocabularySize, batch: batch, directions: directions, members: members)
    let trainers = try (0..<members).map { try Trainer(model: whole.member($0), pairs: pairs) }
    func indices(_ step: Int) -> [Int] { let b = step % fullBatches; return Array((b * batch)..<((b + 1) * batch)) }
    let sideBySide = members > 1 && threads > 1
    if sideBySide { BLAS.setThreadCount(1) }
    let losses = MemberLosses(count: members)
    func run(_ member: Int, _ range: Range<Int>) {
        for step in range { losses.set(member, trainers[member].trainStep(indices(step))) }
    }
    func runAll(_ range: Range<Int>) {
        if sideBySide {
            let run = UncheckedBox(value: run)
            DispatchQueue.concurrentPerform(iterations: members) { run.value($0, range) }
        } else {
            for step in range { for member in 0..<members { run(member, step..<(step + 1)) } }
        }
    }
    runAll(0..<warmup)
    let start = Date()
    runAll(warmup..<(warmup + steps))
    let seconds = Date().timeIntervalSince(start)
    let loss = losses.sum
    try emit(["impl": "swift", "mode": "train", "threads": threads, "directions": directions, "members": members,
              "pairs_per_s": Double(steps * batch) / seconds,
              "peak_rss_mib": peakRSSMiB(), "loss": Double(loss), "steps": steps, "seconds": seconds],
             json: options.flags.contains("json"))
}

/// Encodes every question of the token file (q1 and q2 of each pair, in order) in batches.
func encode(_ options: Options) throws {
    let threads = try options.int("threads", default: 1)
    BLAS.setThreadCount(threads)
    let batch = try options.int("batch", default: 256)
    let (vocabularySize, pairs) = try readTokens(options.string("tokens"))
    let questions = pairs.flatMap { [$0.first, $0.second] }
    let directions = try options.int("directions", default: 1)
    let members = try options.int("members", default: 1)
    let encoder = model(vocabularySize: vocabularySize, batch: batch, directions: directions, members: members)
    // Scratch buffers reused batch after batch, as `siamese index` does on each of its threads.
    let workspace = EncoderWorkspace()
    _ = try encoder.encode(ids: Array(questions.prefix(batch)), workspace: workspace)  // warm-up
    let start = Date()
    var checksum: Float = 0
    for first in stride(from: 0, to: questions.count, by: batch) {
        let vectors = try encoder.encode(ids: Array(questions[first..<min(first + batch, questions.count)]),
                                         workspace: workspace)
        checksum += vectors[0]
    }
    let seconds = Date().timeIntervalSince(start)
    try emit(["impl": "swift", "mode": "encode", "threads": threads, "directions": directions, "members": members,
              "questions_per_s": Double(questions.count) / seconds, "peak_rss_mib": peakRSSMiB(),
              "items": questions.count, "seconds": seconds, "checksum": Double(checksum)],
             json: options.flags.contains("json"))
}

/// Trains on the duplicates of a pair file and reports the dev set's ROC-AUC of cosine scores after every epoch.
func quality(_ options: Options) throws {
    BLAS.setThreadCount(try options.int("threads", default: 2))
    var config = ModelConfig()
    config.epochs = try options.int("epochs", default: 5)
    config.seed = UInt64(try options.int("seed", default: 1))
    config.minCount = try options.int("min-count", default: 1)
    let trainingSet = TrainingSet(pairs: try PairReader().read(options.string("train")).pairs, config: config)
    let dev = try PairReader().read(options.string("dev")).pairs
    let trainer = try Trainer(model: SiameseModel(config: config, vocabulary: trainingSet.vocabulary,
                                                  subwords: trainingSet.subwords),
                              pairs: trainingSet.pairs)
    FileHandle.standardError.write(Data("training on \(trainingSet.pairs.count) pairs, vocabulary \(trainingSet.vocabulary.count)\n".utf8))
    for _ in 0..<config.epochs {
        let summary = trainer.trainEpoch()
        var scores: [Float] = [], labels: [Bool] = []
        for pair in dev {
            guard let label = pair.isDuplicate,
                  let score = try? trainer.model.similarity(pair.question1, pair.question2) else { continue }
            scores.append(score)
            labels.append(label)
        }
        let auc = Metrics.rocAUC(scores: scores, labels: labels) ?? .nan
        try emit(["epoch": summary.epoch, "loss": Double(summary.loss), "pairs_per_s": summary.pairsPerSecond,
                  "dev_pairs": scores.count, "dev_roc_auc": auc], json: options.flags.contains("json"))
    }
}

let arguments = CommandLine.arguments
do {
    guard arguments.count >= 2 else { throw BenchError(description: "usage: siamese-bench export-tokens|train|encode|quality|scan-data|scan|dedup-quality|dedup-data|dedup-scan|store-data|compact-load …") }
    let options = try Options(arguments.dropFirst(2))
    switch arguments[1] {
    case "export-tokens": try exportTokens(options)
    case "train": try train(options)
    case "encode": try encode(options)
    case "quality": try quality(options)
    case "scan-data": try scanData(options)
    case "scan": try scan(options)
    case "dedup-quality": try dedupQuality(options)
    case "dedup-data": try dedupData(options)
    case "dedup-scan": try dedupScan(options)
    case "store-data": try storeData(options)
    case "compact-load": try compactLoad(options)
    default: throw BenchError(description: "unknown command \(arguments[1])")
    }
} catch {
    FileHandle.standardError.write(Data("siamese-bench: \(error)\n".utf8))
    exit(1)
}

/// Each member's last loss, written by the thread that trains it.
final class MemberLosses: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Float]
    init(count: Int) { values = Array(repeating: 0, count: count) }
    func set(_ member: Int, _ loss: Float) { lock.lock(); values[member] = loss; lock.unlock() }
    var sum: Float { lock.lock(); defer { lock.unlock() }; return values.reduce(0, +) }
}

/// A closure handed to `DispatchQueue.concurrentPerform`, whose threads touch disjoint members.
struct UncheckedBox<Value>: @unchecked Sendable {
    let value: Value
}
