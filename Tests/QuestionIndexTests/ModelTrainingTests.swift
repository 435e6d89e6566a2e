import Foundation
import Testing
import SiameseNet
@testable import QuestionIndex

@Suite struct ModelTrainingTests {
    /// Labelled pairs over topics: duplicates share a topic word, non-duplicates do not.
    func pairs(seed: UInt64, count: Int) -> [QuestionPair] {
        var random = SeededGenerator(seed: seed)
        let topics = ["refund", "password", "shipping", "invoice", "account", "delivery", "coupon", "address"]
        let openings = ["how do i", "can i", "where can i", "is it possible to", "what if i"]
        let verbs = ["get", "change", "find", "check", "fix", "see"]
        func question(_ topic: String) -> String {
            let opening = openings[Int(random.next() % UInt64(openings.count))]
            let verb = verbs[Int(random.next() % UInt64(verbs.count))]
            return "\(opening) \(verb) my \(topic) \(random.next() % 50)?"
        }
        return (0..<count).map { row in
            let topic = topics[Int(random.next() % UInt64(topics.count))]
            let duplicate = row % 2 == 0
            let other = duplicate ? topic : topics[(topics.firstIndex(of: topic)! + 1) % topics.count]
            return QuestionPair(question1: question(topic), question2: question(other), isDuplicate: duplicate,
                                line: row + 2)
        }
    }

    @Test func theStoredModelIsTheEpochOfBestValidationROCAUC() throws {
        try withStore { store, _ in
            BLAS.setThreadCount(1)
            var config = ModelConfig()
            config.dimension = 8
            config.batchSize = 16
            config.epochs = 6
            config.learningRate = 0.05  // fast and noisy: the validation curve goes down as well as up
            let training = pairs(seed: 1, count: 240), validation = pairs(seed: 2, count: 80)
            let set = TrainingSet(pairs: training, config: config)
            var kept: [Bool] = []
            let outcome = try ModelTraining(modelName: "m", config: config, validationPairs: validation,
                                            validationSource: ("held-out", "test pairs"))
                .run(store: store, trainingSet: set, epochFinished: { _, isKept in kept.append(isKept) })
            let aucs = outcome.epochs.compactMap(\.validationAUC)
            try #require(aucs.count == 6)
            // Saved exactly when better than every earlier epoch; the kept one is the first best.
            for i in 1..<6 { #expect(kept[i] == (aucs[i] > aucs[..<i].max()!), "\(aucs) \(kept)") }
            #expect(outcome.keptEpoch == aucs.firstIndex(of: aucs.max()!)! + 1)
            let stored = try store.loadModel(name: "m")
            #expect(stored.model.encoder.weights == outcome.model.encoder.weights)
            #expect(stored.epochs.count == 6)
            #expect(stored.calibration?.keptEpoch == outcome.keptEpoch)
            #expect(stored.calibration?.selectionValue == aucs.max())
            #expect(stored.calibration?.pairs == "held-out" && stored.calibration?.pairCount == 80)
            #expect(stored.threshold == outcome.threshold)
            #expect(kept.contains(false), "this run should have an epoch that is not kept: \(aucs)")
        }
    }

    /// With one worker the members train one after the other; with two, side by side on two threads (each with
    /// BLAS single-threaded): either way each is what its configuration trains alone.
    @Test(arguments: [1, 2])
    func membersTrainSideBySideAndEachIsTheModelItsOwnConfigTrains(workers: Int) throws {
        try withStore { store, _ in
            BLAS.setThreadCount(1)
            var config = ModelConfig()
            config.dimension = 8
            config.members = 2
            config.batchSize = 16
            config.epochs = 2
            let training = pairs(seed: 1, count: 160), validation = pairs(seed: 2, count: 60)
            let set = TrainingSet(pairs: training, config: config)
            var steps: [(Int, Int)] = []
            let outcome = try ModelTraining(modelName: "m", config: config, validationPairs: validation,
                                            validationSource: ("held-out", "test pairs"), workers: workers)
                .run(store: store, trainingSet: set, progress: { steps.append(($0.step, $0.steps)) })
            let stored = try store.loadModel(name: "m")
            #expect(stored.model.config.members == 2)
            #expect(stored.model.tensors == outcome.model.tensors)
            // Progress counts both members' batches in one epoch: the second member's go on from the first's.
            #expect(steps.map(\.0).max()! > steps[0].1 / 2)

            // Each member is exactly what training its own configuration alone gives, epoch for epoch.
            for index in 0..<2 {
                let alone = try Trainer(model: SiameseModel(config: config, vocabulary: set.vocabulary).member(index),
                                        pairs: set.pairs)
                for _ in 1...outcome.keptEpoch { _ = alone.trainEpoch() }
                #expect(alone.model.encoder.weights == stored.model.encoders[index].weights)
            }
        }
    }

    @Test func aDivergedMemberIsNamedByItsStoredWeight() {
        var config = ModelConfig()
        config.dimension = 8
        config.members = 2
        var model = SiameseModel(config: config, vocabulary: Vocabulary(building: [["how", "old", "are", "you"]]))
        #expect(ModelTraining.divergence(loss: 0.5, model: model) == nil)
        #expect(ModelTraining.divergence(loss: .infinity, model: model) == "its loss is inf")
        model.encoders[1].weights.bias[3] = .nan
        #expect(ModelTraining.divergence(loss: 0.5, model: model) == "weight \"member1.lstm.bias\" is no longer finite")
    }

    @Test func aCalibrationRecordThatIsNotOneIsACorruptModel() throws {
        try withStore { store, path in
            let record = TrainingEpochRecord(epoch: 1, loss: 0.5, pairsPerSecond: 100, seconds: 1)
            let calibration = ModelCalibration(pairs: "dev", source: "dev.tsv", pairCount: 10, accuracy: 0.7,
                                               keptEpoch: 1, selectedBy: "ROC-AUC", selectionValue: 0.8)
            try store.saveEpoch(name: "faq", model: tinyModel(), epoch: record, threshold: 0.5, calibration: calibration)
            #expect(try store.loadModel(name: "faq").calibration == calibration)
            #expect(try store.modelSummaries().first?.calibration == calibration)
            try rawDatabase(path).write { db in try db.execute(sql: "UPDATE model SET calibration = '{\"rule\": 3}'") }
            #expect {
                try store.loadModel(name: "faq")
            } throws: { error in
                guard case IndexError.corruptModel(path, "faq", let reason) = error else { return false }
                return reason.hasPrefix("its calibration record is not valid for this build")
            }
            #expect(throws: IndexError.self) { try store.modelSummaries() }
        }
    }
}
