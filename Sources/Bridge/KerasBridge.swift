import Foundation
import KerasFormat
import NeuralNet

/// Maps Keras model configurations and weight layouts onto Swift `Sequential` models, and back.
///
/// Keras 2+ and NeuralNet share layouts (NHWC activations, Dense kernels `(in, out)`, Conv2D kernels HWIO), so
/// most weights move without transposition. Channels-first models, Keras 1 `th` kernels and Theano-trained
/// kernels are mapped as `KerasLayerPlan` and `importModel` describe.
public enum KerasBridge {
    /// Builds the Swift model a Keras file describes and loads its weights (Float32, as Keras runs).
    ///
    /// Weights are matched to layers by weight group (the layer's name, or the enclosing model's for nested
    /// models) and, within a group, by the order of its `weight_names`, never by parsing names. Keras 1 `th`
    /// kernels `(out, in, h, w)` are transposed to HWIO. When the weights were trained under Theano (the file's
    /// `backend` attribute, else `backend`), convolution kernels are flipped spatially, as Keras 2's legacy loader
    /// did (`convert_kernel`); a model with convolutions whose backend is unknown is refused. The input shape is the
    /// configuration's, else `inputShape`, else the first Dense kernel's input size when only weightless layers
    /// come before it. Throws `BridgeError` for unsupported layers, missing or extra weights, or shapes that
    /// disagree with the architecture (naming the layer, the weight and both shapes).
    public static func importModel(
        _ file: KerasModelFile, config: KerasModelConfig, source: URL, backend: String? = nil, inputShape: [Int]? = nil
    ) throws -> ImportedModel {
        let path = source.path
        let effectiveBackend = file.backend ?? backend
        let hasConvolutions = config.layers.contains { if case .conv2D = $0.kind { return true } else { return false } }
        if hasConvolutions && effectiveBackend == nil { throw BridgeError.unknownBackend(path: path) }
        let flip = hasConvolutions && effectiveBackend == "theano"
        guard let shape = config.inputShape ?? inputShape ?? inferredInputShape(file, config: config) else {
            throw BridgeError.unknownInputShape(path: path)
        }
        let plan = try KerasLayerPlan(config: config, inputShape: shape, path: path)
        let model = try Sequential<Float>(inputShape: shape, layers: plan.steps.map(\.spec))
        var cursor: [String: Int] = [:]
        for (index, step) in plan.steps.enumerated() {
            guard let layer = step.keras else { continue }
            let group = layer.weightGroup
            let stored = file.weights(forLayer: group) ?? []
            let start = cursor[group, default: 0]
            let count = layer.storedWeightCount
            guard start + count <= stored.count else {
                throw BridgeError.weightCountMismatch(path: path, layer: layer.name, expected: count, found: max(stored.count - start, 0))
            }
            cursor[group] = start + count
            var arrays = Array(stored[start..<(start + count)])
            if case .conv2D = layer.kind {
                if layer.kernelLayout == .oihw { arrays[0] = transposedOIHW(arrays[0]) }
                if flip { arrays[0] = flippedSpatially(arrays[0]) }
            }
            if case .batchNormalization(_, _, let center, let scale) = layer.kind {
                let channels = arrays.last?.shape ?? []
                let n = channels.first ?? 0
                let ones = KerasWeight(name: "gamma (scale=False)", shape: channels, values: Array(repeating: 1, count: n))
                let zeros = KerasWeight(name: "beta (center=False)", shape: channels, values: Array(repeating: 0, count: n))
                arrays = [scale ? arrays[0] : ones, center ? arrays[scale ? 1 : 0] : zeros] + arrays.suffix(2)
            }
            let expected = model.weights(layer: index)
            var tensors: [Tensor<Float>] = []
            for (want, have) in zip(expected, arrays) {
                guard want.shape == have.shape else {
                    throw BridgeError.weightShapeMismatch(
                        path: path, layer: layer.name, weight: have.name, expected: want.shape, found: have.shape)
                }
                tensors.append(Tensor(shape: have.shape, scalars: have.values))
            }
            try model.setWeights(layer: index, tensors)
        }
        for layer in file.layerWeights where !layer.weights.isEmpty && cursor[layer.layerName, default: 0] != layer.weights.count {
            throw BridgeError.unusedWeights(
                path: path, group: layer.layerName, used: cursor[layer.layerName, default: 0], found: layer.weights.count)
        }
        var notes: [String] = []
        if flip {
            notes.append(
                "convolution kernels flipped spatially: the weights were trained under Theano"
                    + (file.backend == nil ? " (--backend theano)" : " (the file's backend attribute)"))
        }
        if plan.steps.contains(where: { $0.keras == nil && $0.name == "nchw_to_nhwc" }) {
            notes.append("channels-first model: inputs are NCHW \(shape), transposed once to NHWC")
        }
        return ImportedModel(
            model: .float32(model), layerNames: plan.steps.map(\.name), source: source,
            origin: .keras(version: file.kerasVersion, backend: effectiveBackend), layerClassNames: plan.steps.map(\.className),
            notes: notes)
    }

    /// The input size of the first Dense layer when only weightless, shape-free layers (Flatten, Dropout,
    /// Activation) come before it; nil otherwise (a first convolution leaves the image size unknown).
    static func inferredInputShape(_ file: KerasModelFile, config: KerasModelConfig) -> [Int]? {
        for layer in config.layers {
            switch layer.kind {
            case .flatten, .dropout, .activation, .leakyReLU, .input:
                continue
            case .dense:
                guard let kernel = file.weights(forLayer: layer.weightGroup)?.first, kernel.shape.count == 2 else { return nil }
                return [kernel.shape[0]]
            default:
                return nil
            }
        }
        return nil
    }

    /// A Keras 1 `th` kernel `(out, in, h, w)` as HWIO `(h, w, in, out)`.
    static func transposedOIHW(_ w: KerasWeight) -> KerasWeight {
        guard w.shape.count == 4 else { return w }
        let (o, i, h, k) = (w.shape[0], w.shape[1], w.shape[2], w.shape[3])
        var out = [Float](repeating: 0, count: w.values.count)
        w.values.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for a in 0..<o {
                    for b in 0..<i {
                        for y in 0..<h {
                            for x in 0..<k { dst[((y * k + x) * i + b) * o + a] = src[((a * i + b) * h + y) * k + x] }
                        }
                    }
                }
            }
        }
        return KerasWeight(name: w.name, shape: [h, k, i, o], values: out)
    }

    /// An HWIO kernel with both spatial axes reversed (Keras' `convert_kernel`): Theano's true convolution as
    /// TensorFlow's cross-correlation.
    static func flippedSpatially(_ w: KerasWeight) -> KerasWeight {
        guard w.shape.count == 4 else { return w }
        let (h, k) = (w.shape[0], w.shape[1])
        let inner = w.shape[2] * w.shape[3]
        var out = [Float](repeating: 0, count: w.values.count)
        w.values.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<h {
                    for x in 0..<k {
                        let from = src.baseAddress! + (y * k + x) * inner
                        (dst.baseAddress! + ((h - 1 - y) * k + (k - 1 - x)) * inner).update(from: from, count: inner)
                    }
                }
            }
        }
        return KerasWeight(name: w.name, shape: w.shape, values: out)
    }

    /// The Keras configuration and weights of a Swift model, ready for `KerasModelFile.write`.
    ///
    /// Layer names are `layerNames` when given (one per layer), else Keras' defaults (`conv2d`,
    /// `conv2d_1`, `dense`, ...). Float64 models are written as float32, the precision Keras runs in.
    public static func exportModel(_ model: LoadedModel, layerNames: [String]? = nil, name: String = "sequential") throws -> (KerasModelConfig, [KerasLayerWeights]) {
        let specs = model.specs
        let names = layerNames ?? defaultLayerNames(specs)
        var layers: [KerasLayerConfig] = []
        var weights: [KerasLayerWeights] = []
        for (index, spec) in specs.enumerated() {
            let (className, kind) = kerasKind(spec)
            layers.append(KerasLayerConfig(name: names[index], className: className, kind: kind))
            let tensors: [(shape: [Int], values: [Float])]
            switch model {
            case .float32(let m): tensors = m.weights(layer: index).map { ($0.shape, $0.scalars) }
            case .float64(let m): tensors = m.weights(layer: index).map { ($0.shape, $0.scalars.map { Float($0) }) }
            }
            let weightNames: [String]
            if case .batchNormalization = specs[index] {
                weightNames = ["gamma", "beta", "moving_mean", "moving_variance"]
            } else {
                weightNames = tensors.count == 2 ? ["kernel", "bias"] : tensors.count == 1 ? ["kernel"] : []
            }
            weights.append(KerasLayerWeights(layerName: names[index], weights: zip(weightNames, tensors).map {
                KerasWeight(name: $0.0, shape: $0.1.shape, values: $0.1.values)
            }))
        }
        let config = KerasModelConfig(className: "Sequential", name: name, inputShape: model.inputShape, layers: layers)
        return (config, weights)
    }

    /// Keras' default layer names: the snake-case class name, then `_1`, `_2` for repeats.
    public static func defaultLayerNames(_ specs: [LayerSpec]) -> [String] {
        var seen: [String: Int] = [:]
        return specs.map { spec in
            let base = snakeCase(kerasKind(spec).0)
            let n = seen[base, default: 0]
            seen[base] = n + 1
            return n == 0 ? base : "\(base)_\(n)"
        }
    }

    static func kerasKind(_ spec: LayerSpec) -> (String, KerasLayerKind) {
        func pad(_ p: Padding) -> KerasPadding { p == .same ? .same : .valid }
        switch spec {
        case .dense(let units, let activation, let useBias):
            return ("Dense", .dense(units: units, activation: activation.rawValue, useBias: useBias))
        case .conv2D(let filters, let kh, let kw, let sh, let sw, let padding, let activation, let useBias):
            return ("Conv2D", .conv2D(filters: filters, kernelSize: [kh, kw], strides: [sh, sw], padding: pad(padding),
                                      activation: activation.rawValue, useBias: useBias))
        case .maxPool2D(let ph, let pw, let sh, let sw, let padding):
            return ("MaxPooling2D", .maxPooling2D(poolSize: [ph, pw], strides: [sh, sw], padding: pad(padding)))
        case .flatten:
            return ("Flatten", .flatten)
        case .dropout(let rate):
            return ("Dropout", .dropout(rate: rate))
        case .activation(let a):
            return ("Activation", .activation(a.rawValue))
        case .averagePool2D(let ph, let pw, let sh, let sw, let padding):
            return ("AveragePooling2D", .averagePooling2D(poolSize: [ph, pw], strides: [sh, sw], padding: pad(padding)))
        case .globalAveragePool2D:
            return ("GlobalAveragePooling2D", .globalAveragePooling2D)
        case .globalMaxPool2D:
            return ("GlobalMaxPooling2D", .globalMaxPooling2D)
        case .cropping2D(let t, let b, let l, let r):
            return ("Cropping2D", .cropping2D([t, b, l, r]))
        case .zeroPadding2D(let t, let b, let l, let r):
            return ("ZeroPadding2D", .zeroPadding2D([t, b, l, r]))
        case .reshape(let shape):
            return ("Reshape", .reshape(shape))
        case .permute(let dims):
            return ("Permute", .permute(dims))
        case .leakyReLU(let alpha):
            return ("LeakyReLU", .leakyReLU(alpha: alpha))
        case .batchNormalization(let epsilon):
            return ("BatchNormalization", .batchNormalization(axis: -1, epsilon: epsilon, center: true, scale: true))
        }
    }

    /// Keras' default layer-name stem for a class: `MaxPooling2D` -> `max_pooling2d`, `ZeroPadding2D` -> `zero_padding2d`.
    static func snakeCase(_ className: String) -> String {
        var out = ""
        let characters = Array(className)
        for (i, ch) in characters.enumerated() {
            if ch.isUppercase, i > 0, characters[i - 1].isLowercase { out.append("_") }
            out.append(Character(ch.lowercased()))
        }
        return out
    }
}
