import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import SiameseNet
import Testing
@testable import QuestionIndex

/// One element of a parsed page: its name, attributes and the text directly inside it.
private struct Element {
    var name: String
    var attributes: [String: String]
    var text = ""

    var classes: Set<String> { Set((attributes["class"] ?? "").split(separator: " ").map(String.init)) }
    func number(_ attribute: String) -> Double? { attributes[attribute].flatMap(Double.init) }
}

/// Parses a whole page as XML into its elements in document order; nil when it is not well-formed.
private final class PageParser: NSObject, XMLParserDelegate {
    private(set) var elements: [Element] = []
    private var open: [Int] = []

    static func parse(_ page: String) -> [Element]? {
        let delegate = PageParser()
        let parser = XMLParser(data: Data(page.utf8))
        parser.delegate = delegate
        return parser.parse() ? delegate.elements : nil
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        open.append(elements.count)
        elements.append(Element(name: name, attributes: attributes))
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        open.removeLast()
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if let current = open.last { elements[current].text += string }
    }
}

/// Parses "x1,y1 x2,y2 …".
private func points(_ text: String) -> [(x: Double, y: Double)] {
    text.split(separator: " ").compactMap { pair in
        let parts = pair.split(separator: ",").compactMap { Double($0) }
        return parts.count == 2 ? (parts[0], parts[1]) : nil
    }
}

/// Seeded synthetic pairs: duplicates ~ N(0.75, 0.12), non-duplicates ~ N(0.45, 0.18), clamped to [-1, 1].
private func syntheticPairs(count: Int, seed: UInt64) -> (scores: [Float], labels: [Bool]) {
    var random = SeededGenerator(seed: seed)
    var scores: [Float] = [], labels: [Bool] = []
    for _ in 0..<count {
        let isDuplicate = random.nextUnitFloat() < 0.37
        let score = isDuplicate ? 0.75 + 0.12 * random.nextGaussian() : 0.45 + 0.18 * random.nextGaussian()
        scores.append(min(max(score, -1), 1))
        labels.append(isDuplicate)
    }
    return (scores, labels)
}

private func sampleReport(pairs: Int = 2000, seed: UInt64 = 1, threshold: Float? = 0.62,
                          epochs: Int = 5) -> EvaluationReport {
    let (scores, labels) = syntheticPairs(count: pairs, seed: seed)
    let curve = (0..<epochs).map { i in
        EvaluationReport.Epoch(epoch: i + 1, loss: 0.25 * pow(0.6, Double(i)) + 0.02,
                               validationAUC: 0.80 + 0.05 * (1 - pow(0.5, Double(i))))
    }
    var metrics = EvaluationReport.MetricsTable()
    metrics.set(Metrics.rocAUC(scores: scores, labels: labels), system: "model", metric: "ROC-AUC")
    metrics.set(0.8123, system: "model", metric: "accuracy")
    metrics.set(0.7391, system: "model", metric: "F1")
    metrics.set(nil, system: "BM25 (FTS5)", metric: "ROC-AUC")
    metrics.set(0.5012, system: "BM25 (FTS5)", metric: "recall@1")
    metrics.set(0.6620, system: "model", metric: "recall@1")
    metrics.set(0.8904, system: "model", metric: "recall@10")
    metrics.set(0.7467, system: "model", metric: "MRR@10")
    metrics.set(0.6911, system: "hybrid (RRF)", metric: "recall@1")
    metrics.set(0.9120, system: "hybrid (RRF)", metric: "recall@10")
    metrics.set(0.7702, system: "hybrid (RRF)", metric: "MRR@10")
    metrics.set(0.7001, system: "BM25 (FTS5)", metric: "MRR@10")
    return EvaluationReport(title: "Duplicate-question evaluation", modelName: "quora-lstm-128",
                            databasePath: "/data/quora.sqlite", generatedAt: "2025-01-31T12:00:00Z",
                            scores: scores, labels: labels, threshold: threshold, learningCurve: curve,
                            metrics: metrics, notes: ["3,049 queries, 61,456 questions in the corpus"])
}

@Suite struct EvaluationReportTests {
    @Test(arguments: [1, 2, 3] as [UInt64])
    func histogramBarsMatchADirectBinning(seed: UInt64) throws {
        let report = sampleReport(pairs: 500 * Int(seed), seed: seed)
        let elements = try #require(PageParser.parse(report.html()))
        for (className, label) in [("duplicate", true), ("non-duplicate", false)] {
            let bars = elements.filter { $0.name == "rect" && $0.classes.isSuperset(of: ["bar", className]) }
            #expect(bars.count == 40)
            let total = bars.compactMap { $0.number("data-count") }.reduce(0, +)
            #expect(Int(total) == report.labels.filter { $0 == label }.count)
            for bar in bars {
                let low = try #require(bar.number("data-bin-low")), high = try #require(bar.number("data-bin-high"))
                let direct = zip(report.scores, report.labels).filter { score, isDuplicate in
                    isDuplicate == label && Double(score) >= low - 1e-9 && (Double(score) < high - 1e-9 || high >= 1)
                }.count
                #expect(bar.number("data-count") == Double(direct), "bin \(low)")
            }
            // Heights on one scale: height / count is the same for every bar of both labels.
            let ratios = bars.compactMap { bar -> Double? in
                guard let count = bar.number("data-count"), let height = bar.number("height") else { return nil }
                if count == 0 { #expect(height == 0) }
                return count > 0 ? height / count : nil
            }
            let first = try #require(ratios.first)
            for ratio in ratios { #expect(abs(ratio - first) <= 0.02 * first + 0.01) }
        }
    }

    @Test func thresholdLineSitsAtTheThreshold() throws {
        let elements = try #require(PageParser.parse(sampleReport(threshold: 0.6416).html()))
        let line = try #require(elements.first { $0.name == "line" && $0.attributes["data-threshold"] != nil })
        #expect(line.attributes["data-threshold"] == "0.6416")
        let x = try #require(line.number("x1"))
        // Map x back through the bars: bin-low -1 starts the plot, bin-high 1 ends it.
        let bars = elements.filter { $0.name == "rect" && $0.classes.contains("bar") }
        let left = try #require(bars.first { $0.attributes["data-bin-low"] == "-1.00" }?.number("x")) - 1
        let lastBar = try #require(bars.first { $0.attributes["data-bin-high"] == "1.00" })
        let right = try #require(lastBar.number("x")) + (lastBar.number("width") ?? 0) + 1
        let value = -1 + 2 * (x - left) / (right - left)
        #expect(abs(value - 0.6416) < 1e-3)
    }

    @Test(arguments: [1, 2, 3] as [UInt64])
    func rocCurveRunsFromOriginToOneAndCarriesTheAUC(seed: UInt64) throws {
        let report = sampleReport(pairs: 300 * Int(seed), seed: seed)
        let elements = try #require(PageParser.parse(report.html()))
        let roc = try #require(elements.first { $0.name == "polyline" && $0.classes.contains("roc") })
        let auc = try #require(roc.number("data-auc"))
        let expected = try #require(Metrics.rocAUC(scores: report.scores, labels: report.labels))
        #expect(abs(auc - expected) < 1e-6)
        // The chance diagonal runs from the pixel of (0, 0) to that of (1, 1): map the curve back through it.
        let diagonal = try #require(elements.first { $0.name == "line" && $0.classes == ["diagonal"] })
        let x0 = try #require(diagonal.number("x1")), y0 = try #require(diagonal.number("y1"))
        let x1 = try #require(diagonal.number("x2")), y1 = try #require(diagonal.number("y2"))
        let rates = points(roc.attributes["points"] ?? "").map { (fpr: ($0.x - x0) / (x1 - x0), tpr: ($0.y - y0) / (y1 - y0)) }
        let first = try #require(rates.first), last = try #require(rates.last)
        #expect(abs(first.fpr) < 1e-9 && abs(first.tpr) < 1e-9)
        #expect(abs(last.fpr - 1) < 1e-9 && abs(last.tpr - 1) < 1e-9)
        #expect(zip(rates, rates.dropFirst()).allSatisfy { $1.fpr >= $0.fpr && $1.tpr >= $0.tpr })
        // The trapezoid area of the drawn curve is the AUC (up to coordinate rounding).
        let area = zip(rates, rates.dropFirst()).reduce(0.0) { sum, segment in
            sum + (segment.1.fpr - segment.0.fpr) * (segment.0.tpr + segment.1.tpr) / 2
        }
        #expect(abs(area - expected) < 1e-3)
    }

    @Test func rocTreatsTiedScoresAsOneStep() {
        let curve = ROCCurve(scores: [0.9, 0.5, 0.5, 0.5, 0.1], labels: [true, true, false, false, false])
        #expect(curve.points.map { [$0.fpr, $0.tpr] } == [[0, 0], [0, 0.5], [2.0 / 3, 1], [1, 1]])
        #expect(curve.auc == Metrics.rocAUC(scores: [0.9, 0.5, 0.5, 0.5, 0.1], labels: [true, true, false, false, false]))
    }

    @Test func operatingPointMatchesTheThreshold() throws {
        let report = sampleReport()
        let elements = try #require(PageParser.parse(report.html()))
        let point = try #require(elements.first { $0.name == "circle" && $0.classes.contains("operating-point") })
        let called = zip(report.scores, report.labels).filter { $0.0 >= 0.62 }
        let tpr = Double(called.filter(\.1).count) / Double(report.labels.filter { $0 }.count)
        #expect(abs((point.number("data-tpr") ?? -1) - tpr) < 1e-4)
    }

    @Test(arguments: [1, 5, 30])
    func learningCurvePointsCarryEveryEpoch(epochs: Int) throws {
        let report = sampleReport(pairs: 100, epochs: epochs)
        let elements = try #require(PageParser.parse(report.html()))
        let losses = elements.filter { $0.classes.isSuperset(of: ["point", "loss"]) }
        #expect(losses.compactMap { $0.number("data-epoch") } == (1...epochs).map(Double.init))
        for (point, epoch) in zip(losses, report.learningCurve) {
            #expect(abs((point.number("data-loss") ?? -1) - epoch.loss) < 1e-4)
        }
        let aucs = elements.filter { $0.classes.isSuperset(of: ["point", "auc"]) }
        #expect(aucs.count == epochs)
        // Every point inside its canvas: one epoch too (no division by a zero epoch range).
        for point in losses {
            let x = try #require(point.number("cx")), y = try #require(point.number("cy"))
            #expect(x > 0 && x < 540 && y > 0 && y < 480)
        }
    }

    @Test func metricsCellsEqualTheInput() throws {
        let report = sampleReport()
        let elements = try #require(PageParser.parse(report.html()))
        let cells = elements.filter { $0.name == "td" && $0.attributes["data-metric"] != nil }
        #expect(cells.count == report.metrics.rows.count * report.metrics.columns.count)
        for cell in cells {
            let system = try #require(cell.attributes["data-system"]), metric = try #require(cell.attributes["data-metric"])
            let row = try #require(report.metrics.rows.first { $0.system == system })
            if let value = row.values[metric] {
                #expect(cell.number("data-value") == value)
                #expect(cell.text == Markup.fixed(value, 3))
            } else {
                #expect(cell.attributes["data-value"] == nil && cell.text == "–")
            }
        }
        #expect(cells.first { $0.attributes["data-system"] == "model" && $0.attributes["data-metric"] == "F1" }?.text == "0.739")
    }

    @Test func userTextIsEscaped() throws {
        var report = sampleReport(pairs: 50)
        report.modelName = "<b>&\"x\""
        report.databasePath = "/tmp/a'b<c>.sqlite"
        report.metrics.set(0.5, system: "<script>", metric: "a&b")
        let page = report.html()
        #expect(!page.contains("<b>") && !page.contains("<script"))
        #expect(page.contains("&lt;b&gt;&amp;&quot;x&quot;"))
        let elements = try #require(PageParser.parse(page))
        #expect(elements.contains { $0.name == "dd" && $0.text == "<b>&\"x\"" })
        #expect(elements.contains { $0.attributes["data-system"] == "<script>" && $0.attributes["data-metric"] == "a&b" })
    }

    @Test func pageIsSelfContainedAndDeterministic() {
        let page = sampleReport().html()
        #expect(!page.contains("http:") && !page.contains("https:") && !page.contains("//"))
        #expect(!page.lowercased().contains("<script") && !page.contains("@import") && !page.contains("url("))
        #expect(page == sampleReport().html())
        #expect(page != sampleReport(seed: 2).html())
    }

    @Test func rendersWithOneLabelNoThresholdNoEpochsAndNoPairs() throws {
        let onlyDuplicates = EvaluationReport(modelName: "m", databasePath: "d", generatedAt: "t",
                                              scores: [0.9, 0.8, 0.7], labels: [true, true, true])
        let empty = EvaluationReport(modelName: "m", databasePath: "d", generatedAt: "t")
        for (report, message) in [(onlyDuplicates, "no non-duplicate pairs"), (empty, "no duplicate pairs")] {
            let page = report.html()
            let elements = try #require(PageParser.parse(page))
            #expect(!page.contains("nan") && !page.contains("inf"))
            #expect(elements.contains { $0.classes.contains("message") && $0.text.contains(message) })
            #expect(!elements.contains { $0.attributes["data-auc"] != nil || $0.attributes["data-threshold"] != nil })
            #expect(elements.contains { $0.text == "no training epochs recorded" })
            let counts = elements.compactMap { $0.number("data-count") }.reduce(0, +)
            #expect(Int(counts) == report.scores.count)
        }
    }

    @Test func nonFiniteScoresAndThresholdAreLeftOut() throws {
        let report = EvaluationReport(modelName: "m", databasePath: "d", generatedAt: "t",
                                      scores: [0.9, .nan, 0.2, .infinity], labels: [true, true, false, false],
                                      threshold: .nan)
        let page = report.html()
        let elements = try #require(PageParser.parse(page))
        #expect(!page.contains("nan") && !page.contains("inf"))
        #expect(elements.compactMap { $0.number("data-count") }.reduce(0, +) == 2)
        #expect(elements.first { $0.attributes["data-auc"] != nil }?.attributes["data-auc"] == "1.000000")
        #expect(!elements.contains { $0.attributes["data-threshold"] != nil })
        #expect(elements.contains { $0.name == "dd" && $0.text.contains("2 with a non-finite score left out") })
    }

    @Test func numberFormattingIsFixedAndLocaleFree() {
        #expect(Markup.fixed(0.6416, 3) == "0.642")
        #expect(Markup.fixed(-0.0004, 3) == "0.000")
        #expect(Markup.fixed(-1, 2) == "-1.00")
        #expect(Markup.fixed(12.5, 0) == "13")
        #expect(Markup.coordinate(40.0) == "40" && Markup.coordinate(12.504) == "12.5")
        #expect(Markup.grouped(61456) == "61,456" && Markup.grouped(999) == "999")
    }

    /// Writes the sample page to `$SIAMESE_REPORT_SAMPLE` (used by scripts/report-screenshot.sh), and beside it
    /// two edge cases: `-single-epoch` (100 pairs, 1 epoch without validation, threshold 0.97) and `-one-label`
    /// (duplicates only, no threshold, no epochs, no metrics).
    @Test(.enabled(if: ProcessInfo.processInfo.environment["SIAMESE_REPORT_SAMPLE"] != nil))
    func writeSamplePage() throws {
        let path = try #require(ProcessInfo.processInfo.environment["SIAMESE_REPORT_SAMPLE"])
        try sampleReport().html().write(toFile: path, atomically: true, encoding: .utf8)
        let base = path.hasSuffix(".html") ? String(path.dropLast(5)) : path
        var single = sampleReport(pairs: 100, threshold: 0.97, epochs: 1)
        single.learningCurve[0].validationAUC = nil
        try single.html().write(toFile: base + "-single-epoch.html", atomically: true, encoding: .utf8)
        let (scores, labels) = syntheticPairs(count: 400, seed: 3)
        let oneLabel = EvaluationReport(modelName: "duplicates-only", databasePath: "faq.sqlite",
                                        generatedAt: "2025-01-31T12:00:00Z",
                                        scores: zip(scores, labels).filter(\.1).map(\.0),
                                        labels: labels.filter { $0 })
        try oneLabel.html().write(toFile: base + "-one-label.html", atomically: true, encoding: .utf8)
    }
}
