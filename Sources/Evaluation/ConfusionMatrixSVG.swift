import Foundation

/// A confusion matrix drawn as an SVG heatmap, like scikit-learn's `ConfusionMatrixDisplay`: cells
/// shaded from white (0) to dark blue (the largest count), each count written in the cell in black
/// or white for contrast, class names on both axes, "Predicted label" below, "True label" at the
/// left, a title on top and a colour bar at the right. Returns the SVG text; the caller writes it
/// (with `SafeIO.AtomicFile`).
public enum ConfusionMatrixSVG {
    /// Anchors of matplotlib's "Blues" colour map, from 0 to 1.
    static let blues: [(Double, Double, Double)] = [
        (0.969, 0.984, 1.000), (0.871, 0.922, 0.969), (0.776, 0.859, 0.937), (0.620, 0.792, 0.882),
        (0.420, 0.682, 0.839), (0.259, 0.573, 0.776), (0.129, 0.443, 0.710), (0.031, 0.318, 0.612), (0.031, 0.188, 0.420),
    ]

    /// The colour for `t` in 0...1 on the white-to-blue scale.
    static func color(_ t: Double) -> String {
        let x = min(max(t.isFinite ? t : 0, 0), 1) * Double(blues.count - 1)
        let i = min(Int(x), blues.count - 2)
        let f = x - Double(i)
        let (a, b) = (blues[i], blues[i + 1])
        return SVGText.hex(a.0 + (b.0 - a.0) * f, a.1 + (b.1 - a.1) * f, a.2 + (b.2 - a.2) * f)
    }

    /// Renders `m` with `title`; `classNames` label the axes (default `0`, `1`, ...). Traps unless
    /// there is one name per class.
    public static func render(_ m: ConfusionMatrix, title: String, classNames: [String]? = nil) -> String {
        let names = classNames ?? (0..<m.classes).map(String.init)
        precondition(names.count == m.classes, EvaluationError.classNameCount(names: names.count, classes: m.classes).localizedDescription)
        let maxCount = m.counts.flatMap { $0 }.max() ?? 0
        let digits = String(maxCount).count
        let cell = Double(max(40, min(64, 12 + 9 * digits)))
        let longestName = Double(names.map(\.count).max() ?? 1)
        // About 7 px per character at 12 px; rotated names need about 0.72 of their length in height.
        let labelSpace = max(24, 7 * longestName + 10)
        let rotate = longestName > 3
        let belowGrid = rotate ? 0.72 * labelSpace + 14 : 24
        let left = 36 + labelSpace
        let top = 52.0
        let grid = cell * Double(m.classes)
        let barX = left + grid + 24
        let width = barX + 18 + 8 + 7 * Double(digits) + 24
        let height = top + grid + belowGrid + 44
        let fontSize = SVGText.coordinate(min(14, cell * 0.36))
        let c = SVGText.coordinate
        var s = SVGText.documentStart(width: width, height: height, title: title, titleX: left + grid / 2, titleY: 30)
        // Cells, then counts in a contrasting colour (scikit-learn switches at half the range).
        for t in 0..<m.classes {
            for p in 0..<m.classes {
                let v = m.counts[t][p]
                let shade = maxCount == 0 ? 0 : Double(v) / Double(maxCount)
                let x = left + Double(p) * cell
                let y = top + Double(t) * cell
                s +=
                    "<rect x=\"\(c(x))\" y=\"\(c(y))\" width=\"\(c(cell))\" height=\"\(c(cell))\" fill=\"\(color(shade))\"><title>true \(XMLText.escape(names[t])), predicted \(XMLText.escape(names[p])): \(v)</title></rect>\n"
                let ink = shade > 0.5 ? "#ffffff" : "#000000"
                s +=
                    "<text x=\"\(c(x + cell / 2))\" y=\"\(c(y + cell / 2))\" font-size=\"\(fontSize)\" fill=\"\(ink)\" text-anchor=\"middle\" dominant-baseline=\"central\">\(v)</text>\n"
            }
        }
        s +=
            "<rect x=\"\(c(left))\" y=\"\(c(top))\" width=\"\(c(grid))\" height=\"\(c(grid))\" fill=\"none\" stroke=\"#000000\" stroke-width=\"1\"/>\n"
        // Class names: predicted along the bottom (rotated if long), true down the left.
        for (i, name) in names.enumerated() {
            let centre = Double(i) * cell + cell / 2
            let label = XMLText.escape(name)
            if rotate {
                let x = left + centre
                let y = top + grid + 10
                s +=
                    "<text x=\"\(c(x))\" y=\"\(c(y))\" font-size=\"12\" text-anchor=\"end\" dominant-baseline=\"central\" transform=\"rotate(-45 \(c(x)) \(c(y)))\">\(label)</text>\n"
            } else {
                s += "<text x=\"\(c(left + centre))\" y=\"\(c(top + grid + 18))\" font-size=\"12\" text-anchor=\"middle\">\(label)</text>\n"
            }
            s +=
                "<text x=\"\(c(left - 8))\" y=\"\(c(top + centre))\" font-size=\"12\" text-anchor=\"end\" dominant-baseline=\"central\">\(label)</text>\n"
        }
        let xTitleY = top + grid + belowGrid + 22
        s += "<text x=\"\(c(left + grid / 2))\" y=\"\(c(xTitleY))\" font-size=\"14\" text-anchor=\"middle\">Predicted label</text>\n"
        let yTitleX = 20.0
        s +=
            "<text x=\"\(c(yTitleX))\" y=\"\(c(top + grid / 2))\" font-size=\"14\" text-anchor=\"middle\" transform=\"rotate(-90 \(c(yTitleX)) \(c(top + grid / 2)))\">True label</text>\n"
        // Colour bar: 0 at the bottom, the largest count at the top.
        s += "<defs><linearGradient id=\"blues\" x1=\"0\" y1=\"1\" x2=\"0\" y2=\"0\">"
        for (k, _) in blues.enumerated() {
            let t = Double(k) / Double(blues.count - 1)
            s += "<stop offset=\"\(c(t))\" stop-color=\"\(color(t))\"/>"
        }
        s += "</linearGradient></defs>\n"
        s +=
            "<rect x=\"\(c(barX))\" y=\"\(c(top))\" width=\"18\" height=\"\(c(grid))\" fill=\"url(#blues)\" stroke=\"#000000\" stroke-width=\"0.5\"/>\n"
        s += "<text x=\"\(c(barX + 24))\" y=\"\(c(top))\" font-size=\"11\" dominant-baseline=\"central\">\(maxCount)</text>\n"
        s += "<text x=\"\(c(barX + 24))\" y=\"\(c(top + grid))\" font-size=\"11\" dominant-baseline=\"central\">0</text>\n"
        s += "</svg>\n"
        return s
    }
}
