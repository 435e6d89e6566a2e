/// Training loss per epoch on the left axis and, when measured, validation ROC-AUC on the right axis.
struct LearningCurveChart {
    var epochs: [EvaluationReport.Epoch]

    func svg() -> String {
        let frame = ChartFrame(width: 540, height: 480, margins: (top: 48, right: 72, bottom: 56, left: 72))
        let rows = epochs.filter { $0.loss.isFinite }.sorted { $0.epoch < $1.epoch }
        let aucRows = rows.filter { $0.validationAUC?.isFinite == true }
        var svg = frame.open(class: "chart learning-curve", label: "Learning curve")
        guard let first = rows.first, let last = rows.last else {
            svg += frame.bottomAxis(frame.xScale(0...1), ticks: [], decimals: 0, title: "epoch")
            svg += frame.sideAxis(ticks: [], title: "training loss")
            svg += frame.message("no training epochs recorded")
            return svg + "</svg>\n"
        }
        // Half an epoch of room at each end, so one epoch sits in the middle and no point sits on an axis.
        let x = frame.xScale(Double(first.epoch) - 0.5...Double(last.epoch) + 0.5)
        let epochStep = max(Ticks.niceStep(span: Double(last.epoch - first.epoch), count: 8).rounded(.up), 1)
        svg += frame.bottomAxis(x, ticks: Ticks.multiples(of: epochStep, from: Double(first.epoch), through: Double(last.epoch)),
                                decimals: 0, title: "epoch")

        // A little headroom, so the label of a point at the top stays inside the plot.
        let lossCeiling = (rows.map(\.loss).max() ?? 1) * 1.1
        let lossStep = Ticks.niceStep(span: lossCeiling > 0 ? lossCeiling : 1, count: 5)
        let lossTop = max((lossCeiling / lossStep).rounded(.up) * lossStep, lossStep)
        let lossY = frame.yScale(min(0, rows.map(\.loss).min() ?? 0)...lossTop)
        let lossDecimals = Self.decimals(for: lossStep)
        svg += frame.sideAxis(ticks: Ticks.multiples(of: lossStep, from: lossY.domain.lowerBound, through: lossTop)
                                .map { (lossY($0), Markup.fixed($0, lossDecimals)) },
                              title: "training loss")
        var legend: [(swatchClass: String, line: Bool, label: String)] = [("loss", true, "training loss (left)")]
        if let aucY = aucScale(aucRows, frame: frame) {
            svg += frame.sideAxis(ticks: aucY.ticks.map { (aucY.scale($0), Markup.fixed($0, aucY.decimals)) },
                                  onRight: true, grid: false, title: "validation ROC-AUC")
            svg += series(aucRows.map { ($0.epoch, $0.validationAUC ?? 0) }, className: "auc", attribute: "data-auc",
                          decimals: 4, x: x, y: aucY.scale, square: true)
            legend.append(("auc", true, "validation ROC-AUC (right)"))
        }
        svg += series(rows.map { ($0.epoch, $0.loss) }, className: "loss", attribute: "data-loss", decimals: 4,
                      x: x, y: lossY, square: false)
        if aucRows.isEmpty {
            // In the legend row, left of the legend: inside the plot it would cover points.
            svg += "<text class=\"message note\" x=\"\(c(frame.left))\" y=\"\(c(frame.top - 22))\" dy=\"0.35em\">"
                + "no validation ROC-AUC</text>\n"
        }
        svg += frame.legend(legend)
        return svg + "</svg>\n"
    }

    /// The right axis: a range a little wider than the AUC values, on round ticks, inside [0, 1].
    private func aucScale(_ rows: [EvaluationReport.Epoch], frame: ChartFrame)
        -> (scale: LinearScale, ticks: [Double], decimals: Int)? {
        let values = rows.compactMap(\.validationAUC)
        guard let low = values.min(), let high = values.max() else { return nil }
        let step = Ticks.niceStep(span: max(high - low, 0.02), count: 4)
        let bottom = max(((low - step / 2) / step).rounded(.down) * step, 0)
        let top = min(((high + step / 2) / step).rounded(.up) * step, 1)
        let scale = frame.yScale(bottom...top)
        return (scale, Ticks.multiples(of: step, from: bottom, through: top), Self.decimals(for: step))
    }

    /// A line through the points and a marker per point carrying its epoch and value; the last value is labelled.
    private func series(_ points: [(epoch: Int, value: Double)], className: String, attribute: String, decimals: Int,
                        x: LinearScale, y: LinearScale, square: Bool) -> String {
        var svg = "<g class=\"series \(className)\">\n"
        if points.count > 1 {
            let coordinates = points.map { "\(c(x(Double($0.epoch)))),\(c(y($0.value)))" }.joined(separator: " ")
            svg += "<polyline class=\"\(className)\" points=\"\(coordinates)\"/>\n"
        }
        for point in points {
            let px = x(Double(point.epoch)), py = y(point.value)
            let data = "class=\"point \(className)\" data-epoch=\"\(point.epoch)\" \(attribute)=\"\(Markup.fixed(point.value, decimals))\""
            let tooltip = "<title>epoch \(point.epoch): \(Markup.fixed(point.value, decimals))</title>"
            if square {
                svg += "<rect \(data) x=\"\(c(px - 5))\" y=\"\(c(py - 5))\" width=\"10\" height=\"10\">\(tooltip)</rect>\n"
            } else {
                svg += "<circle \(data) cx=\"\(c(px))\" cy=\"\(c(py))\" r=\"5\">\(tooltip)</circle>\n"
            }
        }
        if let final = points.last {
            svg += "<text class=\"value-label \(className)\" x=\"\(c(x(Double(final.epoch))))\""
                + " y=\"\(c(y(final.value) - 12))\" text-anchor=\"middle\">\(Markup.fixed(final.value, decimals))</text>\n"
        }
        return svg + "</g>\n"
    }

    /// Enough decimals to tell ticks `step` apart: 0.05 → 2, 0.2 → 1, 5 → 0.
    private static func decimals(for step: Double) -> Int {
        var decimals = 0, scaled = step
        while decimals < 6, (scaled - scaled.rounded()).magnitude > 1e-9 { scaled *= 10; decimals += 1 }
        return decimals
    }

    private func c(_ value: Double) -> String { Markup.coordinate(value) }
}
