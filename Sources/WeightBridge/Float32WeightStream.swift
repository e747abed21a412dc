import Foundation
import KerasFormat
import NumPyFormat
import SafeIO

/// The weights of a Keras file (`.keras`, `.h5`) as float32 arrays, named as `NamedArray.readAll` names them, read
/// one at a time as they are asked for: what `convert` writes to `.npz` and `.safetensors`, holding one weight at a
/// time (issue 15: peak memory follows the largest weight, not the model).
///
/// Names and shapes are known before any weight is read (the file is listed and checked first, see
/// `KerasWeightStream`); arrays must then be asked for in order, each once.
public struct Float32WeightStream {
    /// Every weight's name, in file order: `layer/kernel` for `.h5` models, the path in `model.weights.h5`
    /// (`layers/dense/vars/0`) for `.keras` archives.
    public let names: [String]
    /// Every weight's shape, in the same order.
    public let shapes: [[Int]]
    private let stream: KerasWeightStream

    /// Weight `index` as a little-endian float32 array over the values' own storage. `index` must be the next one
    /// (0, 1, ...): the weight is read now. Let the previous array go before asking for the next, or both are held.
    /// Throws what reading the weight throws.
    public func array(_ index: Int) throws -> NPYArray {
        precondition(index == stream.delivered, "weights are read in order: asked for \(index), next is \(stream.delivered)")
        return NPYArray(shape: shapes[index], sharing: try stream.nextWeight())
    }

    /// Weight `index`'s values as little-endian float32 bytes in C order (what `.npy` `<f4` and safetensors `F32`
    /// hold), handed to `body` in pieces of about 8 MiB, each let go before the next is read: a weight of any size in
    /// the memory of one piece. `index` must be the next one, as for `array(_:)`. Throws what reading the weight
    /// throws, and what `body` throws.
    public func pieces(_ index: Int, _ body: (Data) throws -> Void) throws {
        try self.values(index) { values in
            if NPYByteOrder.host == .little {
                try body(Data(buffer: values))
            } else {
                try body(values.map(\.bitPattern.littleEndian).withUnsafeBytes { Data($0) })
            }
        }
    }

    /// Weight `index`'s values (float32, C order, host byte order) handed to `body` in pieces of about 8 MiB, each let
    /// go before the next is read: what `compare` walks beside the other file's array. `index` must be the next one,
    /// as for `array(_:)`. Throws what reading the weight throws, and what `body` throws.
    public func values(_ index: Int, _ body: (UnsafeBufferPointer<Float>) throws -> Void) throws {
        precondition(index == stream.delivered, "weights are read in order: asked for \(index), next is \(stream.delivered)")
        try stream.nextWeight(piecesOf: Writeback.interval, body)
    }

    /// Opens the Keras file `url` (parsed by libhdf5 as `isolation` says), calls `body` with its weights, and after
    /// `body` returns checks that the read ended cleanly (`finish`). Throws what `KerasModelFile.read` and
    /// `KerasArchive.read` throw, and what `body` throws.
    public static func open<T>(
        _ url: URL, limits: ResourceLimits = .default, isolation: KerasReadIsolation = .inProcess, _ body: (Float32WeightStream) throws -> T
    ) throws -> T {
        let weights = try open(url, limits: limits, isolation: isolation)
        let result = try body(weights)
        try weights.finish()
        return result
    }

    /// Opens the Keras file `url` (parsed by libhdf5 as `isolation` says) and lists its weights. Throws what
    /// `KerasModelFile.read` and `KerasArchive.read` throw for the listing. A stream dropped before its last weight
    /// abandons the read (the isolated reader is stopped).
    public static func open(_ url: URL, limits: ResourceLimits = .default, isolation: KerasReadIsolation = .inProcess) throws
        -> Float32WeightStream
    {
        if try FileKind.detect(url) == .kerasArchive {
            let (_, stream) = try KerasArchive.openWeightStream(url, limits: limits, isolation: isolation)
            guard case .tree(let entries, _) = stream.contents else { return Float32WeightStream(names: [], shapes: [], stream: stream) }
            return Float32WeightStream(names: entries.map(\.path), shapes: entries.map(\.shape), stream: stream)
        }
        let stream = try KerasModelFile.openWeightStream(url, limits: limits, isolation: isolation)
        guard case .keras(let file) = stream.contents else { return Float32WeightStream(names: [], shapes: [], stream: stream) }
        let weights = file.layerWeights.flatMap { layer in
            layer.weights.map { ("\(layer.layerName)/\(NamedArray.kerasWeightShortName($0.name))", $0.shape) }
        }
        return Float32WeightStream(names: weights.map(\.0), shapes: weights.map(\.1), stream: stream)
    }

    /// How many weights have been read.
    public var delivered: Int { stream.delivered }

    /// Ends the read after the last weight (`KerasWeightStream.finish`): throws what the reader's end says.
    public func finish() throws { try stream.finish() }
}
