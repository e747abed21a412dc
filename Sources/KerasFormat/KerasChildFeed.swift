import Foundation
import SafeIO

/// The parent's side of one isolated read, as a stream: the child runs and its answer is decoded
/// (`KerasReaderReply.Receiver`) on a thread of its own, and the listing and then each weight are handed to the
/// caller one at a time, when it asks.
///
/// The handoff holds one item: the receiver may allocate the next weight only once the caller has asked for it (the
/// caller asks for weight i + 1 after letting weight i go), so the parent holds one weight at a time while the child
/// waits, blocked on the full pipe. The time the caller keeps the child waiting does not count against the child's
/// deadline (`ChildProcess.run`). `cancel()` stops the handoff; the child's remaining answer is then drained unread
/// and the child reaped before it returns.
final class KerasChildFeed: @unchecked Sendable {
    private let condition = NSCondition()
    /// The caller is waiting for the next item.
    private var wanted = false
    /// The most elements the caller wants at once (nil: whole weights).
    private var pieceElements: Int?
    private var slot: KerasReaderReply.Receiver.Item?
    /// How the read ended (set once, by the reading thread).
    private var outcome: Result<Void, Error>?
    private var cancelled = false
    private let file: String

    /// Starts the child on `url` for a read in `mode`.
    init(reader: KerasChildReader, url: URL, mode: KerasChildReader.Mode, limits: ResourceLimits) {
        file = url.path
        let thread = Thread { [self] in
            let receiver = KerasReaderReply.Receiver(
                file: url.path, limits: limits, gate: { try self.waitUntilWanted() }, deliver: { try self.put($0) })
            let result = Result {
                try reader.run(url, mode: mode, limits: limits, output: receiver.consume)
                try receiver.finish()
            }
            condition.lock()
            outcome = result
            condition.broadcast()
            condition.unlock()
        }
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// Thrown into the receiver when the caller has gone.
    private struct Cancelled: Error {}

    private func waitUntilWanted() throws -> Int? {
        condition.lock()
        defer { condition.unlock() }
        while !wanted && !cancelled { condition.wait() }
        if cancelled { throw Cancelled() }
        return pieceElements
    }

    private func put(_ item: KerasReaderReply.Receiver.Item) throws {
        condition.lock()
        defer { condition.unlock() }
        while !wanted && !cancelled { condition.wait() }
        if cancelled { throw Cancelled() }
        slot = item
        wanted = false
        condition.broadcast()
    }

    /// The next item (values in pieces of at most `piece` elements, nil: whole), or nil when the read ended without
    /// one; throws how the read failed.
    private func take(piece: Int? = nil) throws -> KerasReaderReply.Receiver.Item? {
        condition.lock()
        defer { condition.unlock() }
        wanted = true
        pieceElements = piece
        condition.broadcast()
        while slot == nil && outcome == nil { condition.wait() }
        if let item = slot {
            slot = nil
            return item
        }
        wanted = false
        try outcome!.get()
        return nil
    }

    /// The answer's JSON part, or nil when the answer ended without one.
    func header() throws -> KerasReaderReply? {
        switch try take() {
        case .header(let reply): return reply
        case .values: throw bad("values before the listing")
        case nil: return nil
        }
    }

    /// The next weight's values.
    func nextWeight() throws -> [Float] {
        switch try take() {
        case .values(let values, true): return values
        case .values: throw bad("a piece of a weight asked for whole")
        case .header: throw bad("a second listing")
        case nil: throw bad("fewer weights than listed")
        }
    }

    /// The next weight's values in pieces of at most `piece` elements, each handed to `body` and let go before the
    /// next is allocated.
    func nextWeight(piece: Int, _ body: (UnsafeBufferPointer<Float>) throws -> Void) throws {
        while true {
            switch try take(piece: max(1, piece)) {
            case .values(let values, let last):
                try values.withUnsafeBufferPointer(body)
                if last { return }
            case .header: throw bad("a second listing")
            case nil: throw bad("fewer weights than listed")
            }
        }
    }

    /// Waits for the child to end after the last weight, and throws how it failed, if it did.
    func end() throws {
        if let item = try take() {
            if case .values = item { throw bad("more weights than listed") }
            throw bad("a second listing")
        }
    }

    /// Stops handing the answer on and waits for the child to end.
    func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        while outcome == nil { condition.wait() }
        slot = nil
        condition.unlock()
    }

    private func bad(_ reason: String) -> KerasFormatError {
        .readerFailed(file: file, reason: "malformed answer from the reader: \(reason)")
    }
}
