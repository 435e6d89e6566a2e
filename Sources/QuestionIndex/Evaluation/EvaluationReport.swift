import SiameseNet

/// Everything the `--report` page of an evaluation shows, and its rendering as one self-contained HTML page:
/// inline CSS and SVG, no script, nothing fetched from a network.
///
/// ```swift
/// var report = EvaluationReport(modelName: "default", databasePath: "quora.sqlite",
///                               generatedAt: Date().ISO8601Format(),
///                               scores: dev.scores, labels: dev.labels, threshold: model.threshold,
///                               learningCurve: epochs.map(EvaluationReport.Epoch.init))
/// report.metrics.set(dev.rocAUC, system: "model", metric: "ROC-AUC")
/// try report.html().write(toFile: "report.html", atomically: true, encoding: .utf8)
/// ```
public struct EvaluationReport: Sendable {
    /// One point of the learning curve.
    public struct Epoch: Sendable, Equatable {
        /// 1-based epoch number.
        public var epoch: Int
        /// Mean training loss over the epoch.
        public var loss: Double
        /// ROC-AUC on held-out pairs after the epoch, when measured.
        public var validationAUC: Double?

        /// A point of the learning curve; `validationAUC` nil when it was not measured.
        public init(epoch: Int, loss: Double, validationAUC: Double? = nil) {
            self.epoch = epoch
            self.loss = loss
            self.validationAUC = validationAUC
        }

        /// The point of a stored epoch.
        public init(_ record: TrainingEpochRecord) {
            self.init(epoch: record.epoch, loss: record.loss, validationAUC: record.validationAUC)
        }
    }

    /// The page's heading.
    public var title: String
    /// The evaluated model's name.
    public var modelName: String
    /// The index file the model and pairs came from, as the user gave it.
    public var databasePath: String
    /// When the evaluation ran, as ISO-8601 text; shown as given, so the page is reproducible.
    public var generatedAt: String
    /// Cosine similarity of each labelled pair, in [-1, 1].
    public var scores: [Float]
    /// One label per score: true when the pair is a duplicate.
    public var labels: [Bool]
    /// The model's duplicate threshold (a pair scoring at or above it is called a duplicate), if calibrated.
    public var threshold: Float?
    /// Loss (and validation ROC-AUC) per training epoch; empty when unknown.
    public var learningCurve: [Epoch]
    /// Systems × metrics. The highest value of each column is emphasised, so use metrics where higher is better.
    public var metrics: MetricsTable
    /// Extra lines under the heading, e.g. "3,049 queries, 61,456 questions in the corpus".
    public var notes: [String]

    /// - Precondition: `scores.count == labels.count`.
    public init(title: String = "Duplicate-question evaluation", modelName: String, databasePath: String,
                generatedAt: String, scores: [Float] = [], labels: [Bool] = [], threshold: Float? = nil,
                learningCurve: [Epoch] = [], metrics: MetricsTable = MetricsTable(), notes: [String] = []) {
        precondition(scores.count == labels.count, "one label per score")
        self.title = title
        self.modelName = modelName
        self.databasePath = databasePath
        self.generatedAt = generatedAt
        self.scores = scores
        self.labels = labels
        self.threshold = threshold
        self.learningCurve = learningCurve
        self.metrics = metrics
        self.notes = notes
    }

    /// The report as one HTML page that is also well-formed XML (XHTML syntax). Deterministic: the same report
    /// gives the same bytes. Chart elements carry `data-*` attributes with the plotted values.
    /// - Precondition: `scores.count == labels.count`.
    /// - Complexity: O(n log n) for n pairs.
    public func html() -> String {
        precondition(scores.count == labels.count, "one label per score")
        // A NaN score or threshold (a broken model) cannot be placed on an axis: leave it out, and say so.
        let finite = zip(scores, labels).filter { $0.0.isFinite }
        let scores = finite.map(\.0), labels = finite.map(\.1)
        let threshold = threshold.flatMap { $0.isFinite ? $0 : nil }
        let roc = ROCCurve(scores: scores, labels: labels)
        let aucTitle = roc.auc.map { " · AUC \(Markup.fixed($0, 3))" } ?? ""
        var page = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8"/>
            <meta name="viewport" content="width=device-width, initial-scale=1"/>
            <title>\(Markup.escape(title)) · \(Markup.escape(modelName))</title>
            <style>\(Self.style)</style>
            </head>
            <body>
            <main>

            """
        page += header(roc: roc, threshold: threshold, leftOut: self.scores.count - scores.count)
        page += "<section>\n<h2>Metrics</h2>\n" + metrics.html() + "</section>\n"
        page += figure("Scores of duplicate and non-duplicate pairs",
                       ScoreHistogram(scores: scores, labels: labels).svg(threshold: threshold), wide: true)
        page += "<div class=\"row\">\n"
        page += figure("ROC curve\(aucTitle)", roc.svg(threshold: threshold, scores: scores, labels: labels))
        page += figure("Learning curve", LearningCurveChart(epochs: learningCurve).svg())
        page += "</div>\n</main>\n</body>\n</html>\n"
        return page
    }

    private func header(roc: ROCCurve, threshold: Float?, leftOut: Int) -> String {
        var html = "<header>\n<h1>\(Markup.escape(title))</h1>\n<dl>\n"
        let threshold = threshold.map { Markup.fixed(Double($0), 4) } ?? "none"
        let fields = [
            ("model", modelName), ("database", databasePath), ("generated", generatedAt),
            ("pairs", "\(Markup.grouped(roc.positives + roc.negatives)): \(Markup.grouped(roc.positives)) duplicates, "
                + "\(Markup.grouped(roc.negatives)) non-duplicates"
                + (leftOut > 0 ? " (\(Markup.grouped(leftOut)) with a non-finite score left out)" : "")),
            ("threshold", threshold),
        ]
        for (name, value) in fields {
            html += "<div><dt>\(name)</dt><dd>\(Markup.escape(value))</dd></div>\n"
        }
        html += "</dl>\n"
        if !notes.isEmpty {
            html += "<ul class=\"notes\">\n" + notes.map { "<li>\(Markup.escape($0))</li>\n" }.joined() + "</ul>\n"
        }
        return html + "</header>\n"
    }

    private func figure(_ caption: String, _ svg: String, wide: Bool = false) -> String {
        "<figure\(wide ? " class=\"wide\"" : "")>\n<figcaption>\(Markup.escape(caption))</figcaption>\n\(svg)</figure>\n"
    }

    /// Okabe–Ito colours (distinguishable with the common colour-vision deficiencies): orange for duplicates,
    /// blue for non-duplicates. No `<`, `>` or `&` here: the page must stay well-formed XML.
    private static let style = """

        :root { color-scheme: light; }
        body { margin: 0; background: #f6f6f4; color: #222;
          font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", "DejaVu Sans", Arial, sans-serif; }
        main { max-width: 1120px; margin: 0 auto; padding: 24px 28px 40px; }
        h1 { font-size: 26px; margin: 0 0 12px; }
        h2, figcaption { font-size: 17px; font-weight: 600; margin: 0 0 10px; }
        header dl { display: flex; flex-wrap: wrap; gap: 6px 28px; margin: 0; font-size: 14px; }
        header dl div { display: flex; gap: 8px; min-width: 0; }
        header dt { color: #666; }
        header dd { margin: 0; font-weight: 600; overflow-wrap: anywhere; }
        ul.notes { margin: 10px 0 0; padding-left: 20px; color: #444; font-size: 14px; }
        section, figure { background: #fff; border: 1px solid #ddd; border-radius: 8px; padding: 16px 18px;
          margin: 18px 0 0; box-sizing: border-box; }
        .row { display: flex; flex-wrap: wrap; gap: 18px; }
        .row figure { flex: 1 1 420px; min-width: 0; }
        .row figure svg { max-width: 600px; margin: 0 auto; }
        svg { display: block; width: 100%; height: auto; font-size: 13px; }
        table.metrics { border-collapse: collapse; font-size: 15px; font-variant-numeric: tabular-nums; }
        table.metrics th, table.metrics td { padding: 6px 16px; border-bottom: 1px solid #e4e4e4; }
        table.metrics thead th { text-align: right; color: #555; font-weight: 600; border-bottom: 2px solid #ccc; }
        table.metrics thead th:first-child, table.metrics tbody th { text-align: left; }
        table.metrics tbody th { font-weight: 600; }
        table.metrics td { text-align: right; }
        table.metrics td.best { font-weight: 700; background: #eef5fb; }
        table.metrics td.missing { color: #999; text-align: center; }
        .grid { stroke: #ececec; }
        .tick, .axis-line { stroke: #555; }
        .baseline { stroke: #333; }
        .tick-label { fill: #444; }
        .axis-title { fill: #222; font-size: 14px; }
        .message { fill: #777; font-size: 15px; font-style: italic; }
        .message.note { font-size: 13px; }
        .legend text { fill: #222; }
        .half-label { fill: #555; font-size: 13px; }
        .duplicate { fill: #e69f00; }
        .non-duplicate { fill: #0072b2; }
        .threshold { stroke: #222; stroke-width: 2; stroke-dasharray: 6 4; }
        .threshold-label, .threshold-note, .point-label, .point-note, .value-label, .area-label {
          paint-order: stroke; stroke: #fff; stroke-width: 3px; stroke-linejoin: round; }
        .threshold-label { fill: #222; font-weight: 600; }
        .threshold-note { fill: #555; font-size: 12px; }
        .diagonal { stroke: #999; stroke-width: 1.5; stroke-dasharray: 5 5; }
        polyline.roc, line.roc { fill: none; stroke: #0072b2; stroke-width: 2.5; }
        .roc-area { fill: #0072b2; fill-opacity: 0.08; }
        .area-label { fill: #0072b2; font-size: 16px; font-weight: 600; }
        .operating-point { fill: #e69f00; stroke: #222; stroke-width: 1.5; }
        .point-label { fill: #222; font-weight: 600; }
        .point-note { fill: #555; font-size: 12px; }
        polyline.loss, line.loss { fill: none; stroke: #222; stroke-width: 2; }
        .point.loss { fill: #222; }
        polyline.auc, line.auc { fill: none; stroke: #009e73; stroke-width: 2; stroke-dasharray: 7 4; }
        .point.auc { fill: #009e73; }
        .value-label { font-size: 12px; font-weight: 600; }
        .value-label.loss { fill: #222; }
        .value-label.auc { fill: #007a5a; }

        """
}
