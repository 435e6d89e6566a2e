import Foundation

/// The question encoder: Embedding → LSTM → mean over the real tokens → L2 normalize.
///
/// One `Encoder` serves both questions of a pair (shared weights). `encode` is the inference path and
/// allocates no gradient state; `forward` + `backward` are the training path.
package struct Encoder: Sendable {
    package var weights: EncoderWeights

    package init(weights: EncoderWeights) { self.weights = weights }

    package var dimension: Int { weights.dimension }
    package var vocabularySize: Int { weights.vocabularySize }

    /// Unit vectors for a batch of token-id sequences, in input order.
    /// - Returns: [count, d] row-major; each row has L2 norm 1, so a dot product of two rows is their cosine.
    /// - Throws: `EncoderError.emptyQuestion` for a sequence with no tokens, `.tokenOutOfRange` for a bad id.
    /// - Complexity: O(total tokens · d²), the packed LSTM's cost; no work on padding.
    /// - Parameter workspace: scratch buffers, reused by a caller that encodes batch after batch on one thread
    ///   (fresh pages for every batch cost a fifth of the encoding time).
    package func encode(_ sequences: [[Int32]], workspace: EncoderWorkspace = EncoderWorkspace()) throws -> [Float] {
        guard !sequences.isEmpty else { return [] }
        let batch = try PackedBatch(sequences, vocabularySize: vocabularySize)
        return forward(batch, workspace: workspace).unitVectorsInInputOrder()
    }

    /// Unit vectors for a batch of questions with sub-words, in input order (see `TokenizedQuestion` for the
    /// input vector of each token).
    /// - Throws: as `encode(_: [[Int32]])`, and `.subwordOutOfRange` for a bad sub-word id.
    package func encode(_ questions: [TokenizedQuestion], workspace: EncoderWorkspace = EncoderWorkspace()) throws
        -> [Float] {
        guard !questions.isEmpty else { return [] }
        let batch = try PackedBatch(questions, vocabularySize: vocabularySize, subwordCount: weights.subwordCount)
        return forward(batch, workspace: workspace).unitVectorsInInputOrder()
    }

    /// Writes the input vector of every packed row into `inputs` ([rows, d]).
    private func embed(_ batch: PackedBatch, into inputs: UnsafeMutablePointer<Float>) {
        let d = dimension, rows = batch.totalRows
        weights.embedding.withPointer { embedding in
            guard batch.hasSubwords else {
                for r in 0..<rows {
                    (inputs + r * d).update(from: embedding + Int(batch.tokens[r]) * d, count: d)
                }
                return
            }
            weights.subwordEmbedding.withPointer { subwordEmbedding in
                for r in 0..<rows {
                    let x = inputs + r * d, word = batch.tokens[r]
                    let first = Int(batch.subwordOffsets[r]), end = Int(batch.subwordOffsets[r + 1])
                    guard first < end else {
                        x.update(from: embedding + Int(word) * d, count: d)
                        continue
                    }
                    // An out-of-vocabulary word with known sub-words is their mean alone (no <UNK> row).
                    let withWord = word != Vocabulary.unknownID
                    if withWord {
                        x.update(from: embedding + Int(word) * d, count: d)
                    } else {
                        x.update(from: subwordEmbedding + Int(batch.subwords[first]) * d, count: d)
                    }
                    for j in (withWord ? first : first + 1)..<end {
                        let row = subwordEmbedding + Int(batch.subwords[j]) * d
                        for k in 0..<d { x[k] += row[k] }
                    }
                    let scale = 1 / Float(end - first + (withWord ? 1 : 0))
                    for k in 0..<d { x[k] *= scale }
                }
            }
        }
    }

    /// Runs the encoder and keeps every activation the backward pass needs, in `workspace`'s buffers.
    /// - Parameter inputDropout: in training, the rate p at which each value of a token's input vector is zeroed
    ///   (the others scaled by 1/(1−p)), and the seed of the mask; nil at inference.
    func forward(_ batch: PackedBatch, workspace: EncoderWorkspace = EncoderWorkspace(),
                 inputDropout: (rate: Float, seed: UInt64)? = nil) -> EncoderActivations {
        let act = EncoderActivations(batch: batch, dimension: dimension, hiddenSize: weights.hiddenSize,
                                     bidirectional: weights.bidirectional, workspace: workspace)
        embed(batch, into: act.inputs.pointer)
        if let inputDropout, inputDropout.rate > 0 {
            var generator = SeededGenerator(seed: inputDropout.seed)
            act.applyInputDropout(rate: inputDropout.rate, generator: &generator)
        }
        runLSTM(batch, inputs: act.inputs.pointer, weights.inputWeights, weights.recurrentWeights, weights.bias,
                state: workspace.forwardLSTM)
        if weights.bidirectional {
            // The reverse direction is the same packed LSTM over each question read backwards: reversed, a
            // question of length L still runs at steps 0..<L, so the packing is the same, only the rows move.
            let d = dimension, reversed = act.reversedInputs.pointer, inputs = act.inputs.pointer
            for (row, target) in act.reversedRows.enumerated() {
                (reversed + target * d).update(from: inputs + row * d, count: d)
            }
            runLSTM(batch, inputs: reversed, weights.reverseInputWeights, weights.reverseRecurrentWeights,
                    weights.reverseBias, state: workspace.reverseLSTM)
        }
        act.poolAndNormalize()
        return act
    }

    /// One LSTM direction over the packed rows of `inputs` ([rows, d]), into `state`'s gates, cells and hidden states.
    private func runLSTM(_ batch: PackedBatch, inputs: UnsafePointer<Float>, _ inputWeights: [Float],
                         _ recurrentWeights: [Float], _ bias: [Float], state: LSTMState) {
        let d = dimension, h = weights.hiddenSize, g4 = 4 * h, rows = batch.totalRows
        let z = state.gates.pointer, c = state.cells.pointer, tc = state.cellTanh.pointer, hidden = state.hidden.pointer
        inputWeights.withPointer { wx in
            bias.withPointer { bias in
                for r in 0..<rows { (z + r * g4).update(from: bias, count: g4) }
                // Input projection of every time step at once.
                BLAS.gemm(m: rows, n: g4, k: d, inputs, wx, beta: 1, z)
            }
        }
        recurrentWeights.withPointer { wh in
            for t in 0..<batch.steps {
                let size = batch.stepSizes[t], off = batch.rowOffsets[t]
                let prev = t > 0 ? batch.rowOffsets[t - 1] : 0
                if t > 0 {
                    BLAS.gemm(m: size, n: g4, k: h, hidden + prev * h, wh, beta: 1, z + off * g4)
                }
                for j in 0..<size {
                    let row = off + j
                    LSTMKernels.forwardRow(z: z + row * g4, cPrev: t > 0 ? UnsafePointer(c + (prev + j) * h) : nil,
                                           c: c + row * h, cTanh: tc + row * h, h: hidden + row * h, d: h)
                }
            }
        }
    }

    /// Accumulates (`+=`) into `gradients` the gradient of a scalar loss whose gradient with respect to
    /// the unit vectors of `activations` is `unitGradients` ([count, d], input order).
    func backward(_ act: EncoderActivations, unitGradients: [Float], into gradients: inout EncoderWeights) {
        let d = dimension, h = weights.hiddenSize
        let batch = act.batch, n = batch.count, rows = batch.totalRows
        precondition(unitGradients.count == n * d)
        // Through the normalization and the masked mean: gradient of the mean of each sequence, sorted order.
        let work = act.workspace
        let meanGrad = work.meanGradient
        meanGrad.resize(to: n * d, zeroed: false)
        unitGradients.withPointer { du in
            for p in 0..<n {
                let src = du + batch.order[p] * d
                let u = act.units.pointer + p * d, dm = meanGrad.pointer + p * d
                var dot: Float = 0
                for k in 0..<d { dot += u[k] * src[k] }
                let scale = 1 / (act.norms.pointer[p] * Float(batch.lengths[p]))
                for k in 0..<d { dm[k] = (src[k] - u[k] * dot) * scale }
            }
        }
        let dx = work.inputGradient
        dx.resize(to: rows * d, zeroed: false)
        backwardLSTM(batch, inputs: act.inputs.pointer, meanGradient: meanGrad.pointer, state: work.forwardLSTM,
                     inputWeights: weights.inputWeights, recurrentWeights: weights.recurrentWeights,
                     inputWeightGradient: &gradients.inputWeights,
                     recurrentWeightGradient: &gradients.recurrentWeights, biasGradient: &gradients.bias,
                     inputGradient: dx.pointer)
        if weights.bidirectional {
            let dxReversed = work.reversedInputGradient
            dxReversed.resize(to: rows * d, zeroed: false)
            backwardLSTM(batch, inputs: act.reversedInputs.pointer, meanGradient: meanGrad.pointer + h,
                         state: work.reverseLSTM, inputWeights: weights.reverseInputWeights,
                         recurrentWeights: weights.reverseRecurrentWeights,
                         inputWeightGradient: &gradients.reverseInputWeights,
                         recurrentWeightGradient: &gradients.reverseRecurrentWeights,
                         biasGradient: &gradients.reverseBias, inputGradient: dxReversed.pointer)
            for (row, source) in act.reversedRows.enumerated() {
                let target = dx.pointer + row * d, from = dxReversed.pointer + source * d
                for k in 0..<d { target[k] += from[k] }
            }
        }
        if act.hasInputDropout {
            let mask = work.inputDropoutMask.pointer
            for i in 0..<(rows * d) { dx.pointer[i] *= mask[i] }
        }
        scatter(batch, inputGradient: dx.pointer, into: &gradients)
    }

    /// Backpropagation through time of one direction: accumulates its weight gradients and writes the gradient
    /// of its input rows ([rows, d], in the direction's row order) to `inputGradient`.
    /// - Parameter meanGradient: the gradient of this direction's part of each mean: H values at a stride of d.
    private func backwardLSTM(_ batch: PackedBatch, inputs: UnsafePointer<Float>, meanGradient: UnsafePointer<Float>,
                              state: LSTMState, inputWeights: [Float], recurrentWeights: [Float],
                              inputWeightGradient: inout [Float], recurrentWeightGradient: inout [Float],
                              biasGradient: inout [Float], inputGradient: UnsafeMutablePointer<Float>) {
        let d = dimension, h = weights.hiddenSize, g4 = 4 * h
        let n = batch.count, rows = batch.totalRows
        let dz = state.gateGradient, dhRec = state.hiddenGradient, dcRec = state.cellGradient
        dz.resize(to: rows * g4, zeroed: false)  // every row is written below
        dhRec.resize(to: n * h, zeroed: true)
        dcRec.resize(to: n * h, zeroed: true)
        let z = state.gates.pointer, c = state.cells.pointer, tc = state.cellTanh.pointer
        recurrentWeights.withPointer { wh in
            for t in stride(from: batch.steps - 1, through: 0, by: -1) {
                let size = batch.stepSizes[t], off = batch.rowOffsets[t]
                let prev = t > 0 ? batch.rowOffsets[t - 1] : 0
                for j in 0..<size {
                    let row = off + j
                    LSTMKernels.backwardRow(gates: z + row * g4, cTanh: tc + row * h,
                                            cPrev: t > 0 ? UnsafePointer(c + (prev + j) * h) : nil,
                                            dhRecurrent: dhRec.pointer + j * h, dhMean: meanGradient + j * d,
                                            dc: dcRec.pointer + j * h, dz: dz.pointer + row * g4, d: h)
                }
                if t > 0 {
                    BLAS.gemm(transposeB: true, m: size, n: h, k: g4, dz.pointer + off * g4, wh, dhRec.pointer)
                }
            }
        }
        // Parameter gradients: one GEMM each for the input side, one per step for the recurrent side.
        inputWeightGradient.withMutablePointer { dwx in
            BLAS.gemm(transposeA: true, m: d, n: g4, k: rows, inputs, dz.pointer, beta: 1, dwx)
        }
        recurrentWeightGradient.withMutablePointer { dwh in
            for t in 1..<max(batch.steps, 1) {
                let size = batch.stepSizes[t]
                BLAS.gemm(transposeA: true, m: h, n: g4, k: size,
                          state.hidden.pointer + batch.rowOffsets[t - 1] * h, lda: h,
                          dz.pointer + batch.rowOffsets[t] * g4, beta: 1, dwh)
            }
        }
        biasGradient.withMutablePointer { db in
            for r in 0..<rows {
                let dzr = dz.pointer + r * g4
                for k in 0..<g4 { db[k] += dzr[k] }
            }
        }
        inputWeights.withPointer { wx in
            BLAS.gemm(transposeB: true, m: rows, n: d, k: g4, dz.pointer, wx, inputGradient)
        }
    }

    /// Adds each packed row's input gradient to the embedding rows its input vector was made of.
    private func scatter(_ batch: PackedBatch, inputGradient dx: UnsafePointer<Float>, into gradients: inout EncoderWeights) {
        let d = dimension, rows = batch.totalRows
        guard batch.hasSubwords else {
            gradients.embedding.withMutablePointer { de in
                for r in 0..<rows {
                    let target = de + Int(batch.tokens[r]) * d, source = dx + r * d
                    for k in 0..<d { target[k] += source[k] }
                }
            }
            return
        }
        // Scatter each row's input gradient to the rows its input vector averaged.
        gradients.embedding.withMutablePointer { de in
            gradients.subwordEmbedding.withMutablePointer { ds in
                for r in 0..<rows {
                    let source = dx + r * d, word = batch.tokens[r]
                    let first = Int(batch.subwordOffsets[r]), end = Int(batch.subwordOffsets[r + 1])
                    guard first < end else {
                        let target = de + Int(word) * d
                        for k in 0..<d { target[k] += source[k] }
                        continue
                    }
                    let withWord = word != Vocabulary.unknownID
                    let scale = 1 / Float(end - first + (withWord ? 1 : 0))
                    if withWord {
                        let target = de + Int(word) * d
                        for k in 0..<d { target[k] += scale * source[k] }
                    }
                    for j in first..<end {
                        let target = ds + Int(batch.subwords[j]) * d
                        for k in 0..<d { target[k] += scale * source[k] }
                    }
                }
            }
        }
    }
}

/// Everything one forward pass computed, in packed (sorted) order.
final class EncoderActivations: @unchecked Sendable {
    let batch: PackedBatch
    let dimension: Int
    /// H, the hidden width of one direction.
    let hiddenSize: Int
    let bidirectional: Bool
    /// `reversedRows[r]`: the row of packed row r's token in the reverse direction's layout; empty when the
    /// encoder has one direction.
    let reversedRows: [Int]
    let workspace: EncoderWorkspace
    var inputs: FloatBuffer { workspace.inputs }      // [rows, d] embedded tokens
    var reversedInputs: FloatBuffer { workspace.reversedInputs }  // [rows, d] in the reverse direction's order
    var norms: FloatBuffer { workspace.norms }        // [count] L2 norm of each mean
    var units: FloatBuffer { workspace.units }        // [count, d] normalized means
    /// The LSTM directions' buffers, forward first.
    var directions: [LSTMState] {
        bidirectional ? [workspace.forwardLSTM, workspace.reverseLSTM] : [workspace.forwardLSTM]
    }
    /// Whether `inputs` were multiplied by `workspace.inputDropoutMask`.
    private(set) var hasInputDropout = false

    /// Sizes the workspace's buffers for `batch`; every one is fully written by the forward pass except
    /// `units`, which accumulates and starts at zero.
    init(batch: PackedBatch, dimension d: Int, hiddenSize h: Int, bidirectional: Bool, workspace: EncoderWorkspace) {
        self.batch = batch
        dimension = d
        hiddenSize = h
        self.bidirectional = bidirectional
        reversedRows = bidirectional ? batch.reversedRows() : []
        self.workspace = workspace
        let rows = batch.totalRows
        workspace.inputs.resize(to: rows * d, zeroed: false)
        for state in directions {
            for buffer in [state.cells, state.cellTanh, state.hidden] { buffer.resize(to: rows * h, zeroed: false) }
            state.gates.resize(to: rows * 4 * h, zeroed: false)
        }
        if bidirectional { workspace.reversedInputs.resize(to: rows * d, zeroed: false) }
        workspace.norms.resize(to: batch.count, zeroed: false)
        workspace.units.resize(to: batch.count * d, zeroed: true)
    }

    /// Zeroes each input value with probability `rate` and scales the rest by 1/(1−rate) (inverted dropout,
    /// so inference needs no rescaling); the mask is kept for the backward pass.
    func applyInputDropout(rate: Float, generator: inout SeededGenerator) {
        let count = batch.totalRows * dimension, keep = 1 / (1 - rate)
        let mask = workspace.inputDropoutMask
        mask.resize(to: count, zeroed: false)
        let m = mask.pointer, x = inputs.pointer
        for i in 0..<count {
            m[i] = generator.nextUnitFloat() < rate ? 0 : keep
            x[i] *= m[i]
        }
        hasInputDropout = true
    }

    /// Mean of each sequence's hidden states over its real tokens (the directions side by side), then L2
    /// normalization.
    func poolAndNormalize() {
        let d = dimension, width = hiddenSize
        for (index, state) in directions.enumerated() {
            let hidden = state.hidden.pointer
            for t in 0..<batch.steps {
                let off = batch.rowOffsets[t]
                for p in 0..<batch.stepSizes[t] {
                    let u = units.pointer + p * d + index * width, h = hidden + (off + p) * width
                    for k in 0..<width { u[k] += h[k] }
                }
            }
        }
        for p in 0..<batch.count {
            let u = units.pointer + p * d
            let inverseLength = 1 / Float(batch.lengths[p])
            var sumSquares: Float = 0
            for k in 0..<d {
                u[k] *= inverseLength
                sumSquares += u[k] * u[k]
            }
            let norm = max(sumSquares.squareRoot(), Float.leastNormalMagnitude)
            norms.pointer[p] = norm
            for k in 0..<d { u[k] /= norm }
        }
    }

    /// The unit vectors, [count, d], back in the batch's input order.
    func unitVectorsInInputOrder() -> [Float] {
        let d = dimension
        var result = [Float](repeating: 0, count: batch.count * d)
        result.withMutablePointer { out in
            for p in 0..<batch.count {
                (out + batch.order[p] * d).update(from: units.pointer + p * d, count: d)
            }
        }
        return result
    }
}
