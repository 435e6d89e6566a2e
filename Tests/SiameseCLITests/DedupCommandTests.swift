import Foundation
import Testing

@Suite("siamese dedup")
struct DedupCommandTests {
    /// The clusters of `dedup --format tsv` output: member ids by cluster number, checking the layout on the way.
    private func clusters(fromTSV output: String) throws -> [[Int64]] {
        let lines = CommandResult.lines(output)
        #expect(lines.first == "cluster\tsize\tlowest_similarity\trepresentative\tid\texternal_id\tsimilarity\tquestion\tsource\tline")
        var clusters: [[Int64]] = []
        for line in lines.dropFirst() {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            try #require(fields.count == 10, "\(line)")
            let number = try #require(Int(fields[0]))
            if number > clusters.count {
                #expect(number == clusters.count + 1)
                #expect(fields[3] == "1", "the representative comes first: \(line)")
                clusters.append([])
            } else {
                #expect(fields[3] == "0", "\(line)")
            }
            #expect(Int(fields[1]) != nil)
            clusters[number - 1].append(try #require(Int64(fields[4])))
        }
        return clusters
    }

    /// Connected components (two or more) of pairs given as `id1<TAB>id2<TAB>score` rows after a header.
    private func components(ofPairsTSV output: String) -> Set<Set<Int64>> {
        var parent: [Int64: Int64] = [:]
        func root(_ id: Int64) -> Int64 {
            var node = id
            while let next = parent[node], next != node { node = next }
            return node
        }
        let lines = CommandResult.lines(output)
        #expect(lines.first == "id1\tid2\tscore\texternal_id1\texternal_id2")
        for line in lines.dropFirst() {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard let a = Int64(fields[0]), let b = Int64(fields[1]), let score = Double(fields[2]) else {
                Issue.record("bad pair line \(line)")
                continue
            }
            #expect(score >= 0.95 && a < b)
            parent[a] = parent[a] ?? a
            parent[b] = parent[b] ?? b
            let (ra, rb) = (root(a), root(b))
            if ra != rb { parent[max(ra, rb)] = min(ra, rb) }
        }
        return Set(Dictionary(grouping: parent.keys, by: root).values.map(Set.init))
    }

    @Test("single-link clusters are the components of --pairs-only; average-link clusters split them")
    func clustersAgreeWithPairs() throws {
        try withWorkspace { workspace in
            try workspace.trainAndIndexQuickModel()
            // Cosines alone (the quick model may have calibrated a keyword weight for single link).
            let pairs = try workspace.succeed("dedup", "--pairs-only", "--threshold", "0.95", "--keyword-weight", "0",
                                              "--format", "tsv")
            let components = components(ofPairsTSV: pairs.stdout)
            try #require(components.count >= 2, "\(pairs)")
            #expect(pairs.stderr.contains("pairs at or above 0.9500 among 120 questions"))

            let single = try clusters(fromTSV: workspace.succeed("dedup", "--rule", "single-link", "--threshold", "0.95",
                                                                 "--keyword-weight", "0", "--format", "tsv").stdout)
            #expect(Set(single.map(Set.init)) == components)
            #expect(single.map(\.count) == single.map(\.count).sorted(by: >), "largest first")

            let average = try clusters(fromTSV: workspace.succeed("dedup", "--rule", "average-link", "--threshold", "0.95",
                                                                  "--format", "tsv").stdout)
            #expect(!average.isEmpty)
            for cluster in average {
                #expect(components.contains { Set(cluster).isSubset(of: $0) }, "\(cluster) is inside one component")
            }
            let large = try clusters(fromTSV: workspace.succeed("dedup", "--rule", "average-link", "--threshold", "0.95",
                                                                "--format", "tsv", "--min-size", "3").stdout)
            #expect(large == average.filter { $0.count >= 3 })
        }
    }

    @Test("jsonl: one object per cluster, representative first, with external ids; the stored threshold by default")
    func jsonLinesAndStoredThreshold() throws {
        try withWorkspace { workspace in
            try workspace.trainQuickModel()
            var tsv = "id\tquestion\n"
            for (number, line) in try Workspace.sampleLines("faq_questions.txt").enumerated() where !line.isEmpty {
                tsv += "faq-\(number + 1)\t\(line)\n"
            }
            try workspace.write("faq.tsv", tsv)
            try workspace.succeed("index", "faq.tsv", "--threads", "1")
            let info = try workspace.succeed("info")
            let calibrated = try #require(info.stdout.firstMatch(
                of: #/dedup threshold (0\.\d{4}): best pair F1 [^)]+\), [a-z-]+(, keyword weight 0\.\d\d)?, on/#), "\(info)")
            let stored = calibrated.output.1
            let weight = calibrated.output.2.map { " (" + $0.dropFirst(2) + ")" } ?? ""
            let result = try workspace.succeed("dedup", "--format", "jsonl")
            #expect(result.stderr.contains("pairs at or above \(stored)\(weight) among 120 questions"), "\(result)")
            var sizes: [Int] = []
            for line in result.stdoutLines {
                let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
                let members = try #require(object["members"] as? [[String: Any]])
                #expect(object["size"] as? Int == members.count && members.count >= 2)
                #expect(object["representative"] as? Int == members[0]["id"] as? Int)
                let similarities = members.compactMap { $0["similarity"] as? Double }
                #expect(abs(similarities[0] - 1) < 1e-4)
                #expect(similarities.dropFirst().elementsEqual(similarities.dropFirst().sorted(by: >)))
                let lowest = try #require(object["lowest_similarity"] as? Double)
                #expect(similarities.allSatisfy { $0 >= lowest - 1e-4 })
                for member in members {
                    #expect((member["external_id"] as? String)?.hasPrefix("faq-") == true)
                    #expect((member["text"] as? String)?.isEmpty == false)
                }
                sizes.append(members.count)
            }
            try #require(!sizes.isEmpty, "\(result)")
            #expect(sizes == sizes.sorted(by: >))

            let text = try workspace.succeed("dedup", "--threshold", "0.95", "--keyword-weight", "0")
            #expect(text.stdoutLines.first?.wholeMatch(of: #/cluster 1: \d+ questions, lowest similarity -?\d\.\d{4}/#) != nil)
            #expect(text.stdoutLines.dropFirst().first?.wholeMatch(of: #/       \*  #\d+ \(faq-\d+\)  .+/#) != nil, "\(text)")
        }
    }

    @Test("a model without a dedup threshold needs --threshold; bad options are usage errors")
    func thresholdRequiredAndBadOptions() throws {
        try #require(SQLiteShell.isAvailable)
        try withWorkspace { workspace in
            try workspace.trainAndIndexQuickModel()
            try SQLiteShell.run("UPDATE model SET calibration = json_remove(calibration, '$.dedup')", in: workspace)
            let refused = try workspace.run("dedup")
            #expect(refused.exitCode == 1)
            #expect(refused.stdout.isEmpty)
            #expect(refused.stderr == "siamese: error: model \"default\" in siamese.sqlite has no dedup threshold (it was "
                    + "trained before they were calibrated, or without enough labelled duplicates); give one with "
                    + "--threshold, e.g. --threshold 0.8\n")
            try workspace.succeed("dedup", "--threshold", "0.9")
            // Without the calibration's word weights there is no keyword term; average link never has one.
            for (options, message) in [
                (["--threshold", "0.8", "--rule", "single-link", "--keyword-weight", "0.3"],
                 "siamese: error: model \"default\" in siamese.sqlite was calibrated before keyword weights and has no "
                    + "word weights for them; retrain it, or leave out --keyword-weight\n"),
                (["--threshold", "0.8", "--rule", "average-link", "--keyword-weight", "0.3"],
                 "siamese: error: keyword weight 0.3 needs --rule single-link or community: average link merges by "
                    + "cosines only\n")] {
                let refusedWeight = try workspace.run(["dedup"] + options)
                #expect(refusedWeight.exitCode == 1 && refusedWeight.stdout.isEmpty)
                #expect(refusedWeight.stderr == message, "\(refusedWeight)")
            }
            let tooLow = try workspace.run("dedup", "--threshold=-1", "--max-pairs", "1000")
            #expect(tooLow.exitCode == 1 && tooLow.stdout.isEmpty)
            #expect(tooLow.stderr.hasSuffix("siamese: error: more than 1000 pairs score at least -1.0000: the threshold "
                    + "is too low for deduplication; raise --threshold (or --max-pairs)\n"), "\(tooLow)")
            for (options, message) in [(["--threshold", "1.5"], "--threshold must be a cosine between -1 and 1, not 1.5"),
                                       (["--threshold", "nan"], "--threshold must be a cosine between -1 and 1, not nan"),
                                       (["--min-size", "1"], "--min-size must be at least 2"),
                                       (["--max-pairs", "0"], "--max-pairs must be at least 1"),
                                       (["--format", "xml"], "The value 'xml' is invalid for '--format <format>'"),
                                       (["--rule", "ward"], "The value 'ward' is invalid for '--rule <rule>'"),
                                       (["--keyword-weight", "1"], "--keyword-weight must be between 0 and 0.9, not 1.0"),
                                       (["--keyword-weight=-0.1"], "--keyword-weight must be between 0 and 0.9, not -0.1"),
                                       (["--show", "1", "--keyword-weight", "0.2"], "--show prints a stored run as it was")] {
                let result = try workspace.run(["dedup"] + options)
                #expect(result.exitCode == 64, "\(result)")
                #expect(result.stderr.contains(message), "\(result)")
                #expect(result.stdout.isEmpty)
            }
        }
    }
}

@Suite("siamese dedup --store and --show")
struct DedupRunCommandTests {
    @Test("a stored run prints again as it was found, in every format")
    func storeAndShow() throws {
        try withWorkspace { workspace in
            try workspace.trainAndIndexQuickModel()
            let found = try workspace.succeed("dedup", "--threshold", "0.95", "--keyword-weight", "0", "--store")
            #expect(found.stderr.contains("stored as run 1; `siamese dedup --show 1` prints it again"), "\(found)")
            try #require(!found.stdout.isEmpty)
            let shown = try workspace.succeed("dedup", "--show", "1")
            #expect(shown.stdout == found.stdout)
            #expect(shown.stderr.contains("model \"default\""))
            #expect(shown.stderr.contains("at or above 0.9500 among 120 questions"))
            for format in ["tsv", "csv", "jsonl"] {
                let again = try workspace.succeed("dedup", "--threshold", "0.95", "--keyword-weight", "0", "--format", format)
                #expect(try workspace.succeed("dedup", "--show", "1", "--format", format).stdout == again.stdout, "\(format)")
            }
            let second = try workspace.succeed("dedup", "--threshold", "0.97", "--rule", "single-link", "--store")
            #expect(second.stderr.contains("stored as run 2"))
            #expect(try workspace.succeed("dedup", "--show", "2").stdout == second.stdout)
            // A run with a keyword term keeps its weight, and says so when shown.
            let keyword = try workspace.succeed("dedup", "--threshold", "0.7", "--rule", "single-link",
                                                "--keyword-weight", "0.3", "--store")
            #expect(keyword.stderr.contains("at or above 0.7000 (keyword weight 0.30) among 120 questions"), "\(keyword)")
            let keywordShown = try workspace.succeed("dedup", "--show", "3")
            #expect(keywordShown.stdout == keyword.stdout)
            #expect(keywordShown.stderr.contains("at or above 0.7000 (keyword weight 0.30) among 120 questions"), "\(keywordShown)")

            let missing = try workspace.run("dedup", "--show", "9")
            #expect(missing.exitCode == 1)
            #expect(missing.stderr == "siamese: error: no dedup run 9 in siamese.sqlite\n")
            for options in [["--show", "1", "--threshold", "0.9"], ["--show", "0"], ["--store", "--pairs-only"]] {
                let result = try workspace.run(["dedup"] + options)
                #expect(result.exitCode == 64, "\(result)")
            }
        }
    }

    @Test("a stored run with a value changed behind our back is an error naming it, not a crash")
    func corruptStoredRun() throws {
        try withWorkspace { workspace in
            try workspace.trainAndIndexQuickModel()
            _ = try workspace.succeed("dedup", "--threshold", "0.95", "--keyword-weight", "0", "--store")
            try #require(SQLiteShell.isAvailable, "the sqlite3 shell is needed (scripts/setup.sh installs it)")
            try SQLiteShell.run("UPDATE dedup_member SET similarity = 'abc' WHERE run_id = 1 AND position = 0",
                                in: workspace)
            let result = try workspace.run("dedup", "--show", "1")
            #expect(result.exitCode == 1, "\(result)")
            #expect(result.stderr.hasPrefix(
                "siamese: error: siamese.sqlite is corrupt: dedup_member.similarity of a member of run 1 "), "\(result)")
        }
    }
}
