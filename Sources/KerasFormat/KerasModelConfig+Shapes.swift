import Foundation

extension KerasModelConfig {
    /// The shapes of each layer's weights in Keras layout and `weight_names` order, derived from the input shape:
    /// Conv2D `[(kh, kw, in, filters), (filters)]`, Dense `[(in, units), (units)]` (no bias entry when `use_bias` is
    /// false), other layers `[]`. Throws `invalidConfig` when the input shape is unknown or a layer cannot take
    /// its input (a Conv2D on a flat vector, a window larger than a valid-padded input, ...).
    public func expectedWeightShapes(source: String) throws -> [(layer: String, shapes: [[Int]])] {
        try shapePlan(source: source).map { ($0.layer, $0.shapes) }
    }

    /// Per layer: its weight shapes and its output shape (without the batch dimension).
    func shapePlan(source: String) throws -> [(layer: String, shapes: [[Int]], output: [Int])] {
        guard var shape = inputShape else {
            throw KerasFormatError.invalidConfig(
                source: source, reason: "no input shape (batch_shape/batch_input_shape), so weight shapes are unknown")
        }
        var result: [(layer: String, shapes: [[Int]], output: [Int])] = []
        func fail(_ layer: KerasLayerConfig, _ reason: String) -> KerasFormatError {
            .invalidConfig(source: source, reason: "layer '\(layer.name)' (\(layer.className)) \(reason)")
        }
        func spatial(_ size: Int, window: Int, stride: Int, padding: KerasPadding) -> Int {
            padding == .same ? (size + stride - 1) / stride : (size - window) / stride + 1
        }
        for layer in layers {
            var weightShapes: [[Int]] = []
            switch layer.kind {
            case .input:
                weightShapes = []
            case .conv2D(let filters, let kernel, let strides, let padding, _, let useBias):
                guard shape.count == 3 else { throw fail(layer, "needs an input of rank 3 (h, w, c), got \(shape)") }
                if padding == .valid, shape[0] < kernel[0] || shape[1] < kernel[1] {
                    throw fail(layer, "kernel \(kernel) is larger than its input \(shape)")
                }
                weightShapes = [[kernel[0], kernel[1], shape[2], filters]] + (useBias ? [[filters]] : [])
                shape = [
                    spatial(shape[0], window: kernel[0], stride: strides[0], padding: padding),
                    spatial(shape[1], window: kernel[1], stride: strides[1], padding: padding), filters,
                ]
            case .maxPooling2D(let pool, let strides, let padding):
                guard shape.count == 3 else { throw fail(layer, "needs an input of rank 3 (h, w, c), got \(shape)") }
                if padding == .valid, shape[0] < pool[0] || shape[1] < pool[1] {
                    throw fail(layer, "pool size \(pool) is larger than its input \(shape)")
                }
                weightShapes = []
                shape = [
                    spatial(shape[0], window: pool[0], stride: strides[0], padding: padding),
                    spatial(shape[1], window: pool[1], stride: strides[1], padding: padding), shape[2],
                ]
            case .flatten:
                weightShapes = []
                var n = 1
                for d in shape {
                    let (p, overflow) = n.multipliedReportingOverflow(by: d)
                    guard !overflow else { throw fail(layer, "flattens an input \(shape) whose size overflows") }
                    n = p
                }
                shape = [n]
            case .dense(let units, _, let useBias):
                guard let last = shape.last else { throw fail(layer, "has a scalar input") }
                weightShapes = [[last, units]] + (useBias ? [[units]] : [])
                shape[shape.count - 1] = units
            case .dropout, .activation:
                weightShapes = []
            }
            result.append((layer.name, weightShapes, shape))
        }
        return result
    }

    /// The number of trainable parameters (sum of the expected weight sizes).
    public func parameterCount(source: String) throws -> Int {
        try expectedWeightShapes(source: source).flatMap(\.shapes).reduce(0) { $0 + $1.reduce(1, *) }
    }

    /// Checks `weights` (by layer name) against `expectedWeightShapes`: every layer with weights must be present
    /// with exactly the expected count and shapes, and no weights may name a layer the configuration lacks.
    public func validate(weights: [KerasLayerWeights], source: String) throws {
        let expected = try expectedWeightShapes(source: source)
        let known = Set(expected.map(\.layer) + [inputLayerName, "top_level_model_weights"].compactMap { $0 })
        for layer in weights where !known.contains(layer.layerName) && !layer.weights.isEmpty {
            throw KerasFormatError.weightMismatch(
                source: source, layer: layer.layerName, expected: "no layer of that name",
                found: "\(layer.weights.map(\.shape))")
        }
        for (name, shapes) in expected {
            let found = weights.first { $0.layerName == name }?.weights.map(\.shape) ?? []
            if found != shapes {
                throw KerasFormatError.weightMismatch(
                    source: source, layer: name, expected: "\(shapes.count) arrays of shapes \(shapes)",
                    found: "\(found.count) arrays of shapes \(found)")
            }
        }
    }
}
