import Foundation
import KerasFormat
import NumPyFormat
import SafeIO
import SafeTensorsFormat

/// The arrays of a file, listed without reading them and read one at a time: `compare` holds one pair in memory,
/// not two whole files. `.npz` members are described from their `.npy` headers and `.safetensors` tensors from the
/// file's header; `.npy` files and `.npz` members can also be read piece by piece (`pieces`), so a pair of them
/// compares in constant memory. The other kinds (`.h5`, `.keras`) are read whole once, as float32
/// (`NamedArray.float32Weights`), each array widened to float64 only when it is loaded.
struct NamedArraySource {
    /// What the file is, by content (`FileKind.detect`).
    let kind: FileKind?
    /// Array names in file order.
    let names: [String]
    /// Shape and dtype of an array, without reading its data.
    let describe: (String) throws -> (shape: [Int], dtype: String)
    /// The array itself.
    let load: (String) throws -> NamedArray
    /// The array read forward piece by piece, for the kinds that can (`.npy`, `.npz`).
    var pieces: ((String) throws -> ArrayPieceReader)? = nil

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
                })
        default:
            // Held as float32 (the weights once), each widened to float64 only while its pair is compared.
            let weights = try NamedArray.float32Weights(url, limits: limits, isolation: isolation)
            let byName = Dictionary(weights.map { ($0.name, $0.array) }, uniquingKeysWith: { first, _ in first })
            return NamedArraySource(
                kind: kind, names: weights.map(\.name),
                describe: { name in (byName[name]!.shape, "float32") },
                load: { name in NamedArray(name: name, shape: byName[name]!.shape, dtype: "float32", values: try byName[name]!.doubles()) })
        }
    }
}
