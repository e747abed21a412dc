/// Makes text that came from a file safe to print on a terminal: every control character (C0, DEL, C1), every
/// bidirectional-formatting control (U+061C, U+200E/F, U+202A–U+202E, U+2066–U+2069) and the line and paragraph
/// separators (U+2028/9) are replaced by a visible escape, and long values are cut.
///
/// A hostile file can otherwise put `ESC [2J` (clear the screen), NUL or a right-to-left override into a member
/// or layer name and have WeightBridge echo it. Escapes are `\n`, `\r`, `\t`, `\xHH` below U+0100 and `\u{HHHH}`
/// above. Backslashes are kept as they are (an escape in the output can therefore also be a literal backslash in
/// the value; the value is still shown, not interpreted). Lengths are counted in Unicode scalars, so a value made
/// of one base character and a million combining marks is cut too.
public enum PrintableText {
    /// The longest value echoed from a file by default, in Unicode scalars.
    public static let valueLimit = 80
    /// The longest line the command prints for an error, in Unicode scalars.
    public static let lineLimit = 300

    /// Whether `scalar` is escaped by `escape`.
    public static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F: return true
        case 0x061C, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069, 0x2028, 0x2029: return true
        default: return false
        }
    }

    /// `text` with every unsafe scalar escaped, cut after `limit` output scalars. A cut value ends with `…` and its
    /// total length, e.g. `aaaa…(1048576 characters)`. `limit` below 1 is treated as 1.
    public static func escape(_ text: String, limit: Int = valueLimit) -> String {
        let limit = max(1, limit)
        // Fast path: short, ordinary text (nearly every name) comes back as it is.
        if text.utf8.count <= limit && !text.unicodeScalars.contains(where: needsEscape) { return text }
        var out = String.UnicodeScalarView()
        var written = 0
        var total = 0
        var cut = false
        for scalar in text.unicodeScalars {
            total += 1
            if cut { continue }
            let piece = escaped(scalar)
            if written + piece.count > limit {
                cut = true
                continue
            }
            out.append(contentsOf: piece)
            written += piece.count
        }
        var result = String(out)
        if cut { result += "…(\(total) characters)" }
        return result
    }

    /// One line for the terminal: line breaks become spaces, then `escape` with `limit` (default `lineLimit`).
    public static func line(_ text: String, limit: Int = lineLimit) -> String {
        var flat = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            flat.append(scalar == "\n" || scalar == "\r" ? " " : scalar)
        }
        return escape(String(flat), limit: limit)
    }

    private static func escaped(_ scalar: Unicode.Scalar) -> [Unicode.Scalar] {
        guard needsEscape(scalar) else { return [scalar] }
        let text: String
        switch scalar {
        case "\n": text = "\\n"
        case "\r": text = "\\r"
        case "\t": text = "\\t"
        default:
            let hex = String(scalar.value, radix: 16, uppercase: true)
            text = scalar.value < 0x100 ? "\\x" + (hex.count == 1 ? "0" + hex : hex) : "\\u{" + hex + "}"
        }
        return Array(text.unicodeScalars)
    }
}

extension String {
    /// This value, safe to print: control and bidi characters escaped and at most `limit` scalars kept
    /// (`PrintableText.escape`). Use it on every value that came from a file before it reaches a message or a table.
    public func printable(limit: Int = PrintableText.valueLimit) -> String {
        PrintableText.escape(self, limit: limit)
    }
}
