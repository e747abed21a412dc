import Foundation
import NeuralNet
import NumPyFormat
import SafeIO

/// Reads and writes from-scratch NumPy MLPs: `.npz` archives holding a chain of dense layers,
/// such as the seed project's `W1 b1 W2 b2 W3 b3` (float64, weights `(in, out)`, biases `(1, out)`).
///
/// Reading pairs weight matrices with the bias that follows each in archive order (the order
/// `np.savez` wrote them), decides the orientation, `(in, out)` or `(out, in)`, from how the chain's
/// dimensions link (or from `inputSize`), accepts biases shaped `(n,)`, `(1, n)`, `(n, 1)` or absent,
/// and keeps the archive's precision (any float64 member makes a Float64 model).
public enum MLPArchive {
    /// Orientation of the weight matrices in an archive.
    public enum Orientation: String, Sendable {
        case inOut = "in,out"
        case outIn = "out,in"
    }

    /// The dense chain found in an archive.
    public struct Chain: Sendable {
        /// Per layer: the weight member, its bias member (if any), in and out sizes.
        public struct Layer: Sendable {
            public var weight: String
            public var bias: String?
            public var inputs: Int
            public var outputs: Int
        }
        public var layers: [Layer]
        public var orientation: Orientation
        public var isFloat64: Bool
    }

    /// Works out the chain of dense layers in `archive` without reading any data.
    public static func chain(in archive: NPZArchive, inputSize: Int? = nil, orientation forced: Orientation? = nil) throws -> Chain {
        let path = archive.url.path
        guard !archive.names.isEmpty else { throw BridgeError.notAnMLPArchive(file: path, reason: "the archive is empty") }
        var matrices: [(name: String, rows: Int, cols: Int, bias: String?, biasCount: Int?)] = []
        var isFloat64 = false
        // Each header is read as its member comes, so an archive that is no chain stops at its first wrong member
        // (not after reading the headers of all of, say, 60,000 members).
        for name in archive.names {
            let header = try archive.header(name)
            switch header.dtype.elementType {
            case .float32, .float16: break
            case .float64: isFloat64 = true
            default:
                throw BridgeError.notAnMLPArchive(file: path, reason: "member '\(name)' has dtype \(header.dtype.descr), not a float type")
            }
            let shape = header.shape
            let isVector = shape.count == 1 || (shape.count == 2 && (shape[0] == 1 || shape[1] == 1))
            if shape.count == 2 && !(isVector && !matrices.isEmpty && matrices[matrices.count - 1].bias == nil) {
                matrices.append((name, shape[0], shape[1], nil, nil))
            } else if isVector, !matrices.isEmpty, matrices[matrices.count - 1].bias == nil {
                matrices[matrices.count - 1].bias = name
                matrices[matrices.count - 1].biasCount = shape.reduce(1, *)
            } else {
                throw BridgeError.notAnMLPArchive(
                    file: path, reason: "member '\(name)' of shape \(shapeText(shape)) is neither a weight matrix nor the bias after one")
            }
        }
        // Decide the orientation: the chain must link (out of layer k = in of layer k+1), and the
        // bias length must equal the layer's outputs.
        func links(_ o: Orientation) -> Bool {
            let dims = matrices.map { o == .inOut ? ($0.rows, $0.cols) : ($0.cols, $0.rows) }
            if let inputSize, dims[0].0 != inputSize { return false }
            for i in 0..<dims.count {
                if i > 0 && dims[i - 1].1 != dims[i].0 { return false }
                if let b = matrices[i].biasCount, b != dims[i].1 { return false }
            }
            return true
        }
        let orientation: Orientation
        if let forced {
            guard links(forced) else {
                throw BridgeError.notAnMLPArchive(
                    file: path, reason: "the matrices do not form a chain in orientation (\(forced.rawValue))")
            }
            orientation = forced
        } else {
            let inOut = links(.inOut)
            let outIn = links(.outIn)
            switch (inOut, outIn) {
            case (true, false): orientation = .inOut
            case (false, true): orientation = .outIn
            case (false, false):
                throw BridgeError.notAnMLPArchive(
                    file: path,
                    reason:
                        "matrix shapes \(matrices.map { "\($0.name) \(shapeText([$0.rows, $0.cols]))" }.joined(separator: ", ")) do not link into a chain"
                )
            case (true, true):
                let shapes = matrices.map { "\($0.name) \(shapeText([$0.rows, $0.cols]))" }.joined(separator: ", ")
                throw BridgeError.notAnMLPArchive(
                    file: path,
                    reason: "the orientation is ambiguous: \(shapes) link into a chain both as (in, out) and as (out, in); "
                        + "state the orientation (in,out or out,in)")
            }
        }
        let layers = matrices.map { m -> Chain.Layer in
            let (i, o) = orientation == .inOut ? (m.rows, m.cols) : (m.cols, m.rows)
            return Chain.Layer(weight: m.name, bias: m.bias, inputs: i, outputs: o)
        }
        return Chain(layers: layers, orientation: orientation, isFloat64: isFloat64)
    }

    /// Imports an MLP archive as a runnable model. `activations` gives one activation per layer;
    /// the default is ReLU on hidden layers and softmax on the output (the seed's recipe).
    /// The archive is read under `limits` (each member's size is checked before it is read).
    public static func importModel(
        _ url: URL, activations: [Activation]? = nil, inputSize: Int? = nil,
        orientation: Orientation? = nil, limits: ResourceLimits = .default
    ) throws -> ImportedModel {
        let archive = try NPZArchive(url: url, limits: limits)
        let chain = try self.chain(in: archive, inputSize: inputSize, orientation: orientation)
        let n = chain.layers.count
        let acts = activations ?? (Array(repeating: Activation.relu, count: n - 1) + [.softmax])
        guard acts.count == n else {
            throw BridgeError.notAnMLPArchive(file: url.path, reason: "\(acts.count) activations given for \(n) dense layers")
        }
        let specs = zip(chain.layers, acts).map { LayerSpec.dense(units: $0.0.outputs, activation: $0.1, useBias: $0.0.bias != nil) }
        let names = (0..<n).map { $0 == 0 ? "dense" : "dense_\($0)" }
        func weights(_ layer: Chain.Layer) throws -> (kernel: [Double], bias: [Double]?) {
            var kernel = try archive.array(layer.weight).doubles()
            if chain.orientation == .outIn { kernel = transpose(kernel, rows: layer.outputs, cols: layer.inputs) }
            let bias = try layer.bias.map { try archive.array($0).doubles() }
            return (kernel, bias)
        }
        // A float32 chain is read as float32 (no float64 copy of each kernel on the way: issue 15).
        func floatWeights(_ layer: Chain.Layer) throws -> (kernel: [Float], bias: [Float]?) {
            var kernel = try archive.array(layer.weight).floats()
            if chain.orientation == .outIn { kernel = transpose(kernel, rows: layer.outputs, cols: layer.inputs) }
            let bias = try layer.bias.map { try archive.array($0).floats() }
            return (kernel, bias)
        }
        let model: LoadedModel
        if chain.isFloat64 {
            let m = try Sequential<Double>(inputShape: [chain.layers[0].inputs], layers: specs)
            for (i, layer) in chain.layers.enumerated() {
                let w = try weights(layer)
                var t = [Tensor<Double>(shape: [layer.inputs, layer.outputs], scalars: w.kernel)]
                if let b = w.bias { t.append(Tensor(shape: [layer.outputs], scalars: b)) }
                try m.setWeights(layer: i, t)
            }
            model = .float64(m)
        } else {
            let m = try Sequential<Float>(inputShape: [chain.layers[0].inputs], layers: specs)
            for (i, layer) in chain.layers.enumerated() {
                let w = try floatWeights(layer)
                var t = [Tensor<Float>(shape: [layer.inputs, layer.outputs], scalars: w.kernel)]
                if let b = w.bias { t.append(Tensor(shape: [layer.outputs], scalars: b)) }
                try m.setWeights(layer: i, t)
            }
            model = .float32(m)
        }
        return ImportedModel(
            model: model, layerNames: names, source: url,
            origin: .numpyMLP(memberNames: archive.names), layerClassNames: Array(repeating: "Dense", count: n))
    }

    /// The seed layout of a dense-only model: `W1 b1 W2 b2 ...`, weights `(in, out)`, biases `(1, out)`,
    /// in the model's precision (float64 for Float64 models). Throws if the model has other layers
    /// than Dense (and Dropout/Flatten, which carry no weights).
    public static func exportArrays(_ model: LoadedModel, path: String) throws -> [(name: String, array: NPYArray)] {
        var out: [(name: String, array: NPYArray)] = []
        var k = 0
        for (index, spec) in model.specs.enumerated() {
            switch spec {
            case .dense(_, _, let useBias):
                k += 1
                switch model {
                case .float64(let m):
                    let w = m.weights(layer: index)
                    out.append(("W\(k)", NPYArray(shape: w[0].shape, float64: w[0].scalars)))
                    if useBias { out.append(("b\(k)", NPYArray(shape: [1, w[1].count], float64: w[1].scalars))) }
                case .float32(let m):
                    let w = m.weights(layer: index)
                    out.append(("W\(k)", NPYArray(shape: w[0].shape, float32: w[0].scalars)))
                    if useBias { out.append(("b\(k)", NPYArray(shape: [1, w[1].count], float32: w[1].scalars))) }
                }
            case .flatten, .dropout:
                continue
            default:
                throw BridgeError.cannotExport(
                    file: path, reason: "the MLP layout (W1 b1 ...) holds dense layers only; layer \(index + 1) is \(spec)")
            }
        }
        return out
    }

    static func transpose<T: BinaryFloatingPoint>(_ a: [T], rows: Int, cols: Int) -> [T] {
        // a is (rows, cols) of the *stored* matrix read as (out, in) => rows = out, cols = in.
        var t = [T](repeating: 0, count: a.count)
        a.withUnsafeBufferPointer { src in
            t.withUnsafeMutableBufferPointer { dst in
                for r in 0..<rows { for c in 0..<cols { dst[c * rows + r] = src[r * cols + c] } }
            }
        }
        return t
    }
}
