/// A named Float32 tensor, row-major: the unit in which model weights are stored and restored.
package struct NamedTensor: Sendable, Equatable {
    package var name: String
    package var shape: [Int]
    package var values: [Float]

    package init(name: String, shape: [Int], values: [Float]) {
        precondition(shape.reduce(1, *) == values.count, "\(name): shape \(shape) does not hold \(values.count) values")
        self.name = name
        self.shape = shape
        self.values = values
    }
}
