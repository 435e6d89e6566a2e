import SiameseNet

extension ModelTraining {
    /// After training: calibrates the kept model's dedup threshold on the validation pairs' questions (else
    /// the training pairs', optimistic) and stores it in the model's calibration record. The outcome is
    /// returned with it; unchanged when there is no calibration record or too few duplicates to calibrate on.
    /// - Parameter vocabularyTexts: the texts the vocabulary was counted over (`TrainingSet.vocabularyTexts`).
    func calibratingDedupThreshold(_ outcome: Outcome, store: QuestionStore, vocabularyTexts: Int) throws -> Outcome {
        guard var calibration = outcome.calibration else { return outcome }
        let (pairs, kind) = validationPairs.isEmpty ? (calibrationPairs, "training")
            : (validationPairs, validationSource.kind)
        guard let dedup = try DedupCalibration.calibrate(model: outcome.model, pairs: pairs, kind: kind,
                                                         workers: workers, vocabularyTexts: max(1, vocabularyTexts))
        else { return outcome }
        calibration.dedup = dedup
        try store.updateCalibration(modelID: outcome.modelID, modelName: modelName, calibration)
        var result = outcome
        result.calibration = calibration
        return result
    }
}
