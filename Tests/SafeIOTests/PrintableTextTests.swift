import SafeIO
import XCTest

/// `PrintableText`: what a hostile name can and cannot do to a terminal.
final class PrintableTextTests: XCTestCase {
    func testEscapesTerminalControlSequencesNULAndDEL() {
        XCTAssertEqual("a\u{1B}[2J\u{1B}[31mb".printable(), "a\\x1B[2J\\x1B[31mb")
        XCTAssertEqual("x\u{0}y\u{7F}z".printable(), "x\\x00y\\x7Fz")
        XCTAssertEqual("tab\there\nline\rcr".printable(), "tab\\there\\nline\\rcr")
    }

    func testEscapesC1ControlsAndEveryBidiControl() {
        XCTAssertEqual("\u{85}\u{9B}".printable(), "\\x85\\x9B")
        let bidi: [UInt32] = [0x061C, 0x200E, 0x200F, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069]
        for value in bidi {
            let text = "evil" + String(Unicode.Scalar(value)!) + "txt.npy"
            let hex = String(value, radix: 16, uppercase: true)
            XCTAssertEqual(text.printable(), "evil\\u{\(hex)}txt.npy")
        }
    }

    func testKeepsOrdinaryTextIncludingNonASCIILetters() {
        XCTAssertEqual("dense_1/kernel:0".printable(), "dense_1/kernel:0")
        XCTAssertEqual("Gewichte_ü_日本".printable(), "Gewichte_ü_日本")
    }

    func testCutsLongValuesAndSaysHowLongTheyWere() {
        let long = String(repeating: "a", count: 1_000_000)
        let shown = long.printable()
        XCTAssertEqual(shown, String(repeating: "a", count: 80) + "…(1000000 characters)")
        // A single grapheme made of a million combining marks is cut too (lengths count Unicode scalars).
        let zalgo = "e" + String(repeating: "\u{301}", count: 100_000)
        XCTAssertLessThanOrEqual(zalgo.printable().unicodeScalars.count, 80 + 30)
        // An escape is never split in half at the cut.
        let escapes = String(repeating: "\u{1B}", count: 100)
        XCTAssertEqual(escapes.printable(limit: 10), "\\x1B\\x1B…(100 characters)")
    }

    func testLineFlattensLineBreaksAndCapsTheWholeLine() {
        let line = PrintableText.line("weightbridge: x.npz: member '" + String(repeating: "\u{1B}", count: 10_000) + "'\nsecond")
        XCTAssertFalse(line.contains("\n"))
        XCTAssertFalse(line.unicodeScalars.contains { PrintableText.needsEscape($0) })
        XCTAssertLessThanOrEqual(line.unicodeScalars.count, PrintableText.lineLimit + 30)
        XCTAssertTrue(line.hasPrefix("weightbridge: x.npz: member '\\x1B"))
        XCTAssertEqual(PrintableText.line("a\nb\r\nc"), "a b  c")
    }
}
