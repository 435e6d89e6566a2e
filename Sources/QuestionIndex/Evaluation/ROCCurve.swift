/// The ROC curve of pair scores: true positive rate against false positive rate as the duplicate threshold
/// falls from the highest score to the lowest.
struct ROCCurve {
    /// (false positive rate, true positive rate), from (0, 0) to (1, 1); pairs with equal scores move the curve in
    /// one (possibly diagonal) step. Points in the middle of a straight horizontal or vertical run are dropped.
    /// Empty unless both labels occur.
    private(set) var points: [(fpr: Double, tpr: Double)] = []
    let positives: Int
    let negatives: Int

    /// - Complexity: O(n log n) for n pairs.
    init(scores: [Float], labels: [Bool]) {
        positives = labels.filter { $0 }.count
        negatives = labels.count - positives
        guard positives > 0, negatives > 0 else { return }
        let order = scores.indices.sorted { scores[$0] > scores[$1] }
        let p = Double(positives), n = Double(negatives)
        var truePositives = 0, falsePositives = 0
        var steps = [(fpr: 0.0, tpr: 0.0)]
        var position = 0
        while position < order.count {
            let score = scores[order[position]]
            while position < order.count && scores[order[position]] == score {
                if labels[order[position]] { truePositives += 1 } else { falsePositives += 1 }
                position += 1
            }
            steps.append((Double(falsePositives) / n, Double(truePositives) / p))
        }
        for (i, point) in steps.enumerated() {
            if i > 0, i < steps.count - 1 {
                let before = steps[i - 1], after = steps[i + 1]
                if (before.fpr == point.fpr && point.fpr == after.fpr) || (before.tpr == point.tpr && point.tpr == after.tpr) {
                    continue
                }
            }
            points.append(point)
        }
    }

    /// Area under the curve by the trapezoid rule: the same as the Mann–Whitney AUC with ties counted half.
    var auc: Double? {
        guard !points.isEmpty else { return nil }
        return zip(points, points.dropFirst()).reduce(0) { sum, segment in
            sum + (segment.1.fpr - segment.0.fpr) * (segment.0.tpr + segment.1.tpr) / 2
        }
    }

    /// The rates of calling every pair scoring at least `threshold` a duplicate.
    static func operatingPoint(threshold: Float, scores: [Float], labels: [Bool]) -> (fpr: Double, tpr: Double)? {
        var truePositives = 0, falsePositives = 0, positives = 0
        for (score, isDuplicate) in zip(scores, labels) {
            if isDuplicate { positives += 1 }
            guard score >= threshold else { continue }
            if isDuplicate { truePositives += 1 } else { falsePositives += 1 }
        }
        let negatives = min(scores.count, labels.count) - positives
        guard positives > 0, negatives > 0 else { return nil }
        return (Double(falsePositives) / Double(negatives), Double(truePositives) / Double(positives))
    }

    /// The chart as SVG, with the threshold's operating point (when given) marked.
    func svg(threshold: Float?, scores: [Float], labels: [Bool]) -> String {
        let frame = ChartFrame(width: 500, height: 480, margins: (top: 48, right: 24, bottom: 56, left: 72))
        let x = frame.xScale(0...1), y = frame.yScale(0...1)
        let ticks = Ticks.multiples(of: 0.2, from: 0, through: 1)
        var svg = frame.open(class: "chart roc", label: "ROC curve")
        svg += frame.bottomAxis(x, ticks: ticks, decimals: 1, title: "false positive rate")
        svg += frame.sideAxis(ticks: ticks.map { (y($0), Markup.fixed($0, 1)) }, title: "true positive rate")
        guard let auc else {
            let missing = positives == 0 ? "duplicate" : "non-duplicate"
            svg += frame.message("no \(missing) pairs: no ROC curve", y: y(0.5) - 12)
            svg += frame.message("(\(Markup.grouped(positives)) duplicates, \(Markup.grouped(negatives)) non-duplicates)",
                                 y: y(0.5) + 12)
            return svg + "</svg>\n"
        }
        svg += "<line class=\"diagonal\" x1=\"\(c(x(0)))\" y1=\"\(c(y(0)))\" x2=\"\(c(x(1)))\" y2=\"\(c(y(1)))\"/>\n"
        let coordinates = points.map { "\(c(x($0.fpr))),\(c(y($0.tpr)))" }.joined(separator: " ")
        svg += "<polygon class=\"roc-area\" points=\"\(coordinates) \(c(x(1))),\(c(y(0)))\"/>\n"
        svg += "<polyline class=\"roc\" data-auc=\"\(Markup.fixed(auc, 6))\" points=\"\(coordinates)\"/>\n"
        svg += "<text class=\"area-label\" x=\"\(c(x(0.62)))\" y=\"\(c(y(0.18)))\" text-anchor=\"middle\">"
            + "AUC \(Markup.fixed(auc, 3))</text>\n"
        var legend: [(swatchClass: String, line: Bool, label: String)] = [("roc", true, "model"), ("diagonal", true, "chance")]
        if let threshold, let point = Self.operatingPoint(threshold: threshold, scores: scores, labels: labels) {
            let px = x(point.fpr), py = y(point.tpr)
            svg += "<circle class=\"operating-point\" data-threshold=\"\(Markup.fixed(Double(threshold), 4))\""
                + " data-fpr=\"\(Markup.fixed(point.fpr, 4))\" data-tpr=\"\(Markup.fixed(point.tpr, 4))\""
                + " cx=\"\(c(px))\" cy=\"\(c(py))\" r=\"6\"/>\n"
            // Below and to the right of the point, where a curve above the diagonal leaves room.
            let labelX = min(px + 12, frame.right - 150), labelY = min(py + 22, frame.bottom - 26)
            svg += "<text class=\"point-label\" x=\"\(c(labelX))\" y=\"\(c(labelY))\">"
                + "threshold \(Markup.fixed(Double(threshold), 3))</text>\n"
            svg += "<text class=\"point-note\" x=\"\(c(labelX))\" y=\"\(c(labelY + 16))\">"
                + "TPR \(Markup.fixed(point.tpr, 3)), FPR \(Markup.fixed(point.fpr, 3))</text>\n"
            legend.append(("operating-point", false, "threshold"))
        }
        svg += frame.legend(legend)
        return svg + "</svg>\n"
    }

    private func c(_ value: Double) -> String { Markup.coordinate(value) }
}
