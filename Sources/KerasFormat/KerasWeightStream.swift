import Foundation
import HDF5
import SafeIO

/// The weights of a Keras `.h5` file, read one at a time: what the file holds is listed and checked first
/// (`contents`: the configuration and every weight's name and shape, with empty values), then `nextWeight()` reads
/// each weight's values, in order. A caller that needs one weight at a time (a converter, statistics) holds one
/// weight at a time; `KerasModelFile.read` and `KerasWeightTree.read` are this stream gathered whole.
///
/// Everything `read` checks is checked before `open` returns (limits, datasets' layouts and types, the shapes
/// against the configuration), so the values that follow need no other decision. With `.childProcess` isolation the
/// child sends the listing first and then each weight as it reads it (`KerasChildReader`); the parent does not let
/// the child's next weight be allocated until the caller asks for it, so the parent holds at most the weight it
/// handed out, and the child at most one block of the weight it is reading (`HDF5Dataset.forEachFloatBlock`).
public final class KerasWeightStream {
    /// What a file holds, listed before its weights are read.
    public enum Contents: Sendable {
        /// A Keras model or weights file; every weight's `values` is empty and comes from `nextWeight()`, in
        /// `layerWeights` order.
        case keras(KerasModelFile)
        /// An HDF5 file without a Keras layout (only for `readOrList`): its objects, and why it is not Keras.
        /// No weights follow.
        case hdf5(tree: [String], reason: String)
        /// A Keras 3 weights tree: its entries, with empty values, and its groups; the values come from
        /// `nextWeight()` in entry order.
        case tree(entries: [KerasWeightTree.Entry], groups: [KerasWeightTree.Group])
    }

    /// Where the values come from.
    private enum Source {
        /// An open file and each weight's dataset path.
        case inProcess(HDF5File, [String])
        /// The isolated reader's answer, arriving.
        case child(KerasChildFeed)
    }

    /// What the file holds.
    public let contents: Contents
    /// How many weights `nextWeight()` gives.
    public let count: Int
    /// How many it has given.
    public private(set) var delivered = 0
    private let source: Source
    private let file: String
    private var finished = false
    /// Rewrites errors of `nextWeight` and `finish` (a `.keras` archive names its member instead of the temporary copy).
    var rewriteError: (Error) -> Error = { $0 }

    private init(contents: Contents, source: Source, file: String) {
        self.contents = contents
        self.source = source
        self.file = file
        switch contents {
        case .keras(let model): count = model.layerWeights.reduce(0) { $0 + $1.weights.count }
        case .hdf5: count = 0
        case .tree(let entries, _): count = entries.count
        }
    }

    deinit { cancel() }

    /// Opens `url` for a read in `mode` (a Keras file, a Keras file or a listing, or a weights tree), parsed by
    /// libhdf5 as `isolation` says, and lists it. Throws what `KerasModelFile.read`/`readOrList` and
    /// `KerasWeightTree.read` throw for the listing.
    static func open(_ url: URL, mode: KerasChildReader.Mode, limits: ResourceLimits, isolation: KerasReadIsolation) throws
        -> KerasWeightStream
    {
        try InputFile.check(url)  // before a child is started for it
        switch isolation {
        case .inProcess:
            let file = try HDF5File.open(url, limits: limits)
            do {
                let (contents, paths) = try list(file, mode: mode, source: url.path, limits: limits)
                return KerasWeightStream(contents: contents, source: .inProcess(file, paths), file: url.path)
            } catch {
                try? file.close()
                throw error
            }
        case .childProcess(let reader):
            let feed = KerasChildFeed(reader: reader, url: url, mode: mode, limits: limits)
            do {
                guard let reply = try feed.header() else {
                    throw KerasFormatError.readerFailed(file: url.path, reason: "malformed answer from the reader: no listing")
                }
                let contents = try KerasReaderReply.contents(reply, mode: mode, file: url.path, limits: limits)
                return KerasWeightStream(contents: contents, source: .child(feed), file: url.path)
            } catch {
                feed.cancel()
                throw error
            }
        }
    }

    /// Lists the open `file` for a read in `mode`: what it holds, and each weight's dataset path in order.
    static func list(_ file: HDF5File, mode: KerasChildReader.Mode, source: String, limits: ResourceLimits) throws
        -> (Contents, [String])
    {
        switch mode {
        case .keras, .kerasOrList:
            let (contents, paths) = try KerasModelFile.listInProcess(file, source: source, limits: limits, orList: mode == .kerasOrList)
            switch contents {
            case .keras(let model): return (.keras(model), paths)
            case .hdf5(let tree, let reason): return (.hdf5(tree: tree, reason: reason), [])
            }
        case .weightTree:
            let (entries, groups, paths) = try KerasWeightTree.listInProcess(file, source: source, limits: limits)
            return (.tree(entries: entries, groups: groups), paths)
        }
    }

    /// The next weight's values (float32, C order), in the order `contents` lists them. Throws past the last one, and
    /// whatever reading the weight throws (with the isolated reader: its crash, deadline or a malformed answer).
    public func nextWeight() throws -> [Float] {
        guard delivered < count else {
            throw KerasFormatError.readerFailed(file: file, reason: "asked for weight \(delivered + 1) of \(count)")
        }
        let values: [Float]
        do {
            switch source {
            case .inProcess(let hdf5, let paths):
                values = try hdf5.root.dataset(paths[delivered]).readFloats()
            case .child(let feed):
                values = try feed.nextWeight()
            }
        } catch {
            throw rewriteError(error)
        }
        delivered += 1
        return values
    }

    /// The next weight's values (float32, C order) handed to `body` in pieces of about `maxBytes` (in-process, blocks
    /// of whole rows, at least one row or chunk row: `HDF5Dataset.forEachFloatBlock`; through the isolated reader,
    /// exactly `maxBytes` but the last), each let go before the next is read: statistics over a weight of any size in the memory of one piece. Throws
    /// as `nextWeight()`.
    public func nextWeight(piecesOf maxBytes: Int, _ body: (UnsafeBufferPointer<Float>) throws -> Void) throws {
        guard delivered < count else {
            throw KerasFormatError.readerFailed(file: file, reason: "asked for weight \(delivered + 1) of \(count)")
        }
        do {
            switch source {
            case .inProcess(let hdf5, let paths):
                try hdf5.root.dataset(paths[delivered]).forEachFloatBlock(maxBlockBytes: maxBytes, body)
            case .child(let feed):
                try feed.nextWeight(piece: maxBytes / MemoryLayout<Float>.stride, body)
            }
        } catch {
            throw rewriteError(error)
        }
        delivered += 1
    }

    /// Ends the read after the last weight: closes the file, or waits for the isolated reader to end and throws
    /// what its end says (a crash after the last weight, extra bytes). Before the last weight, abandons the read.
    public func finish() throws {
        guard !finished else { return }
        guard delivered == count else { return cancel() }
        finished = true
        do {
            switch source {
            case .inProcess(let hdf5, _): try hdf5.close()
            case .child(let feed): try feed.end()
            }
        } catch {
            throw rewriteError(error)
        }
    }

    /// Abandons the read: closes the file, or stops handing the child's answer on and waits for the child to end.
    private func cancel() {
        guard !finished else { return }
        finished = true
        switch source {
        case .inProcess(let hdf5, _): try? hdf5.close()
        case .child(let feed): feed.cancel()
        }
    }
}
