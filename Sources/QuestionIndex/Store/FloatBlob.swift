import Foundation

/// Float32 arrays as little-endian BLOBs, the storage format of weights and embeddings.
enum FloatBlob {
    /// The little-endian bytes of `values`.
    static func data(_ values: UnsafeBufferPointer<Float>) -> Data {
        #if _endian(little)
        return Data(buffer: values)
        #else
        var data = Data(count: values.count * 4)
        data.withUnsafeMutableBytes { raw in
            for (i, value) in values.enumerated() {
                raw.storeBytes(of: value.bitPattern.littleEndian, toByteOffset: 4 * i, as: UInt32.self)
            }
        }
        return data
        #endif
    }

    static func data(_ values: [Float]) -> Data {
        values.withUnsafeBufferPointer { data($0) }
    }

    /// Decodes `bytes` (exactly 4 · `count` of them, any alignment) into `destination[0..<count]`.
    static func decode(_ bytes: UnsafeRawPointer, count: Int, into destination: UnsafeMutablePointer<Float>) {
        #if _endian(little)
        UnsafeMutableRawPointer(destination).copyMemory(from: bytes, byteCount: 4 * count)
        #else
        for i in 0..<count {
            destination[i] = Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 4 * i,
                                                                                         as: UInt32.self)))
        }
        #endif
    }

    /// The floats of `data`, or nil when its size is not a multiple of 4.
    static func floats(_ data: Data) -> [Float]? {
        guard data.count % 4 == 0 else { return nil }
        let count = data.count / 4
        return data.withUnsafeBytes { raw in
            [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
                if let source = raw.baseAddress, let target = buffer.baseAddress {
                    decode(source, count: count, into: target)
                }
                initialized = count
            }
        }
    }
}
