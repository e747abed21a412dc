import Foundation
import ModelSpec

extension KerasModelConfig {
    /// The shapes of each layer's weights as the file stores them, in `weight_names` order: the vocabulary's
    /// shapes (`LayerSpec.weightShapes`), with Keras 1 `th` kernels as `(filters, in, kh, kw)`. Throws when an input
    /// shape is unknown or a layer cannot take its input.
    public func expectedWeightShapes(source: String) throws -> [(layer: String, shapes: [[Int]])] {
        let graph = try graph(source: source)
        return zip(layers, graph.weightShapes).map { layer, shapes in
            guard layer.kernelLayout == .oihw, let kernel = shapes.first, kernel.count == 4 else { return (layer.name, shapes) }
            return (layer.name, [[kernel[3], kernel[2], kernel[0], kernel[1]]] + shapes.dropFirst())
        }
    }

    /// The number of weight values (moving statistics included, as Keras counts them).
    public func parameterCount(source: String) throws -> Int {
        try graph(source: source).parameterCounts.reduce(0, +)
    }

    /// Expected weight shapes per weight group (a nested model's layers share their enclosing layer's group),
    /// groups in first-use order. Within a group the trainable weights of its layers come first, in layer order,
    /// then the non-trainable ones (BatchNormalization's moving statistics), as Keras lists a model's weights.
    public func expectedGroupShapes(source: String) throws -> [(group: String, shapes: [[Int]])] {
        var groups: [(group: String, trainable: [[Int]], frozen: [[Int]])] = []
        var index: [String: Int] = [:]
        for (layer, (_, shapes)) in zip(layers, try expectedWeightShapes(source: source)) {
            let split = max(shapes.count - layer.spec.nonTrainableWeightCount, 0)
            for group in [layer.weightGroup] + layer.aliasGroups {
                let i = index[group] ?? groups.count
                if i == groups.count {
                    index[group] = i
                    groups.append((group, [], []))
                }
                groups[i].trainable += shapes[..<split]
                groups[i].frozen += shapes[split...]
            }
        }
        return groups.map { ($0.group, $0.trainable + $0.frozen) }
    }

    /// Where each layer's weights sit in its legacy weight group: indices into the group's arrays, in the layer's
    /// own order (trainable weights of all the group's layers first, then the non-trainable ones). A layer also
    /// stored under alias groups counts in those groups' layouts too.
    public func weightPositions() -> [[Int]] {
        var trainableTotal: [String: Int] = [:]
        for layer in layers {
            for group in [layer.weightGroup] + layer.aliasGroups {
                trainableTotal[group, default: 0] += layer.spec.weightCount - layer.spec.nonTrainableWeightCount
            }
        }
        var trainableCursor: [String: Int] = [:]
        var frozenCursor: [String: Int] = [:]
        return layers.map { layer in
            let frozen = layer.spec.nonTrainableWeightCount
            let trainable = layer.spec.weightCount - frozen
            var positions: [Int] = []
            for (k, group) in ([layer.weightGroup] + layer.aliasGroups).enumerated() {
                let t = trainableCursor[group, default: 0]
                let f = trainableTotal[group, default: 0] + frozenCursor[group, default: 0]
                trainableCursor[group] = t + trainable
                frozenCursor[group] = frozenCursor[group, default: 0] + frozen
                if k == 0 { positions = Array(t..<(t + trainable)) + Array(f..<(f + frozen)) }
            }
            return positions
        }
    }

    /// Checks `weights` (by group name) against `expectedGroupShapes`: every group with weights must be present
    /// with exactly the expected count and shapes, and no weights may name a layer the configuration lacks.
    public func validate(weights: [KerasLayerWeights], source: String) throws {
        let expected = try expectedGroupShapes(source: source)
        let known = Set(expected.map(\.group) + inputs.map(\.name) + ["top_level_model_weights"])
        for layer in weights where !known.contains(layer.layerName) && !layer.weights.isEmpty {
            throw KerasFormatError.weightMismatch(
                file: source, layer: layer.layerName, expected: "no layer of that name",
                found: "\(layer.weights.map(\.shape))")
        }
        var found: [String: [[Int]]] = [:]
        for layer in weights where found[layer.layerName] == nil { found[layer.layerName] = layer.weights.map(\.shape) }
        for (name, shapes) in expected {
            let have = found[name] ?? []
            if have != shapes {
                throw KerasFormatError.weightMismatch(
                    file: source, layer: name, expected: "\(shapes.count) arrays of shapes \(shapes)",
                    found: "\(have.count) arrays of shapes \(have)")
            }
        }
    }
}
