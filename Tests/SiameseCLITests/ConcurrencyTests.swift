import Foundation
import Testing

/// Results of commands run on other threads.
private final class Results: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [Int: CommandResult] = [:]

    func set(_ index: Int, _ result: CommandResult) { lock.withLock { results[index] = result } }
    func get(_ index: Int) -> CommandResult? { lock.withLock { results[index] } }
}

/// Real processes against one database, at the same time.
@Suite("concurrent processes on one index")
struct ConcurrencyTests {
    /// Runs each argument list as its own `siamese` process, all at once, and returns their results in order.
    /// They wait up to 2 minutes for each other's write lock (not the default 10 s): with the rest of the suite
    /// on the same 2 cores, one process can hold it longer, and a lock time-out is not the race under test.
    private func runTogether(_ workspace: Workspace, _ commands: [[String]]) throws -> [CommandResult] {
        let results = Results()
        DispatchQueue.concurrentPerform(iterations: commands.count) { index in
            if let result = try? workspace.run(commands[index], environment: ["SIAMESE_BUSY_TIMEOUT": "120"]) {
                results.set(index, result)
            }
        }
        return try commands.indices.map { index in
            try #require(results.get(index), "command \(commands[index]) did not run")
        }
    }

    /// `count` distinct questions, one per line.
    private func questions(_ count: Int, topic: String) -> String {
        (0..<count).map { "How do I reset the \(topic) password of account \($0)?\n" }.joined()
    }

    @Test("two trainings of one new model name at once: one is saved, the other is refused, never both")
    func twoTrainingsOfOneName() throws {
        try withWorkspace { workspace in
            try workspace.copySampleData()
            _ = try workspace.succeed("index", "--help")  // builds nothing; makes sure the binary runs
            let train = ["train", "--pairs", "SampleData/faq_pairs.tsv", "--model", "faq"] + Workspace.quickTraining
            let results = try runTogether(workspace, [train, train])
            let saved = results.filter { $0.exitCode == 0 }
            let refused = results.filter { $0.exitCode == 1 }
            #expect(saved.count == 1 && refused.count == 1, "\(results)")
            let message = refused.first?.stderrLines.last ?? ""
            #expect(message.hasPrefix("siamese: error: another run created a model \"faq\" in siamese.sqlite while this one trained")
                    || message.hasPrefix("siamese: error: model \"faq\" already exists in siamese.sqlite"), "\(message)")
            let info = try jsonObject(try workspace.succeed("info", "--json").stdout)
            #expect((info["models"] as? [[String: Any]])?.count == 1)
            #expect((info["unfinished_training_runs"] as? [Any])?.isEmpty == true)
        }
    }

    @Test("two indexings of different files at once: both land, every row and vector is there")
    func twoIndexingsAtOnce() throws {
        try withWorkspace { workspace in
            try workspace.trainQuickModel()
            try workspace.write("a.txt", questions(1500, topic: "email"))
            try workspace.write("b.txt", questions(1500, topic: "bank"))
            let results = try runTogether(workspace, [["index", "a.txt", "--batch-size", "32", "--threads", "1"],
                                                      ["index", "b.txt", "--batch-size", "32", "--threads", "1"]])
            for result in results { #expect(result.exitCode == 0, "\(result)") }
            let info = try jsonObject(try workspace.succeed("info", "--json").stdout)
            #expect(int(info["questions"]) == 3000)
            #expect(int((info["models"] as? [[String: Any]])?.first?["vectors"]) == 3000)
        }
    }

    @Test("queries while `index --reembed` runs answer exactly as before it")
    func queriesDuringAReembedding() throws {
        try withWorkspace { workspace in
            try workspace.trainQuickModel()
            try workspace.write("faq.txt", questions(3000, topic: "email"))
            _ = try workspace.succeed("index", "faq.txt", "--threads", "1")
            let query = ["query", "How do I reset the email password of account 17?", "-k", "5", "--json"]
            let before = try workspace.succeed(query).stdout

            let results = Results()
            let done = DispatchSemaphore(value: 0)
            DispatchQueue.global().async {
                if let result = try? workspace.run(["index", "--reembed", "--batch-size", "8", "--threads", "1"]) {
                    results.set(0, result)
                }
                done.signal()
            }
            var answers: [String] = []
            while done.wait(timeout: .now()) == .timedOut {
                answers.append(try workspace.succeed(query).stdout)
            }
            let reembed = try #require(results.get(0))
            #expect(reembed.exitCode == 0, "\(reembed)")
            #expect(reembed.stdoutLines.last?.hasPrefix("embedded 3000 with model") == true, "\(reembed)")
            #expect(!answers.isEmpty, "no query ran during the re-embedding")
            for answer in answers { #expect(answer == before) }
            #expect(try workspace.succeed(query).stdout == before)
        }
    }

    @Test("a training run killed with SIGKILL is shown as abandoned by info and removed by the next train")
    func killedTrainingRun() throws {
        try withWorkspace { workspace in
            try workspace.copySampleData()
            let process = Process()
            process.executableURL = try ExecutableRunner.siamese()
            process.arguments = ["train", "--pairs", "SampleData/faq_pairs.tsv", "--model", "long", "--epochs", "500",
                                 "--dimension", "32", "--threads", "1", "--seed", "1"]
            process.currentDirectoryURL = workspace.directory
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            defer { if process.isRunning { process.terminate() } }
            // Wait for its first saved epoch: the run's model is in the index, owned by the running process.
            var runs: [[String: Any]] = []
            for _ in 0..<300 where runs.isEmpty {
                Thread.sleep(forTimeInterval: 0.1)
                if let info = try? workspace.run("info", "--json"), info.exitCode == 0 {
                    runs = (try? jsonObject(info.stdout)["unfinished_training_runs"] as? [[String: Any]]) ?? []
                }
            }
            try #require(runs.count == 1, "the training run never saved an epoch")
            #expect(runs[0]["abandoned"] as? Bool == false)
            #expect((runs[0]["owner"] as? String)?.hasSuffix(" \(process.processIdentifier)") == true)

            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let info = try workspace.succeed("info")
            #expect(info.stdout.contains("unfinished training run for model \"long\""))
            #expect(info.stdout.contains("is gone: it was interrupted; the next `siamese train` removes it"), "\(info)")

            let next = try workspace.trainQuickModel("--model", "other")
            #expect(next.stderr.contains("removed an interrupted training run for model \"long\" (its process is gone)"))
            let after = try jsonObject(try workspace.succeed("info", "--json").stdout)
            #expect((after["unfinished_training_runs"] as? [Any])?.isEmpty == true)
        }
    }

    @Test("a writer that waits longer than SIAMESE_BUSY_TIMEOUT for another's lock fails with a clear message")
    func busyWriter() throws {
        try withWorkspace { workspace in
            try workspace.trainQuickModel()
            try workspace.write("more.txt", "Where do you live, my friend?\n")
            let shell = try #require(SQLiteShell.url, "the sqlite3 shell is needed (scripts/setup.sh installs it)")
            // Another program holds the write lock until its input closes.
            let holder = Process()
            holder.executableURL = shell
            holder.arguments = ["-batch", "siamese.sqlite"]
            holder.currentDirectoryURL = workspace.directory
            let input = Pipe(), output = Pipe()
            holder.standardInput = input
            holder.standardOutput = output
            try holder.run()
            input.fileHandleForWriting.write(Data("BEGIN IMMEDIATE;\nSELECT 'locked';\n".utf8))
            var said = Data()
            while !String(decoding: said, as: UTF8.self).contains("locked") {
                let chunk = output.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                said += chunk
            }
            let blocked = try workspace.run(["index", "more.txt"], environment: ["SIAMESE_BUSY_TIMEOUT": "0.5"])
            expectError(blocked, "siamese.sqlite is locked by another process; try again when it has finished")
            try input.fileHandleForWriting.close()
            holder.waitUntilExit()
            let after = try workspace.succeed("index", "more.txt")
            #expect(after.stdoutLines.first == "rows: 1 new, 0 updated, 0 unchanged; questions: 1 added")
            for bad in ["soon", "-1", "1e9"] {
                expectError(try workspace.run(["info"], environment: ["SIAMESE_BUSY_TIMEOUT": bad]),
                            "SIAMESE_BUSY_TIMEOUT=\(bad) is not a number of seconds from 0 to 86400")
            }
        }
    }
}
