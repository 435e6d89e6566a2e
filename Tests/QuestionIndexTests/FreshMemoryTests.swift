import Foundation
import SiameseNet
import Testing
@testable import QuestionIndex

/// The helpers that fill large buffers from the database: the unit-norm check of every vector read, and the
/// faulting-in of a buffer on another thread while it is written.
@Suite struct FreshMemoryTests {
    /// The lane-wise norm equals the sequential Double sum it replaced, to Float precision, for every length
    /// (lanes and tail) and for values that are not finite.
    @Test func normEqualsTheSequentialSum() {
        var random = SeededGenerator(seed: 3)
        for count in [0, 1, 7, 8, 9, 16, 37, 128, 300] {
            var values: [Float] = (0..<count).map { _ in random.nextGaussian() * 3 }
            var sum: Double = 0
            for value in values { sum += Double(value) * Double(value) }
            let sequential = Float(sum.squareRoot())
            let lanes = values.withUnsafeBufferPointer { QuestionStore.norm($0) }
            #expect(abs(lanes - sequential) <= sequential.ulp * 2, "\(count)")
            guard count > 0 else { continue }
            for bad in [Float.nan, .infinity] {
                values[count - 1] = bad
                #expect(!values.withUnsafeBufferPointer { QuestionStore.norm($0) }.isFinite, "\(bad) in \(count)")
                values[0] = bad
                #expect(!values.withUnsafeBufferPointer { QuestionStore.norm($0) }.isFinite, "\(bad) in \(count)")
            }
        }
    }

    /// Faulting pages in on another thread never changes what the writer put there, wherever the two meet (one
    /// byte in every 512 written and checked: a page faulted in over written bytes would zero them all).
    @Test func prefaultingBesideAWriterKeepsItsBytes() {
        let count = 48 << 20
        let bytes = uninitializedArray(UInt8.self, count: count) { base in
            let buffer = UnsafeMutableRawBufferPointer(start: base, count: count)
            let prefault = BackgroundPrefault(buffer)
            for i in stride(from: 0, to: count, by: 512) { base![i] = UInt8(truncatingIfNeeded: i &* 2_654_435_761 >> 7) }
            prefault.finish()
        }
        var wrong = 0
        for i in stride(from: 0, to: count, by: 512) where bytes[i] != UInt8(truncatingIfNeeded: i &* 2_654_435_761 >> 7) {
            wrong += 1
        }
        #expect(wrong == 0)
    }
}
