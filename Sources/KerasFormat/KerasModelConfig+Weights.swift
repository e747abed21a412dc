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
    /// groups in first-use order.
    public func expectedGroupShapes(source: String) throws -> [(group: String, shapes: [[Int]])] {
        var groups: [(group: String, shapes: [[Int]])] = []
        var index: [String: Int] = [:]
        for (layer, (_, shapes)) in zip(layers, try expectedWeightShapes(source: source)) {
            if let i = index[layer.weightGroup] {
                groups[i].shapes += shapes
            } else {
                index[layer.weightGroup] = groups.count
                groups.append((layer.weightGroup, shapes))
            }
        }
        return groups
    }

    /// Checks `weights` (by group name) against `expectedGroupShapes`: every group with weights must be present
    /// with exactly the expected count and shapes, and no weights may name a layer the configuration lacks.
    public func validate(weights: [KerasLayerWeights], source: String) throws {
        let expected = try expectedGroupShapes(source: source)
        let known = Set(expected.map(\.group) + inputs.map(\.name) + ["top_level_model_weights"])
        for layer in weights where !known.contains(layer.layerName) && !layer.weights.isEmpty {
            throw KerasFormatError.weightMismatch(
                source: source, layer: layer.layerName, expected: "no layer of that name",
                found: "\(layer.weights.map(\.shape))")
        }
        var found: [String: [[Int]]] = [:]
        for layer in weights where found[layer.layerName] == nil { found[layer.layerName] = layer.weights.map(\.shape) }
        for (name, shapes) in expected {
            let have = found[name] ?? []
            if have != shapes {
                throw KerasFormatError.weightMismatch(
                    source: source, layer: name, expected: "\(shapes.count) arrays of shapes \(shapes)",
                    found: "\(have.count) arrays of shapes \(have)")
            }
        }
    }
}
