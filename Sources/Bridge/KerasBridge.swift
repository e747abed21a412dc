import Foundation
import KerasFormat
import NeuralNet

/// Maps Keras model configurations and weight layouts onto Swift `Sequential` models, and back.
///
/// Keras and NeuralNet share layouts (NHWC activations, Dense kernels `(in, out)`, Conv2D kernels
/// HWIO), so weights move without transposition; only names and configuration keys are mapped.
public enum KerasBridge {
    /// Builds the Swift model a Keras file describes and loads its weights (Float32, as Keras runs).
    ///
    /// Weights are matched to layers by layer name and, within a layer, by the order of its
    /// `weight_names`. Throws `BridgeError` for unsupported layers, missing weights, or shapes that
    /// disagree with the architecture (naming the layer, the weight and both shapes).
    public static func importModel(_ file: KerasModelFile, config: KerasModelConfig, source: URL) throws -> ImportedModel {
        let path = source.path
        guard let inputShape = config.inputShape else { throw BridgeError.unknownInputShape(path: path) }
        var specs: [LayerSpec] = []
        var names: [String] = []
        var classes: [String] = []
        for layer in config.layers {
            guard let spec = try layerSpec(layer, path: path) else { continue }
            specs.append(spec)
            names.append(layer.name)
            classes.append(layer.className)
        }
        let model = try Sequential<Float>(inputShape: inputShape, layers: specs)
        for (index, name) in names.enumerated() {
            let expected = model.weights(layer: index)
            let stored = file.weights(forLayer: name) ?? []
            if expected.isEmpty && stored.isEmpty { continue }
            guard stored.count == expected.count else {
                throw BridgeError.weightCountMismatch(path: path, layer: name, expected: expected.count, found: stored.count)
            }
            var tensors: [Tensor<Float>] = []
            for (want, have) in zip(expected, stored) {
                guard want.shape == have.shape else {
                    throw BridgeError.weightShapeMismatch(path: path, layer: name, weight: have.name, expected: want.shape, found: have.shape)
                }
                tensors.append(Tensor(shape: have.shape, scalars: have.values))
            }
            try model.setWeights(layer: index, tensors)
        }
        return ImportedModel(model: .float32(model), layerNames: names, source: source,
                             origin: .keras(version: file.kerasVersion, backend: file.backend), layerClassNames: classes)
    }

    /// The Swift layer for one Keras layer, or nil for layers that only declare the input.
    static func layerSpec(_ layer: KerasLayerConfig, path: String) throws -> LayerSpec? {
        func activation(_ name: String) throws -> Activation {
            guard let a = Activation(rawValue: name) else {
                throw BridgeError.unsupportedActivation(path: path, layer: layer.name, activation: name)
            }
            return a
        }
        func padding(_ p: KerasPadding) -> Padding { p == .same ? .same : .valid }
        switch layer.kind {
        case .input:
            return nil
        case .conv2D(let filters, let kernelSize, let strides, let pad, let act, let useBias):
            return .conv2D(filters: filters, kernelHeight: kernelSize[0], kernelWidth: kernelSize[kernelSize.count > 1 ? 1 : 0],
                           strideHeight: strides[0], strideWidth: strides[strides.count > 1 ? 1 : 0],
                           padding: padding(pad), activation: try activation(act), useBias: useBias)
        case .maxPooling2D(let pool, let strides, let pad):
            return .maxPool2D(poolHeight: pool[0], poolWidth: pool[pool.count > 1 ? 1 : 0],
                              strideHeight: strides[0], strideWidth: strides[strides.count > 1 ? 1 : 0], padding: padding(pad))
        case .flatten:
            return .flatten
        case .dense(let units, let act, let useBias):
            return .dense(units: units, activation: try activation(act), useBias: useBias)
        case .dropout(let rate):
            return .dropout(rate: rate)
        case .activation(let name):
            return .activation(try activation(name))
        }
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
            let weightNames = tensors.count == 2 ? ["kernel", "bias"] : tensors.count == 1 ? ["kernel"] : []
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
            let base: String
            switch spec {
            case .dense: base = "dense"
            case .conv2D: base = "conv2d"
            case .maxPool2D: base = "max_pooling2d"
            case .flatten: base = "flatten"
            case .dropout: base = "dropout"
            case .activation: base = "activation"
            }
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
        }
    }
}
