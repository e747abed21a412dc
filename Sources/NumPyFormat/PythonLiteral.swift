import Foundation

/// The subset of Python literals a `.npy` header holds: a dict of string keys whose values are
/// strings, booleans, `None`, integers, and tuples or lists of these.
enum PythonLiteral: Equatable {
    case string(String)
    case bool(Bool)
    case none
    /// An integer; `nil` when it does not fit in `Int` (kept so shapes can report overflow).
    case int(Int?, text: String)
    case tuple([PythonLiteral])
    case list([PythonLiteral])
    case dict([(key: PythonLiteral, value: PythonLiteral)])

    static func == (a: PythonLiteral, b: PythonLiteral) -> Bool {
        switch (a, b) {
        case (.string(let x), .string(let y)): return x == y
        case (.bool(let x), .bool(let y)): return x == y
        case (.none, .none): return true
        case (.int(_, let x), .int(_, let y)): return x == y
        case (.tuple(let x), .tuple(let y)), (.list(let x), .list(let y)): return x == y
        case (.dict(let x), .dict(let y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: return false
        }
    }

    /// The literal as Python's `repr` would roughly print it (for error messages).
    var description: String {
        switch self {
        case .string(let s): return "'\(s)'"
        case .bool(let b): return b ? "True" : "False"
        case .none: return "None"
        case .int(_, let text): return text
        case .tuple(let items): return "(" + items.map(\.description).joined(separator: ", ") + (items.count == 1 ? ",)" : ")")
        case .list(let items): return "[" + items.map(\.description).joined(separator: ", ") + "]"
        case .dict(let items): return "{" + items.map { "\($0.key.description): \($0.value.description)" }.joined(separator: ", ") + "}"
        }
    }
}

/// A recursive-descent parser for `PythonLiteral`. Not `eval`: anything outside the subset is an error.
struct PythonLiteralParser {
    private let scalars: [Unicode.Scalar]
    private var position = 0
    private var depth = 0
    private static let maxDepth = 32

    /// Why parsing stopped, with the character position.
    struct Failure: Error {
        let reason: String
    }

    /// Parses `text` as exactly one literal, optionally surrounded by whitespace.
    static func parse(_ text: String) throws -> PythonLiteral {
        var parser = PythonLiteralParser(scalars: Array(text.unicodeScalars))
        let value = try parser.parseValue()
        parser.skipWhitespace()
        if parser.position < parser.scalars.count {
            throw Failure(reason: "unexpected '\(parser.scalars[parser.position])' at offset \(parser.position) after the literal")
        }
        return value
    }

    private init(scalars: [Unicode.Scalar]) { self.scalars = scalars }

    private var current: Unicode.Scalar? { position < scalars.count ? scalars[position] : nil }

    private mutating func skipWhitespace() {
        while let c = current, c == " " || c == "\t" || c == "\n" || c == "\r" { position += 1 }
    }

    private mutating func fail(_ what: String) -> Failure {
        if let c = current { return Failure(reason: "expected \(what) at offset \(position), found '\(c)'") }
        return Failure(reason: "expected \(what) at offset \(position), found the end of the header")
    }

    private mutating func parseValue() throws -> PythonLiteral {
        skipWhitespace()
        guard let c = current else { throw fail("a value") }
        switch c {
        case "'", "\"": return .string(try parseString())
        case "(": return .tuple(try parseSequence(close: ")", isTuple: true))
        case "[": return .list(try parseSequence(close: "]", isTuple: false))
        case "{": return try parseDict()
        case "-", "+", "0"..."9": return try parseInt()
        default:
            for (word, value) in [("True", PythonLiteral.bool(true)), ("False", .bool(false)), ("None", .none)] {
                if matches(word) {
                    position += word.unicodeScalars.count
                    return value
                }
            }
            throw fail("a value")
        }
    }

    private func matches(_ word: String) -> Bool {
        let w = Array(word.unicodeScalars)
        guard position + w.count <= scalars.count, Array(scalars[position..<position + w.count]) == w else { return false }
        // The word must end here (so `Trueish` is not `True`).
        if position + w.count < scalars.count {
            let next = scalars[position + w.count]
            if next.properties.isAlphabetic || ("0"..."9").contains(next) || next == "_" { return false }
        }
        return true
    }

    private mutating func parseString() throws -> String {
        let quote = scalars[position]
        position += 1
        var result = String.UnicodeScalarView()
        while let c = current {
            position += 1
            if c == quote { return String(result) }
            if c == "\n" { break }
            if c == "\\" {
                guard let e = current else { break }
                position += 1
                switch e {
                case "\\", "'", "\"": result.append(e)
                case "n": result.append("\n")
                case "t": result.append("\t")
                case "r": result.append("\r")
                case "0": result.append("\0")
                default:
                    // Python keeps unknown escapes literally.
                    result.append("\\")
                    result.append(e)
                }
                continue
            }
            result.append(c)
        }
        throw Failure(reason: "unterminated string starting before offset \(position)")
    }

    private mutating func parseInt() throws -> PythonLiteral {
        let start = position
        if current == "-" || current == "+" { position += 1 }
        let digitsStart = position
        while let c = current, ("0"..."9").contains(c) { position += 1 }
        guard position > digitsStart else { throw fail("a digit") }
        let text = String(String.UnicodeScalarView(scalars[start..<position]))
        // Python 2 wrote long integers as `3L`; numpy still reads them.
        if current == "L" { position += 1 }
        return .int(Int(text), text: text)
    }

    private mutating func enter() throws {
        depth += 1
        if depth > Self.maxDepth { throw Failure(reason: "nesting deeper than \(Self.maxDepth)") }
    }

    private mutating func parseSequence(close: Unicode.Scalar, isTuple: Bool) throws -> [PythonLiteral] {
        try enter()
        defer { depth -= 1 }
        position += 1
        var items: [PythonLiteral] = []
        var sawComma = false
        while true {
            skipWhitespace()
            if current == close {
                position += 1
                // `(5)` is just 5 in Python, not a tuple; numpy never writes it for a shape.
                if isTuple && items.count == 1 && !sawComma {
                    throw Failure(reason: "'(\(items[0].description))' is not a tuple (expected a trailing comma)")
                }
                return items
            }
            items.append(try parseValue())
            skipWhitespace()
            if current == "," {
                position += 1
                sawComma = true
            } else if current != close {
                throw fail("',' or '\(close)'")
            }
        }
    }

    private mutating func parseDict() throws -> PythonLiteral {
        try enter()
        defer { depth -= 1 }
        position += 1
        var items: [(key: PythonLiteral, value: PythonLiteral)] = []
        while true {
            skipWhitespace()
            if current == "}" {
                position += 1
                return .dict(items)
            }
            let key = try parseValue()
            skipWhitespace()
            guard current == ":" else { throw fail("':'") }
            position += 1
            let value = try parseValue()
            items.append((key, value))
            skipWhitespace()
            if current == "," {
                position += 1
            } else if current != "}" {
                throw fail("',' or '}'")
            }
        }
    }
}
