extension EvaluationReport {
    /// Systems (rows) × named metrics (columns) for the report's table; a cell may be missing.
    ///
    /// Fill it cell by cell as results come in:
    /// ```swift
    /// var table = EvaluationReport.MetricsTable()
    /// table.set(0.7385, system: "model", metric: "ROC-AUC")
    /// table.set(nil, system: "BM25 (FTS5)", metric: "ROC-AUC")  // not applicable: shown as "–"
    /// ```
    public struct MetricsTable: Sendable, Equatable {
        /// One system's results, keyed by metric name.
        public struct Row: Sendable, Equatable {
            /// The system's name, shown as the row's label (e.g. "model", "BM25 (FTS5)").
            public var system: String
            /// Its value for each metric name; a metric without a value is shown as missing.
            public var values: [String: Double]

            /// A row for `system` with the given cells.
            public init(system: String, values: [String: Double] = [:]) {
                self.system = system
                self.values = values
            }
        }

        /// Metric names, in display order. A value whose metric is not listed here is not shown.
        public var columns: [String]
        /// Systems, in display order.
        public var rows: [Row]

        /// A table with these columns and rows; empty by default, to be filled with `set(_:system:metric:)`.
        public init(columns: [String] = [], rows: [Row] = []) {
            self.columns = columns
            self.rows = rows
        }

        /// Sets one cell (nil or a non-finite value: missing), adding the system's row and the metric's column at
        /// the end when they are new.
        /// - Complexity: O(rows + columns).
        public mutating func set(_ value: Double?, system: String, metric: String) {
            if !columns.contains(metric) { columns.append(metric) }
            let index = rows.firstIndex { $0.system == system } ?? {
                rows.append(Row(system: system))
                return rows.count - 1
            }()
            rows[index].values[metric] = value
        }

        /// The table as HTML: values with 3 decimals, missing cells as "–", every cell carrying its system,
        /// metric and exact value (`data-value`, Swift's round-trip text) for tools to read.
        func html() -> String {
            guard !rows.isEmpty, !columns.isEmpty else { return "<p class=\"empty\">No metrics recorded.</p>\n" }
            var html = "<table class=\"metrics\">\n<thead><tr><th scope=\"col\">system</th>"
            for column in columns { html += "<th scope=\"col\">\(Markup.escape(column))</th>" }
            html += "</tr></thead>\n<tbody>\n"
            let best = bestValues()
            for row in rows {
                let system = Markup.escape(row.system)
                html += "<tr><th scope=\"row\">\(system)</th>"
                for column in columns {
                    let cell = "data-system=\"\(system)\" data-metric=\"\(Markup.escape(column))\""
                    if let value = row.values[column], value.isFinite {
                        let isBest = value == best[column]
                        html += "<td class=\"value\(isBest ? " best" : "")\" \(cell) data-value=\"\(value)\">"
                            + "\(Markup.fixed(value, 3))</td>"
                    } else {
                        html += "<td class=\"value missing\" \(cell)>–</td>"
                    }
                }
                html += "</tr>\n"
            }
            return html + "</tbody>\n</table>\n"
        }

        /// The highest value of each column that has at least two values: every metric the report shows is
        /// better when higher.
        private func bestValues() -> [String: Double] {
            var best: [String: Double] = [:]
            for column in columns {
                let values = rows.compactMap { $0.values[column] }.filter(\.isFinite)
                if values.count > 1 { best[column] = values.max() }
            }
            return best
        }
    }
}
