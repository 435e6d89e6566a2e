/// Counts of duplicate and non-duplicate pair scores in fixed bins over [-1, 1], drawn mirrored: duplicates
/// above the baseline, non-duplicates below, on one count scale.
struct ScoreHistogram {
    static let binCount = 40
    static let binWidth = 0.05

    /// Per bin, how many duplicates / non-duplicates scored in it.
    private(set) var duplicates = [Int](repeating: 0, count: binCount)
    private(set) var nonDuplicates = [Int](repeating: 0, count: binCount)

    /// Bins every score: bin i covers [-1 + 0.05 i, -1 + 0.05 (i + 1)); a score of 1 (or, from rounding, just
    /// outside [-1, 1]) goes to the nearest end bin. Non-finite scores are left out.
    init(scores: [Float], labels: [Bool]) {
        for (score, isDuplicate) in zip(scores, labels) where score.isFinite {
            let bin = Self.bin(of: Double(score))
            if isDuplicate { duplicates[bin] += 1 } else { nonDuplicates[bin] += 1 }
        }
    }

    static func bin(of score: Double) -> Int {
        min(max(Int(((score + 1) / binWidth).rounded(.down)), 0), binCount - 1)
    }

    static func lowerBound(ofBin bin: Int) -> Double { -1 + Double(bin) * binWidth }

    /// The chart as SVG, with the threshold (when given) as a labelled vertical line.
    func svg(threshold: Float?) -> String {
        let frame = ChartFrame(width: 1040, height: 400, margins: (top: 48, right: 24, bottom: 56, left: 72))
        let x = frame.xScale(-1...1)
        let baseline = (frame.top + frame.bottom) / 2
        let largest = max(duplicates.max() ?? 0, nonDuplicates.max() ?? 0, 1)
        // A quarter of headroom above the tallest bar keeps the threshold label clear of the bars.
        let step = Ticks.niceStep(span: Double(largest) * 1.25, count: 4).rounded(.up)
        let ceiling = max((Double(largest) * 1.25 / step).rounded(.up) * step, 1)
        // One count scale for both halves, so bar heights compare across the labels.
        let up = LinearScale(domain: 0...ceiling, range: (baseline, frame.top))
        let down = LinearScale(domain: 0...ceiling, range: (baseline, frame.bottom))
        let yTicks = Ticks.multiples(of: step, from: step, through: ceiling)

        let dupTotal = duplicates.reduce(0, +), nonTotal = nonDuplicates.reduce(0, +)
        var svg = frame.open(class: "chart histogram", label: "Histogram of pair scores by label")
        svg += frame.bottomAxis(x, ticks: Ticks.multiples(of: 0.25, from: -1, through: 1), decimals: 2,
                                title: "cosine similarity of the two questions")
        let countTicks = [(y: baseline, label: "0")] + yTicks.flatMap { count in
            [(y: up(count), label: Markup.grouped(Int(count))), (y: down(count), label: Markup.grouped(Int(count)))]
        }
        svg += frame.sideAxis(ticks: countTicks, title: "pairs per bin")
        svg += "<line class=\"baseline\" x1=\"\(c(frame.left))\" y1=\"\(c(baseline))\" x2=\"\(c(frame.right))\" y2=\"\(c(baseline))\"/>\n"
        svg += "<text class=\"half-label\" x=\"\(c(frame.left + 10))\" y=\"\(c(frame.top + 16))\">▲ duplicates</text>\n"
        svg += "<text class=\"half-label\" x=\"\(c(frame.left + 10))\" y=\"\(c(frame.bottom - 10))\">▼ non-duplicates</text>\n"
        svg += bars(duplicates, className: "duplicate", x: x, y: up, baseline: baseline)
        svg += bars(nonDuplicates, className: "non-duplicate", x: x, y: down, baseline: baseline)
        if dupTotal == 0 { svg += frame.message("no duplicate pairs", y: (frame.top + baseline) / 2) }
        if nonTotal == 0 { svg += frame.message("no non-duplicate pairs", y: (baseline + frame.bottom) / 2) }
        if let threshold { svg += thresholdLine(Double(threshold), x: x, frame: frame) }
        svg += frame.legend([
            ("duplicate", false, "duplicates (\(Markup.grouped(dupTotal)))"),
            ("non-duplicate", false, "non-duplicates (\(Markup.grouped(nonTotal)))"),
        ] + (threshold == nil ? [] : [("threshold", true, "duplicate threshold")]))
        return svg + "</svg>\n"
    }

    private func bars(_ counts: [Int], className: String, x: LinearScale, y: LinearScale, baseline: Double) -> String {
        var svg = "<g class=\"bars \(className)\">\n"
        for (bin, count) in counts.enumerated() {
            let low = Self.lowerBound(ofBin: bin)
            let left = x(low), right = x(low + Self.binWidth)
            let height = abs(y(Double(count)) - baseline)
            let top = y.range.1 < baseline ? baseline - height : baseline
            svg += "<rect class=\"bar \(className)\" data-bin-low=\"\(Markup.fixed(low, 2))\""
                + " data-bin-high=\"\(Markup.fixed(low + Self.binWidth, 2))\" data-count=\"\(count)\""
                + " x=\"\(c(left + 1))\" y=\"\(c(top))\" width=\"\(c(right - left - 2))\" height=\"\(c(height))\">"
                + "<title>\(Markup.fixed(low, 2)) to \(Markup.fixed(low + Self.binWidth, 2)): \(count)</title></rect>\n"
        }
        return svg + "</g>\n"
    }

    private func thresholdLine(_ threshold: Double, x: LinearScale, frame: ChartFrame) -> String {
        let position = x(min(max(threshold, -1), 1))
        // The label goes on the side with more room.
        let onLeft = position > frame.right - 170
        let labelX = onLeft ? position - 8 : position + 8
        let anchor = onLeft ? "end" : "start"
        var svg = "<line class=\"threshold\" data-threshold=\"\(Markup.fixed(threshold, 4))\""
            + " x1=\"\(c(position))\" y1=\"\(c(frame.top - 4))\" x2=\"\(c(position))\" y2=\"\(c(frame.bottom))\"/>\n"
        svg += "<text class=\"threshold-label\" x=\"\(c(labelX))\" y=\"\(c(frame.top + 16))\" text-anchor=\"\(anchor)\">"
            + "threshold \(Markup.fixed(threshold, 3))</text>\n"
        svg += "<text class=\"threshold-note\" x=\"\(c(labelX))\" y=\"\(c(frame.top + 32))\" text-anchor=\"\(anchor)\">"
            + (onLeft ? "← called not duplicate" : "called duplicate →") + "</text>\n"
        return svg
    }

    private func c(_ value: Double) -> String { Markup.coordinate(value) }
}
