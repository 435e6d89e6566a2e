import Testing
@testable import QuestionIndex

@Suite("embedding scan bounds")
struct EmbeddingMatrixBoundsTests {
    @Test("a k far larger than the matrix returns every row, without reserving room for k")
    func hugeK() {
        let matrix = EmbeddingMatrix(dimension: 2, ids: [7, 3, 5], vectors: [1, 0, 0, 1, 0.6, 0.8])
        let single = matrix.search([1, 0], k: Int.max)
        #expect(single.map(\.questionID) == [7, 5, 3])
        let block = matrix.search(queries: [1, 0, 0, 1], k: Int.max)
        #expect(block.map { $0.map(\.questionID) } == [[7, 5, 3], [3, 5, 7]])
    }
}
