import Foundation

/// A small SVG line chart of named series over a common x axis (such as train and validation loss
/// per epoch): axes with "nice" ticks (steps of 1, 2 or 5 times a power of ten) and labels, a
/// legend and a title. Point `i` of a series is drawn at x = `i + 1` (epochs count from 1);
/// non-finite values are skipped and break the line. Returns the SVG text; the caller writes it.
public enum LineChartSVG {
    /// One named line.
    public struct Series: Sendable {
        /// The name shown in the legend.
        public var name: String
        /// The y values, point `i` at x = `i + 1`.
        public var values: [Double]

        /// Makes a series.
        public init(name: String, values: [Double]) {
            self.name = name
            self.values = values
        }
    }

    /// matplotlib's "tab10" colours, used in order.
    static let palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]

    /// Ticks covering `low...high` at a step of 1, 2 or 5 times a power of ten, about `target` of them.
    static func ticks(_ low: Double, _ high: Double, target: Int = 6) -> (values: [Double], step: Double) {
        var (lo, hi) = (low, high)
        if hi - lo < 1e-12 * max(1, abs(hi)) {
            lo -= max(abs(lo) * 0.1, 0.5)
            hi += max(abs(hi) * 0.1, 0.5)
        }
        let raw = (hi - lo) / Double(max(target - 1, 1))
        let magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw * 0.999 } ?? 10 * magnitude
        let first = floor(lo / step) * step
        let last = ceil(hi / step) * step
        let count = Int(((last - first) / step).rounded())
        return ((0...count).map { first + Double($0) * step }, step)
    }

    /// A tick label with as many decimals as the step needs.
    static func label(_ v: Double, step: Double) -> String {
        let decimals = max(0, Int(-floor(log10(step) + 1e-9)))
        let s = String(format: "%.\(decimals)f", v)
        return s.hasPrefix("-") && Double(s) == 0 ? String(s.dropFirst()) : s
    }

    /// Renders the chart. An empty `series` (or one with no finite values) gives the axes alone.
    public static func render(title: String, xLabel: String, yLabel: String, series: [Series]) -> String {
        let width = 640.0
        let height = 400.0
        let (left, right, top, bottom) = (72.0, 24.0, 48.0, 56.0)
        let plotW = width - left - right
        let plotH = height - top - bottom
        let finite = series.flatMap { $0.values.filter(\.isFinite) }
        let pointCount = max(series.map(\.values.count).max() ?? 0, 1)
        let (yTicks, yStep) = ticks(finite.min() ?? 0, finite.max() ?? 1)
        let (xTicks, xStep) = ticks(1, Double(max(pointCount, 2)), target: min(max(pointCount, 2), 8))
        let xTickValues = xTicks.filter { $0 >= 1 && $0 <= Double(max(pointCount, 2)) && $0 == $0.rounded() }
        let xMin = 1.0
        let xMax = Double(max(pointCount, 2))
        let yMin = yTicks.first!
        let yMax = yTicks.last!
        func px(_ x: Double) -> Double { left + (x - xMin) / (xMax - xMin) * plotW }
        func py(_ y: Double) -> Double { top + plotH - (y - yMin) / (yMax - yMin) * plotH }
        let c = SVGText.coordinate
        var s = SVGText.documentStart(width: width, height: height, title: title, titleX: left + plotW / 2, titleY: 28)
        // Grid and ticks.
        for y in yTicks {
            s +=
                "<line x1=\"\(c(left))\" y1=\"\(c(py(y)))\" x2=\"\(c(left + plotW))\" y2=\"\(c(py(y)))\" stroke=\"#e0e0e0\" stroke-width=\"1\"/>\n"
            s += "<line x1=\"\(c(left - 5))\" y1=\"\(c(py(y)))\" x2=\"\(c(left))\" y2=\"\(c(py(y)))\" stroke=\"#000000\"/>\n"
            s +=
                "<text x=\"\(c(left - 8))\" y=\"\(c(py(y)))\" font-size=\"11\" text-anchor=\"end\" dominant-baseline=\"central\">\(label(y, step: yStep))</text>\n"
        }
        for x in xTickValues {
            s += "<line x1=\"\(c(px(x)))\" y1=\"\(c(top + plotH))\" x2=\"\(c(px(x)))\" y2=\"\(c(top + plotH + 5))\" stroke=\"#000000\"/>\n"
            s +=
                "<text x=\"\(c(px(x)))\" y=\"\(c(top + plotH + 18))\" font-size=\"11\" text-anchor=\"middle\">\(label(x, step: max(xStep, 1)))</text>\n"
        }
        s += "<rect x=\"\(c(left))\" y=\"\(c(top))\" width=\"\(c(plotW))\" height=\"\(c(plotH))\" fill=\"none\" stroke=\"#000000\"/>\n"
        s +=
            "<text x=\"\(c(left + plotW / 2))\" y=\"\(c(height - 14))\" font-size=\"13\" text-anchor=\"middle\">\(XMLText.escape(xLabel))</text>\n"
        let yTitleY = top + plotH / 2
        s +=
            "<text x=\"18\" y=\"\(c(yTitleY))\" font-size=\"13\" text-anchor=\"middle\" transform=\"rotate(-90 18 \(c(yTitleY)))\">\(XMLText.escape(yLabel))</text>\n"
        // Lines: one polyline per run of finite values, dots when there are few points.
        for (k, line) in series.enumerated() {
            let colour = palette[k % palette.count]
            var runs: [[(Double, Double)]] = [[]]
            for (i, v) in line.values.enumerated() {
                if v.isFinite {
                    runs[runs.count - 1].append((px(Double(i + 1)), py(v)))
                } else if !runs[runs.count - 1].isEmpty {
                    runs.append([])
                }
            }
            s += "<g fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\"><title>\(XMLText.escape(line.name))</title>\n"
            for run in runs where !run.isEmpty {
                let points = run.map { "\(c($0.0)),\(c($0.1))" }.joined(separator: " ")
                s += "<polyline points=\"\(points)\" stroke-linejoin=\"round\"/>\n"
                if pointCount <= 40 {
                    for (x, y) in run { s += "<circle cx=\"\(c(x))\" cy=\"\(c(y))\" r=\"3\" fill=\"\(colour)\" stroke=\"none\"/>\n" }
                }
            }
            s += "</g>\n"
        }
        // Legend in the corner of the plot that hides the fewest data points (top right unless the
        // curves run there, as rising accuracy curves do).
        if !series.isEmpty {
            let longest = Double(series.map(\.name.count).max() ?? 0)
            let boxW = 40 + 7 * longest
            let boxH = 8 + 18 * Double(series.count)
            let corners = [
                (left + plotW - boxW - 8, top + 8), (left + plotW - boxW - 8, top + plotH - boxH - 8),
                (left + 8, top + 8), (left + 8, top + plotH - boxH - 8),
            ]
            func hidden(_ corner: (Double, Double)) -> Int {
                var n = 0
                for line in series {
                    for (i, v) in line.values.enumerated() where v.isFinite {
                        let x = px(Double(i + 1))
                        let y = py(v)
                        if x >= corner.0 - 4 && x <= corner.0 + boxW + 4 && y >= corner.1 - 4 && y <= corner.1 + boxH + 4 { n += 1 }
                    }
                }
                return n
            }
            let (bx, by) = corners.min { hidden($0) < hidden($1) } ?? corners[0]
            s +=
                "<rect x=\"\(c(bx))\" y=\"\(c(by))\" width=\"\(c(boxW))\" height=\"\(c(boxH))\" fill=\"#ffffff\" fill-opacity=\"0.85\" stroke=\"#bbbbbb\"/>\n"
            for (k, line) in series.enumerated() {
                let y = by + 13 + 18 * Double(k)
                let colour = palette[k % palette.count]
                s +=
                    "<line x1=\"\(c(bx + 8))\" y1=\"\(c(y))\" x2=\"\(c(bx + 28))\" y2=\"\(c(y))\" stroke=\"\(colour)\" stroke-width=\"2\"/>\n"
                s +=
                    "<text x=\"\(c(bx + 34))\" y=\"\(c(y))\" font-size=\"12\" dominant-baseline=\"central\">\(XMLText.escape(line.name))</text>\n"
            }
        }
        s += "</svg>\n"
        return s
    }
}
