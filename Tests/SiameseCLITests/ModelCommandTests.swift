import Foundation
import Testing

@Suite("siamese model: the default model")
struct ModelCommandTests {
    /// The model `query --json` answered with.
    private func queryModel(_ workspace: Workspace) throws -> String? {
        try jsonObject(try workspace.succeed("query", "How do I reset my password?", "-k", "1", "--json").stdout)["model"]
            as? String
    }

    @Test("without a default the latest model answers; `model use` changes that, also across a retrain")
    func defaultModel() throws {
        try withWorkspace { workspace in
            try workspace.trainQuickModel("--model", "a")
            try workspace.trainQuickModel("--model", "b")
            let index = try workspace.succeed("index", "SampleData/faq_questions.txt", "--model", "b")
            #expect(index.stderr.contains(
                "model \"a\" has no vector for 120 questions: run `siamese index --db siamese.sqlite --model a` to embed them"),
                "\(index)")
            _ = try workspace.succeed("index", "--model", "a")
            #expect(try workspace.succeed("model", "list").stdout == """
                  a: d = 32, 120 vectors, threshold \(try threshold(workspace, "a"))
                * b (most recently trained): d = 32, 120 vectors, threshold \(try threshold(workspace, "b"))

                """)
            #expect(try queryModel(workspace) == "b")

            #expect(try workspace.succeed("model", "use", "a").stdout
                    == "commands now use model \"a\" when --model is not given\n")
            #expect(try queryModel(workspace) == "a")
            let list = try jsonObject("{\"m\": \(try workspace.succeed("model", "list", "--json").stdout)}")["m"]
                as? [[String: Any]]
            #expect(list?.map { $0["default"] as? Bool } == [true, false])
            #expect(list?.map { $0["in_use"] as? Bool } == [true, false])

            // A retrain replaces the model and keeps it the default.
            try workspace.trainQuickModel("--model", "a", "--force")
            _ = try workspace.succeed("index", "--model", "a")
            #expect(try queryModel(workspace) == "a")
            let info = try jsonObject(try workspace.succeed("info", "--json").stdout)
            #expect((info["models"] as? [[String: Any]])?.map { $0["default"] as? Bool } == [true, false])

            expectError(try workspace.run("model", "use", "nope"),
                        "no model named \"nope\" in siamese.sqlite (it has \"a\", \"b\")")
            #expect(try workspace.succeed("model", "remove", "a").stdout == "removed model \"a\"\n")
            #expect(try queryModel(workspace) == "b")
        }
    }

    private func threshold(_ workspace: Workspace, _ name: String) throws -> String {
        let info = try jsonObject(try workspace.succeed("info", "--json").stdout)
        let model = (info["models"] as? [[String: Any]])?.first { $0["name"] as? String == name }
        return String(format: "%.4f", double(model?["threshold"]) ?? .nan)
    }
}
