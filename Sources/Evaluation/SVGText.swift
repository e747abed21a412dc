import Foundation

/// Small helpers shared by the SVG renderers: compact coordinates and colours (text goes through `XMLText`).
enum SVGText {
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
