import Foundation

/// Small helpers shared by the SVG renderers: compact coordinates and colours (text goes through `XMLText`).
enum SVGText {
    /// The start of an SVG document of `width` by `height` on a white background, with `title` in bold, centred
    /// at (`titleX`, `titleY`); the caller appends the body and `</svg>`.
    static func documentStart(width: Double, height: Double, title: String, titleX: Double, titleY: Double) -> String {
        let c = coordinate
        return """
            <?xml version="1.0" encoding="UTF-8"?>
            <svg xmlns="http://www.w3.org/2000/svg" width="\(c(width))" height="\(c(height))" viewBox="0 0 \(c(width)) \(c(height))" font-family="DejaVu Sans, Helvetica, Arial, sans-serif">
            <rect width="100%" height="100%" fill="#ffffff"/>
            <text x="\(c(titleX))" y="\(c(titleY))" font-size="16" font-weight="bold" text-anchor="middle">\(XMLText.escape(title))</text>

            """
    }

    /// A coordinate with at most two decimals, without trailing zeros.
    static func coordinate(_ v: Double) -> String {
        var s = String(format: "%.2f", v)
        while s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
        return s == "-0" ? "0" : s
    }

    /// An RGB colour as `#rrggbb`, components 0...1.
    static func hex(_ r: Double, _ g: Double, _ b: Double) -> String {
        func byte(_ v: Double) -> Int { Int((min(max(v, 0), 1) * 255).rounded()) }
        return String(format: "#%02x%02x%02x", byte(r), byte(g), byte(b))
    }
}
