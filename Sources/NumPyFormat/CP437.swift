/// Decodes ZIP member names stored without the UTF-8 flag (bit 11): the ZIP specification says such names are
/// IBM code page 437, as Python's `zipfile` reads them. Bytes below 0x80 are ASCII.
enum CP437 {
    /// The name `bytes` spell in code page 437.
    static func decode(_ bytes: [UInt8]) -> String {
        var out = String.UnicodeScalarView()
        for b in bytes {
            if b < 0x80 {
                out.append(Unicode.Scalar(b))
            } else {
                out.append(high[Int(b - 0x80)])
            }
        }
        return String(out)
    }

    /// Characters for bytes 0x80 through 0xFF, one row of the code page (sixteen bytes) a line; 0xFF is the
    /// no-break space.
    private static let high: [Unicode.Scalar] = Array(
        [
            "ÇüéâäàåçêëèïîìÄÅ",  // 0x80
            "ÉæÆôöòûùÿÖÜ¢£¥₧ƒ",  // 0x90
            "áíóúñÑªº¿⌐¬½¼¡«»",  // 0xA0
            "░▒▓│┤╡╢╖╕╣║╗╝╜╛┐",  // 0xB0
            "└┴┬├─┼╞╟╚╔╩╦╠═╬╧",  // 0xC0
            "╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀",  // 0xD0
            "αßΓπΣσµτΦΘΩδ∞φε∩",  // 0xE0
            "≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u{00A0}",  // 0xF0
        ].joined().unicodeScalars)
}
