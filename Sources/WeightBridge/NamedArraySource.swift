import Foundation
import KerasFormat
import NumPyFormat
import SafeIO
import SafeTensorsFormat

/// The arrays of a file, listed without reading them and read one at a time: `compare` holds one pair in memory,
/// not two whole files. `.npz` members are described from their `.npy` headers and `.safetensors` tensors from the
/// file's header; `.npy` files, `.npz` members and `.safetensors` tensors can also be read piece by piece
/// (`pieces`), so a pair of them compares in constant memory. The other kinds (`.h5`, `.keras`) are listed first and
/// read forward one weight at a time as they are asked for (`Float32WeightStream`): the weight that comes next in the
/// file streams in pieces (`stream`) beside the other file's array, so a model compared with its own conversion holds
/// one piece of each, never a whole weight; a weight asked for out of file order is read whole.
struct NamedArraySource {
    /// What the file is, by content (`FileKind.detect`).
    let kind: FileKind?
    /// Array names in file order.
    let names: [String]
    /// Shape and dtype of an array, without reading its data.
    let describe: (String) throws -> (shape: [Int], dtype: String)
    /// The array itself.
    let load: (String) throws -> NamedArray
    /// The array read forward piece by piece, for the kinds that can (`.npy`, `.npz`, `.safetensors`); nil for an
    /// array that cannot (a BF16 tensor, which has no NumPy dtype).
    var pieces: ((String) throws -> ArrayPieceReader?)? = nil
    /// For the kinds read forward (`.h5`, `.keras`): hands array `name`'s float32 values (C order) to the closure
    /// piece by piece and returns true when `name` is the next weight in the file and nothing was read past it;
    /// otherwise reads nothing and returns false. Nil for the other kinds.
    var stream: ((String, (UnsafeBufferPointer<Float>) throws -> Void) throws -> Bool)? = nil

    /// Opens `url` (recognised by content, `FileKind`), checking what `NamedArray.readAll` checks; `.h5` and `.keras`
    /// weights are parsed by libhdf5 as `isolation` says.
    static func open(_ url: URL, limits: ResourceLimits, isolation: KerasReadIsolation) throws -> NamedArraySource {
        try open(url, kind: try FileKind.detect(url), limits: limits, isolation: isolation)
    }

    /// Opens `url`, whose content says it is `kind`; `.npz` and `.safetensors` are read one array per `load`.
    static func open(_ url: URL, kind: FileKind?, limits: ResourceLimits, isolation: KerasReadIsolation) throws -> NamedArraySource {
        switch kind {
        case .npy:
            let header = try ArrayPieceReader.open(npy: url, limits: limits).header
            let name = url.deletingPathExtension().lastPathComponent
            return NamedArraySource(
                kind: kind, names: [name], describe: { _ in (header.shape, header.dtype.descr) },
                load: { _ in try NamedArray.readAll(url, limits: limits)[0] },
                pieces: { _ in try ArrayPieceReader.open(npy: url, limits: limits) })
        case .npz:
            let archive = try NPZArchive(url: url, limits: limits)
            return NamedArraySource(
                kind: kind, names: archive.names,
                describe: { name in
                    let h = try archive.header(name)
                    return (h.shape, h.dtype.descr)
                },
                load: { name in
                    let a = try archive.array(name)
                    return NamedArray(name: name, shape: a.shape, dtype: a.dtype.descr, values: try a.doubles())
                },
                pieces: archive.pieceReader)
        case .safetensors:
            let file = try SafeTensorsFile(url: url, limits: limits)
            return NamedArraySource(
                kind: kind, names: file.names,
                describe: { name in
                    let e = try file.entry(name)
                    return (e.shape, NamedArray.dtypeName(e.dtype))
                },
                load: { name in
                    let t = try file.tensor(name)
                    return NamedArray(name: name, shape: t.shape, dtype: NamedArray.dtypeName(t.dtype), values: try t.doubles())
                },
                pieces: file.pieceReader)
        default:
            // Read forward as arrays are asked for: in file order (a model against its own conversion), one weight at
            // a time; arrays read past on the way to one asked for are kept, as float32, until they are asked for.
            let weights = try Float32WeightStream.open(url, limits: limits, isolation: isolation)
            let shapes = Dictionary(zip(weights.names, weights.shapes).map { $0 }, uniquingKeysWith: { first, _ in first })
            final class ReadAhead: @unchecked Sendable {
                var kept: [String: NPYArray] = [:]
                /// The array last handed to `pieces`, in case the caller then loads it whole after all (`compare`
                /// does for a Fortran-ordered partner).
                var lastPieces: (name: String, array: NPYArray)?
            }
            let ahead = ReadAhead()
            func array(_ name: String) throws -> NPYArray {
                if let last = ahead.lastPieces, last.name == name { return last.array }
                if let a = ahead.kept.removeValue(forKey: name) { return a }
                while weights.delivered < weights.names.count {
                    let next = weights.names[weights.delivered]
                    let a = try weights.array(weights.delivered)
                    if next == name { return a }
                    if ahead.kept[next] == nil { ahead.kept[next] = a }
                }
                throw KerasFormatError.readerFailed(file: url.path, reason: "no weight '\(name)' left to read")
            }
            return NamedArraySource(
                kind: kind, names: weights.names,
                describe: { name in (shapes[name] ?? [], "float32") },
                load: { name in NamedArray(name: name, shape: shapes[name] ?? [], dtype: "float32", values: try array(name).doubles()) },
                pieces: { name in
                    ahead.lastPieces = nil  // let the previous array go before the next is read
                    let a = try array(name)
                    ahead.lastPieces = (name, a)
                    return try ArrayPieceReader(array: a)
                },
                stream: { name, body in
                    ahead.lastPieces = nil
                    guard ahead.kept[name] == nil, weights.delivered < weights.names.count, weights.names[weights.delivered] == name
                    else { return false }
                    try weights.values(weights.delivered, body)
                    return true
                })
        }
    }
}
