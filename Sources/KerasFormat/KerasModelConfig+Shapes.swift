import Foundation

extension KerasModelConfig {
    /// The shapes of each layer's weights in the layout the file stores them and in `weight_names` order,
    /// derived from the input shape: Conv2D `[(kh, kw, in, filters), (filters)]` (Keras 1 `th`:
    /// `(filters, in, kh, kw)`), Dense `[(in, units), (units)]` (no bias entry when `use_bias` is false),
    /// BatchNormalization `[(c)] x 2...4`, other layers `[]`. Spatial layers read `(h, w, c)` or, when
    /// channels-first, `(c, h, w)`. Throws `invalidConfig` when the input shape is unknown or a layer cannot
    /// take its input (a Conv2D on a flat vector, a window larger than a valid-padded input, ...).
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
        /// (h, w, c) of an image input in the layer's own layout.
        func image(_ layer: KerasLayerConfig) throws -> (h: Int, w: Int, c: Int) {
            guard shape.count == 3 else { throw fail(layer, "needs an input of rank 3 (h, w, c), got \(shape)") }
            return layer.isChannelsFirst ? (shape[1], shape[2], shape[0]) : (shape[0], shape[1], shape[2])
        }
        func make(_ layer: KerasLayerConfig, _ h: Int, _ w: Int, _ c: Int) -> [Int] {
            layer.isChannelsFirst ? [c, h, w] : [h, w, c]
        }
        for layer in layers {
            var weightShapes: [[Int]] = []
            switch layer.kind {
            case .input, .dropout, .activation, .leakyReLU:
                weightShapes = []
            case .conv2D(let filters, let kernel, let strides, let padding, _, let useBias):
                let (h, w, c) = try image(layer)
                if padding == .valid, h < kernel[0] || w < kernel[1] {
                    throw fail(layer, "kernel \(kernel) is larger than its input \(shape)")
                }
                let kernelShape =
                    layer.kernelLayout == .oihw ? [filters, c, kernel[0], kernel[1]] : [kernel[0], kernel[1], c, filters]
                weightShapes = [kernelShape] + (useBias ? [[filters]] : [])
                shape = make(
                    layer, spatial(h, window: kernel[0], stride: strides[0], padding: padding),
                    spatial(w, window: kernel[1], stride: strides[1], padding: padding), filters)
            case .maxPooling2D(let pool, let strides, let padding), .averagePooling2D(let pool, let strides, let padding):
                let (h, w, c) = try image(layer)
                if padding == .valid, h < pool[0] || w < pool[1] {
                    throw fail(layer, "pool size \(pool) is larger than its input \(shape)")
                }
                shape = make(
                    layer, spatial(h, window: pool[0], stride: strides[0], padding: padding),
                    spatial(w, window: pool[1], stride: strides[1], padding: padding), c)
            case .globalAveragePooling2D, .globalMaxPooling2D:
                shape = [try image(layer).c]
            case .cropping2D(let e):
                let (h, w, c) = try image(layer)
                guard e[0] + e[1] < h, e[2] + e[3] < w else { throw fail(layer, "crops \(e) from an input \(shape)") }
                shape = make(layer, h - e[0] - e[1], w - e[2] - e[3], c)
            case .zeroPadding2D(let e):
                let (h, w, c) = try image(layer)
                shape = make(layer, h + e[0] + e[1], w + e[2] + e[3], c)
            case .flatten:
                shape = [try elementCount(shape, layer: layer, fail: fail)]
            case .reshape(let target):
                let from = try elementCount(shape, layer: layer, fail: fail)
                let to = try elementCount(target, layer: layer, fail: fail)
                guard from == to else { throw fail(layer, "reshapes \(shape) (\(from) values) to \(target) (\(to) values)") }
                shape = target
            case .permute(let dims):
                guard dims.count == shape.count else { throw fail(layer, "permutes \(dims) an input of shape \(shape)") }
                shape = dims.map { shape[$0 - 1] }
            case .dense(let units, _, let useBias):
                guard let last = shape.last else { throw fail(layer, "has a scalar input") }
                weightShapes = [[last, units]] + (useBias ? [[units]] : [])
                shape[shape.count - 1] = units
            case .batchNormalization(let axis, _, let center, let scale):
                let index = axis < 0 ? axis + shape.count + 1 : axis
                guard index >= 1, index <= shape.count else { throw fail(layer, "normalises axis \(axis) of an input \(shape)") }
                let c = shape[index - 1]
                weightShapes = (scale ? [[c]] : []) + (center ? [[c]] : []) + [[c], [c]]
            }
            result.append((layer.name, weightShapes, shape))
        }
        return result
    }

    private func elementCount(_ shape: [Int], layer: KerasLayerConfig, fail: (KerasLayerConfig, String) -> KerasFormatError) throws -> Int {
        var n = 1
        for d in shape {
            let (p, overflow) = n.multipliedReportingOverflow(by: d)
            guard !overflow else { throw fail(layer, "has a shape \(shape) whose size overflows") }
            n = p
        }
        return n
    }

    /// The number of weight values (sum of the expected weight sizes, moving statistics included).
    public func parameterCount(source: String) throws -> Int {
        try expectedWeightShapes(source: source).flatMap(\.shapes).reduce(0) { $0 + $1.reduce(1, *) }
    }

    /// Expected weight shapes per weight group (a nested model's layers share their enclosing layer's group),
    /// groups in first-use order.
    public func expectedGroupShapes(source: String) throws -> [(group: String, shapes: [[Int]])] {
        var groups: [(group: String, shapes: [[Int]])] = []
        for (layer, (_, shapes)) in zip(layers, try expectedWeightShapes(source: source)) {
            if let i = groups.firstIndex(where: { $0.group == layer.weightGroup }) {
                groups[i].shapes += shapes
            } else {
                groups.append((layer.weightGroup, shapes))
            }
        }
        return groups
    }

    /// Checks `weights` (by group name) against `expectedGroupShapes`: every group with weights must be present
    /// with exactly the expected count and shapes, and no weights may name a layer the configuration lacks.
    public func validate(weights: [KerasLayerWeights], source: String) throws {
        let expected = try expectedGroupShapes(source: source)
        let known = Set(expected.map(\.group) + [inputLayerName, "top_level_model_weights"].compactMap { $0 })
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
