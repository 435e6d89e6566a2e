import Foundation
import Testing

@Suite("siamese demo")
struct DemoCommandTests {
    @Test("trains, indexes and finds each notebook question's partner first")
    func demo() throws {
        try withWorkspace { workspace in
            try workspace.copySampleData()
            let result = try workspace.succeed("demo")
            let lines = result.stdoutLines
            try #require(lines.count == 23, "\(result)")
            #expect(lines[0].wholeMatch(of: #/1\. train: 400 duplicate pairs \(\+106 implied by the labels\) from .*SampleData/faq_pairs\.tsv, 30 epochs/#)
                != nil, "\(lines[0])")
            #expect(lines[1].wholeMatch(
                of: #/   loss \d+\.\d{4} → \d+\.\d{4} in \d+\.\d s; duplicate threshold (-?\d\.\d{4}|none)/#) != nil,
                "\(lines[1])")
            #expect(lines[2].wholeMatch(
                of: #/2\. index: 120 FAQ questions from .*SampleData/faq_questions\.txt, 120 embedded/#) != nil,
                "\(lines[2])")
            #expect(lines[3] == "3. query: the 3 best stored questions for each new one")
            #expect(lines[20] == "4. compare: one-shot similarity of two questions")

            // Four queries of four lines each: the question, then its three best matches.
            let queries = ["How old are you?", "How much is the fish?", "Do you like this course?",
                           "How can I get my money back?"]
            for (number, query) in queries.enumerated() {
                let block = lines[(4 + 4 * number)..<(8 + 4 * number)]
                #expect(block.first == "   \(query)")
                let matches = block.dropFirst().compactMap { line in
                    line.wholeMatch(of: #/     (-?\d\.\d{4})  (duplicate|         )  (.+)/#)
                }
                #expect(matches.count == 3, "\(block)")
                let scores = matches.compactMap { Double($0.output.1) }
                #expect(scores == scores.sorted(by: >))
                if number < QueryCommandTests.notebookPairs.count {
                    #expect(matches.first.map { String($0.output.3) } == QueryCommandTests.notebookPairs[number].1)
                    #expect(matches.first?.output.2 == "duplicate")
                }
            }
            let compared = lines[21...].compactMap { line in line.wholeMatch(of: #/   (-?\d\.\d{4})  (.+)/#) }
            #expect(compared.map { String($0.output.2) } == [
                "Do you like this course? / Are you happy with this course?",
                "Do you like this course? / Do you speak German?",
            ])
            let similar = compared.compactMap { Double($0.output.1) }
            #expect(similar.count == 2 && similar[0] > similar[1])
            // The demo's index is temporary: nothing is left in the working directory.
            #expect(try FileManager.default.contentsOfDirectory(atPath: workspace.directory.path) == ["SampleData"])
        }
    }
}
