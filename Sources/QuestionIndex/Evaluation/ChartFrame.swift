/// The geometry shared by the report's charts: a plot rectangle inside an SVG canvas, linear scales onto it,
/// "nice" tick values, and the axis markup.
struct ChartFrame {
    /// The SVG canvas (its viewBox), in user units.
    var width: Double
    var height: Double
    /// The plot rectangle inside the canvas.
    var left: Double
    var top: Double
    var right: Double
    var bottom: Double

    init(width: Double, height: Double, margins: (top: Double, right: Double, bottom: Double, left: Double)) {
        self.width = width
        self.height = height
        left = margins.left
        top = margins.top
        right = width - margins.right
        bottom = height - margins.bottom
    }

    var plotWidth: Double { right - left }
    var plotHeight: Double { bottom - top }

    /// Maps `domain` linearly onto the horizontal extent of the plot.
    func xScale(_ domain: ClosedRange<Double>) -> LinearScale {
        LinearScale(domain: domain, range: (left, right))
    }

    /// Maps `domain` linearly onto the vertical extent of the plot, low values at the bottom.
    func yScale(_ domain: ClosedRange<Double>) -> LinearScale {
        LinearScale(domain: domain, range: (bottom, top))
    }

    /// The opening `<svg>` tag for this canvas; `label` is its accessible name.
    func open(class name: String, label: String) -> String {
        "<svg class=\"\(name)\" viewBox=\"0 0 \(Markup.coordinate(width)) \(Markup.coordinate(height))\""
            + " role=\"img\" aria-label=\"\(Markup.escape(label))\">\n"
    }

    /// Vertical grid lines, tick marks and labels along the bottom edge, and the axis title below them.
    func bottomAxis(_ scale: LinearScale, ticks: [Double], decimals: Int, title: String) -> String {
        var svg = "<g class=\"axis x\">\n"
        for tick in ticks {
            let x = Markup.coordinate(scale(tick))
            svg += "<line class=\"grid\" x1=\"\(x)\" y1=\"\(c(top))\" x2=\"\(x)\" y2=\"\(c(bottom))\"/>\n"
            svg += "<line class=\"tick\" x1=\"\(x)\" y1=\"\(c(bottom))\" x2=\"\(x)\" y2=\"\(c(bottom + 5))\"/>\n"
            svg += "<text class=\"tick-label\" x=\"\(x)\" y=\"\(c(bottom + 19))\" text-anchor=\"middle\">"
                + "\(Markup.fixed(tick, decimals))</text>\n"
        }
        svg += "<line class=\"axis-line\" x1=\"\(c(left))\" y1=\"\(c(bottom))\" x2=\"\(c(right))\" y2=\"\(c(bottom))\"/>\n"
        svg += "<text class=\"axis-title\" x=\"\(c((left + right) / 2))\" y=\"\(c(bottom + 40))\""
            + " text-anchor=\"middle\">\(Markup.escape(title))</text>\n"
        return svg + "</g>\n"
    }

    /// Horizontal grid lines (when `grid`), tick marks and labels on the left or right edge, and a rotated axis
    /// title. Each tick is its vertical position and its label.
    func sideAxis(ticks: [(y: Double, label: String)], onRight: Bool = false, grid: Bool = true,
                  title: String) -> String {
        let edge = onRight ? right : left, direction = onRight ? 1.0 : -1.0
        var svg = "<g class=\"axis y\(onRight ? " right" : "")\">\n"
        for tick in ticks {
            let y = c(tick.y)
            if grid {
                svg += "<line class=\"grid\" x1=\"\(c(left))\" y1=\"\(y)\" x2=\"\(c(right))\" y2=\"\(y)\"/>\n"
            }
            svg += "<line class=\"tick\" x1=\"\(c(edge))\" y1=\"\(y)\" x2=\"\(c(edge + 5 * direction))\" y2=\"\(y)\"/>\n"
            svg += "<text class=\"tick-label\" x=\"\(c(edge + 8 * direction))\" y=\"\(y)\" dy=\"0.35em\""
                + " text-anchor=\"\(onRight ? "start" : "end")\">\(Markup.escape(tick.label))</text>\n"
        }
        svg += "<line class=\"axis-line\" x1=\"\(c(edge))\" y1=\"\(c(top))\" x2=\"\(c(edge))\" y2=\"\(c(bottom))\"/>\n"
        let titleX = onRight ? width - 14 : 16.0, middle = (top + bottom) / 2
        svg += "<text class=\"axis-title\" x=\"\(c(titleX))\" y=\"\(c(middle))\" text-anchor=\"middle\""
            + " transform=\"rotate(\(onRight ? 90 : -90) \(c(titleX)) \(c(middle)))\">\(Markup.escape(title))</text>\n"
        return svg + "</g>\n"
    }

    /// A message centred in the plot rectangle, for a chart that has nothing to draw.
    func message(_ text: String, y: Double? = nil) -> String {
        "<text class=\"message\" x=\"\(c((left + right) / 2))\" y=\"\(c(y ?? (top + bottom) / 2))\""
            + " text-anchor=\"middle\">\(Markup.escape(text))</text>\n"
    }

    /// A legend row at the top of the canvas: a swatch and a label per entry, laid out from the right edge of the
    /// plot leftwards. `swatchClass` styles the swatch (`line` draws a short line, else a square).
    func legend(_ entries: [(swatchClass: String, line: Bool, label: String)]) -> String {
        var svg = "<g class=\"legend\">\n"
        // A rough width per character: the legend only needs to not overlap itself.
        var x = right
        for entry in entries.reversed() {
            x -= 7.8 * Double(entry.label.count) + 44
            let y = top - 22
            if entry.line {
                svg += "<line class=\"swatch \(entry.swatchClass)\" x1=\"\(c(x))\" y1=\"\(c(y))\" x2=\"\(c(x + 18))\" y2=\"\(c(y))\"/>\n"
            } else {
                svg += "<rect class=\"swatch \(entry.swatchClass)\" x=\"\(c(x + 2))\" y=\"\(c(y - 7))\" width=\"14\" height=\"14\"/>\n"
            }
            svg += "<text x=\"\(c(x + 24))\" y=\"\(c(y))\" dy=\"0.35em\">\(Markup.escape(entry.label))</text>\n"
        }
        return svg + "</g>\n"
    }

    private func c(_ value: Double) -> String { Markup.coordinate(value) }
}

/// A linear map from data values to SVG coordinates.
struct LinearScale {
    var domain: ClosedRange<Double>
    var range: (Double, Double)

    func callAsFunction(_ value: Double) -> Double {
        let span = domain.upperBound - domain.lowerBound
        let t = span == 0 ? 0.5 : (value - domain.lowerBound) / span
        return range.0 + t * (range.1 - range.0)
    }
}

/// Round tick values for an axis.
enum Ticks {
    /// A step of 1, 2 or 5 × 10^k that cuts `span` into about `count` intervals.
    static func niceStep(span: Double, count: Int) -> Double {
        guard span > 0, span.isFinite else { return 1 }
        let raw = span / Double(max(count, 1))
        var magnitude = 1.0
        while magnitude * 10 <= raw { magnitude *= 10 }
        while magnitude > raw { magnitude /= 10 }
        for factor in [1.0, 2, 5] where factor * magnitude >= raw { return factor * magnitude }
        return 10 * magnitude
    }

    /// The multiples of `step` from `low` to `high` (both included when they are multiples).
    static func multiples(of step: Double, from low: Double, through high: Double) -> [Double] {
        let first = (low / step - 1e-9).rounded(.up), last = (high / step + 1e-9).rounded(.down)
        guard first <= last else { return [] }
        // Computed from integers so no accumulated error shows in a label.
        return stride(from: first, through: last, by: 1).map { $0 * step }
    }
}
