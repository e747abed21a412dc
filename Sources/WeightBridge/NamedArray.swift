import Foundation
import KerasFormat
import NumPyFormat
import SafeIO
import SafeTensorsFormat

/// An array with a name, from any file WeightBridge reads: a `.npy`, an `.npz` member, or a
/// Keras weight (named `layer/weight`, e.g. `conv2d/kernel`). Values are held as Double.
public struct NamedArray: Sendable {
    public var name: String
    public var shape: [Int]
    /// NumPy dtype string (`<f4`) for NumPy and `.safetensors` files (`bfloat16` for BF16), `float32` for Keras weights.
    public var dtype: String
    public var values: [Double]

    /// Reads every array of `url` (`.npy`, `.npz`, `.safetensors`, `.h5`), recognised by content (`FileKind`).
    /// `.safetensors` tensors come in data order with their NumPy dtype; a `.keras` archive's weights are named by
    /// their path in `model.weights.h5` (`layers/dense/vars/0`). Other Keras weights are named
    /// `layer/weight` with the weight's last path component and any `:0` suffix removed. Every array and the
    /// file's total are checked against `limits` before they are read. `.h5` and `.keras` weights are parsed by
    /// libhdf5 as `isolation` says (in this process by default).
    public static func readAll(_ url: URL, limits: ResourceLimits = .default, isolation: KerasReadIsolation = .inProcess) throws
        -> [NamedArray]
    {
        let kind = try FileKind.detect(url)
        switch kind {
        case .npy:
            let a = try NPYFile.read(url, limits: limits)
            return [
                NamedArray(
                    name: url.deletingPathExtension().lastPathComponent, shape: a.shape, dtype: a.dtype.descr, values: try a.doubles())
            ]
        case .npz, .safetensors:
            let source = try NamedArraySource.open(url, kind: kind, limits: limits, isolation: isolation)
            return try source.names.map(source.load)
        default:
            return try float32Weights(url, limits: limits, isolation: isolation).map { w in
                NamedArray(name: w.name, shape: w.array.shape, dtype: "float32", values: try w.array.doubles())
            }
        }
    }

    /// The weights of a Keras file (`.keras`, `.h5`) as float32 arrays over the weights' own storage (no copy, no
    /// float64), named as `readAll` names them, all held at once; `Float32WeightStream` gives them one at a time.
    /// `.h5` and `.keras` files are parsed by libhdf5 as `isolation` says.
    public static func float32Weights(_ url: URL, limits: ResourceLimits = .default, isolation: KerasReadIsolation = .inProcess) throws
        -> [(name: String, array: NPYArray)]
    {
        try Float32WeightStream.open(url, limits: limits, isolation: isolation) { weights in
            try weights.names.indices.map { (weights.names[$0], try weights.array($0)) }
        }
    }

    /// The NumPy dtype string of a safetensors dtype (`<f4` for F32), `bfloat16` for BF16, so that arrays from
    /// `.npz` and `.safetensors` files compare by dtype.
    public static func dtypeName(_ dtype: SafeTensorsDType) -> String {
        dtype.npyElementType.map { NPYDType($0).descr } ?? "bfloat16"
    }

    /// `conv2d/kernel:0` -> `kernel`; `sequential/dense/bias` -> `bias`; `dense_1_W` -> `dense_1_W`.
    public static func kerasWeightShortName(_ name: String) -> String {
        var last = name.split(separator: "/").last.map(String.init) ?? name
        if let colon = last.lastIndex(of: ":") { last = String(last[..<colon]) }
        return last
    }
}
