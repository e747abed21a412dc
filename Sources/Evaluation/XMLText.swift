/// XML 1.0 escaping, shared by the SVG renderers and the JUnit report.
public enum XMLText {
    /// `text` made safe for XML character data and attribute values (double- or single-quoted): the five special
    /// characters become entities, newline and tab become character references (an attribute keeps them instead of
    /// normalising them to spaces), and characters XML 1.0 cannot hold (control characters other than tab, newline
    /// and carriage return; U+FFFE and U+FFFF) are dropped.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\n": out += "&#10;"
            case "\t": out += "&#9;"
            default:
                let v = scalar.value
                let allowed = v == 0xD || (v >= 0x20 && v <= 0xD7FF) || (v >= 0xE000 && v <= 0xFFFD) || v >= 0x10000
                if allowed { out.unicodeScalars.append(scalar) }
            }
        }
        return out
    }
}
