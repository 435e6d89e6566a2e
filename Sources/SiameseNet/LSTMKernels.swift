/// The elementwise parts of one LSTM step, vectorized eight lanes at a time.
///
/// sigmoid and tanh use a Cephes-style exp (max relative error ≈ 2e-7 over the range used), so the cell
/// costs a few vector instructions per element instead of five libm calls; the matrix products stay in BLAS.
enum LSTMKernels {
    typealias Vector = SIMD8<Float>

    /// Activates the gates of one row in place and computes its cell and hidden state.
    /// - Parameters:
    ///   - z: [4d] pre-activations i, f, g, o; overwritten with σ(i), σ(f), tanh(g), σ(o).
    ///   - cPrev: [d] previous cell state, nil at the first step (zero state).
    ///   - c, cTanh, h: [d] outputs: cell state, tanh of it, hidden state.
    @inline(__always)
    static func forwardRow(z: UnsafeMutablePointer<Float>, cPrev: UnsafePointer<Float>?,
                           c: UnsafeMutablePointer<Float>, cTanh: UnsafeMutablePointer<Float>,
                           h: UnsafeMutablePointer<Float>, d: Int) {
        var k = 0
        while k + 8 <= d {
            let i = sigmoid(load(z + k)), f = sigmoid(load(z + d + k))
            let g = tanh(load(z + 2 * d + k)), o = sigmoid(load(z + 3 * d + k))
            store(i, z + k); store(f, z + d + k); store(g, z + 2 * d + k); store(o, z + 3 * d + k)
            var cell = i * g
            if let cPrev { cell += f * load(cPrev + k) }
            let t = tanh(cell)
            store(cell, c + k); store(t, cTanh + k); store(o * t, h + k)
            k += 8
        }
        while k < d {
            let i = sigmoid(z[k]), f = sigmoid(z[d + k]), g = tanh(z[2 * d + k]), o = sigmoid(z[3 * d + k])
            z[k] = i; z[d + k] = f; z[2 * d + k] = g; z[3 * d + k] = o
            let cell = i * g + (cPrev.map { f * $0[k] } ?? 0)
            let t = tanh(cell)
            c[k] = cell; cTanh[k] = t; h[k] = o * t
            k += 1
        }
    }

    /// Backward through one row's cell: from the gradients of h and of the next cell state to the
    /// gradient of the pre-activations and of the previous cell state.
    /// - Parameters:
    ///   - gates: [4d] activated gates of the row; `cTanh`: [d]; `cPrev`: [d] or nil at the first step.
    ///   - dhRecurrent: [d] gradient from the next step's recurrent product; `dhMean`: [d] from the mean.
    ///   - dc: [d] in: gradient of the cell state from the next step; out: gradient of `cPrev`.
    ///   - dz: [4d] output.
    @inline(__always)
    static func backwardRow(gates: UnsafePointer<Float>, cTanh: UnsafePointer<Float>, cPrev: UnsafePointer<Float>?,
                            dhRecurrent: UnsafePointer<Float>, dhMean: UnsafePointer<Float>,
                            dc: UnsafeMutablePointer<Float>, dz: UnsafeMutablePointer<Float>, d: Int) {
        var k = 0
        let one = Vector(repeating: 1)
        while k + 8 <= d {
            let i = load(gates + k), f = load(gates + d + k), g = load(gates + 2 * d + k), o = load(gates + 3 * d + k)
            let t = load(cTanh + k)
            let dh = load(dhRecurrent + k) + load(dhMean + k)
            let dcell = load(dc + k) + dh * o * (one - t * t)
            store(dcell * g * i * (one - i), dz + k)
            let previous = cPrev.map { load($0 + k) } ?? Vector()
            store(dcell * previous * f * (one - f), dz + d + k)
            store(dcell * i * (one - g * g), dz + 2 * d + k)
            store(dh * t * o * (one - o), dz + 3 * d + k)
            store(dcell * f, dc + k)
            k += 8
        }
        while k < d {
            let i = gates[k], f = gates[d + k], g = gates[2 * d + k], o = gates[3 * d + k], t = cTanh[k]
            let dh = dhRecurrent[k] + dhMean[k]
            let dcell = dc[k] + dh * o * (1 - t * t)
            dz[k] = dcell * g * i * (1 - i)
            dz[d + k] = dcell * (cPrev?[k] ?? 0) * f * (1 - f)
            dz[2 * d + k] = dcell * i * (1 - g * g)
            dz[3 * d + k] = dh * t * o * (1 - o)
            dc[k] = dcell * f
            k += 1
        }
    }

    @inline(__always) static func load(_ p: UnsafePointer<Float>) -> Vector {
        UnsafeRawPointer(p).loadUnaligned(as: Vector.self)
    }

    @inline(__always) static func load(_ p: UnsafeMutablePointer<Float>) -> Vector {
        UnsafeRawPointer(p).loadUnaligned(as: Vector.self)
    }

    @inline(__always) static func store(_ v: Vector, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vector.self)
    }

    /// eˣ, Cephes expf: x = n·ln2 + r, |r| ≤ ln2/2, a degree-6 polynomial for eʳ, and 2ⁿ built in the exponent bits.
    @inline(__always) static func exp(_ x: Vector) -> Vector {
        // Clamp with blends: `clamped(lowerBound:upperBound:)` was not inlined and cost ~4% of training.
        let low = Vector(repeating: -87.3), high = Vector(repeating: 88.3)
        let x = x.replacing(with: low, where: x .< low).replacing(with: high, where: x .> high)
        // Adding 1.5·2²³ rounds x·log₂e to the nearest integer n and leaves n in the low mantissa bits.
        let magic = Vector(repeating: 12_582_912)
        let shifted = x * 1.442_695_04 + magic
        let n = shifted - magic
        let r = x - n * 0.693_359_375 + n * 2.121_944_4e-4
        var p = Vector(repeating: 1.987_569_15e-4)
        p = p * r + 1.398_199_95e-3
        p = p * r + 8.333_451_9e-3
        p = p * r + 4.166_579_59e-2
        p = p * r + 1.666_666_55e-1
        p = p * r + 5.000_000_12e-1
        p = p * (r * r) + r + 1
        let bits = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- 0x4B40_0000 &+ 127
        return p * unsafeBitCast(bits &<< 23, to: Vector.self)
    }

    @inline(__always) static func sigmoid(_ x: Vector) -> Vector {
        1 / (1 + exp(-x))
    }

    /// tanh x = 1 − 2 / (e²ˣ + 1): absolute error ≈ 1e-7, and exact limits ±1.
    @inline(__always) static func tanh(_ x: Vector) -> Vector {
        1 - 2 / (exp(x + x) + 1)
    }

    @inline(__always) static func sigmoid(_ x: Float) -> Float { sigmoid(Vector(repeating: x))[0] }
    @inline(__always) static func tanh(_ x: Float) -> Float { tanh(Vector(repeating: x))[0] }
}
