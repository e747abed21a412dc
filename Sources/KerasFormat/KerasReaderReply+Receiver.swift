import Foundation
import SafeIO

extension KerasReaderReply {
    /// Decodes the child's answer as it arrives through the pipe: the header and the JSON are gathered and handed
    /// on (`deliver(.header)`), then every weight's values are copied straight into that weight's own array (or into
    /// pieces of the size `gate` asks for), which is handed on (`deliver(.values)`) as soon as it is complete and not
    /// kept: the parent holds one weight, or one piece, at a time (issue 15), and `gate` is asked before each
    /// allocation, so a consumer can make the next one wait until it has let the previous one go.
    ///
    /// The bytes are hostile: the JSON's length is checked against the answer's cap before it is gathered, and
    /// every shape (overflow, `limits.maxTotalBytes`, `limits.maxMembers`) when the JSON is complete, before it is
    /// delivered and before any weight is allocated; a weight is allocated only when its first bytes arrive.
    /// `finish()` refuses an answer cut short or followed by extra bytes.
    final class Receiver {
        /// What the receiver hands on, in order: the header once, then every weight's values, whole or in the pieces
        /// `gate` asked for (`last` on a weight's final piece).
        enum Item {
            case header(KerasReaderReply)
            case values([Float], last: Bool)
        }

        private let file: String
        private let limits: ResourceLimits
        private let deliver: (Item) throws -> Void
        /// Asked before each allocation: waits until the consumer wants more, and returns the most elements it wants
        /// at once (nil: the whole weight).
        private let gate: () throws -> Int?
        private var prefix = Data()
        private var jsonLength = 0
        private var json = Data()
        private var reply: KerasReaderReply?
        /// Names and element counts of the weights still to come, in order.
        private var expected: [(what: String, count: Int)] = []
        /// The weight, or piece of it, being received.
        private var current: [Float] = []
        /// Whether `current` is allocated for the bytes arriving.
        private var allocated = false
        /// Elements of the current weight handed on in earlier pieces.
        private var elementsDone = 0
        /// Bytes of `current` received so far.
        private var filled = 0
        private var received = 0
        private var extra = 0

        init(file: String, limits: ResourceLimits, gate: @escaping () throws -> Int?, deliver: @escaping (Item) throws -> Void) {
            self.file = file
            self.limits = limits
            self.gate = gate
            self.deliver = deliver
        }

        private func bad(_ reason: String) -> KerasFormatError {
            .readerFailed(file: file, reason: "malformed answer from the reader: \(reason)")
        }

        /// Takes the next bytes of the answer.
        func consume(_ bytes: UnsafeRawBufferPointer) throws {
            received += bytes.count
            var rest = bytes[...]
            if prefix.count < 16 {
                let n = min(16 - prefix.count, rest.count)
                prefix.append(contentsOf: rest.prefix(n))
                rest = rest.dropFirst(n)
                guard prefix.count == 16 else { return }
                guard prefix.prefix(8) == KerasReaderReply.magic else { throw bad("no header (\(prefix.count) bytes)") }
                let length = prefix.dropFirst(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
                guard length <= KerasReaderReply.maxBytes(limits) - 16 else {
                    throw bad("JSON of \(length) bytes, over the answer's limit")
                }
                jsonLength = Int(length)
            }
            if reply == nil {
                let n = min(jsonLength - json.count, rest.count)
                json.append(contentsOf: rest.prefix(n))
                rest = rest.dropFirst(n)
                guard json.count == jsonLength else { return }
                try parseJSON()
            }
            while !rest.isEmpty {
                guard !expected.isEmpty else {
                    extra += rest.count
                    return
                }
                let (_, count) = expected[0]
                if !allocated {
                    // Allocated as its bytes arrive, whole or the piece the consumer asked for.
                    let remaining = count - elementsDone
                    current = [Float](repeating: 0, count: min(remaining, try gate() ?? remaining))
                    allocated = true
                }
                let n = min(current.count * 4 - filled, rest.count)
                current.withUnsafeMutableBytes { dst in
                    UnsafeMutableRawBufferPointer(rebasing: dst[filled..<filled + n]).copyMemory(
                        from: UnsafeRawBufferPointer(rebasing: rest.prefix(n)))
                }
                rest = rest.dropFirst(n)
                filled += n
                if filled == current.count * 4 { try nextPiece(of: count) }
            }
        }

        /// The current allocation is full: hand it on; after a weight's last piece, the weights of no values that
        /// follow it.
        private func nextPiece(of count: Int) throws {
            elementsDone += current.count
            let last = elementsDone == count
            let done = current
            current = []
            allocated = false
            filled = 0
            if last {
                expected.removeFirst()
                elementsDone = 0
            }
            try deliver(.values(done, last: last))
            if last { try deliverEmptyWeights() }
        }

        private func deliverEmptyWeights() throws {
            while let first = expected.first, first.count == 0 {
                expected.removeFirst()
                _ = try gate()
                try deliver(.values([], last: true))
            }
        }

        /// The JSON is complete: decode it and check every weight's shape before any is allocated.
        private func parseJSON() throws {
            let decoded: KerasReaderReply
            do {
                decoded = try JSONDecoder().decode(KerasReaderReply.self, from: json)
            } catch {
                throw bad("undecodable JSON")
            }
            json = Data()
            reply = decoded
            var shapes: [(what: String, shape: [Int])] = []
            switch decoded.kind {
            case "keras":
                shapes = (decoded.layers ?? []).flatMap { layer in layer.weights.map { ("\(layer.name)/\($0.name)", $0.shape) } }
            case "tree":
                let entries = decoded.entries ?? []
                guard entries.count <= limits.maxMembers else {
                    throw bad("it lists " + ResourceLimits.overLimit(entries.count, limit: limits.maxMembers, unit: "weights"))
                }
                shapes = entries.map { ($0.path, $0.shape) }
            default:
                return try deliver(.header(decoded))  // an error or a listing: no values follow
            }
            var budget = WeightBudget(limit: limits.maxTotalBytes, source: file)
            for (what, shape) in shapes {
                var count = 1
                for d in shape {
                    let (c, overflow) = count.multipliedReportingOverflow(by: d)
                    guard d >= 0, !overflow else { throw bad("weight \(what) has shape \(shape)") }
                    count = c
                }
                try budget.take(count, what: what)
                expected.append((what, count))
            }
            try deliver(.header(decoded))
            try deliverEmptyWeights()
        }

        /// The whole answer has arrived: throws unless it held its JSON part and every weight's values, exactly.
        func finish() throws {
            guard prefix.count == 16 else { throw bad("no header (\(received) bytes)") }
            guard let reply else { throw bad("JSON of \(jsonLength) bytes in a \(received)-byte answer") }
            if reply.kind != "keras" && reply.kind != "tree" { return }
            if let first = expected.first { throw bad("values of \(first.what) are cut short") }
            guard extra == 0 else { throw bad("\(extra) bytes after the last weight") }
        }
    }
}
