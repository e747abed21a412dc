import Foundation
import ModelSpec

extension KerasModelConfig {
    /// This configuration with each layer's `kerasPath` set as Keras 3's saving walk gives it in a model built from
    /// the configuration: `model.layers` in Keras' order (`kerasLayerOrder`), each named by its snake-case class and
    /// a counter. Nested models are exported inline, so every path is `layers/<name>`.
    func withSavingPaths() -> KerasModelConfig {
        var config = self
        var paths = SavingPaths()
        // A Functional model's `layers` starts with its InputLayers; they only take counters of their own class.
        let order = (try? graph(source: name).isChain) == true && className == "Sequential" ? Array(layers.indices) : kerasLayerOrder()
        for index in order { config.layers[index].kerasPath = paths.next(config.layers[index].className) }
        return config
    }

    /// The `config.json` and weights tree of a `.keras` archive that Keras 3's `keras.saving.load_model` opens:
    /// the model as `model_config` JSON (Keras 3 flavour) with the keys Keras 3 adds at the top and to each layer
    /// (`module`, `registered_name`, `build_config`), and each layer's arrays at its saving-walk variable paths
    /// (`layers/<name>/vars/<i>`, recurrent cells and wrappers deeper, `variableGroups`). `weights` are matched to
    /// layers by name and must be in the layer's own order (`KerasLayerMapping.weightNames`).
    public func kerasArchiveContents(weights: [KerasLayerWeights]) throws -> (configJSON: Data, weights: KerasWeightTree) {
        let source = "model '\(name)'"
        try validate(weights: weights, source: source)
        let graph = try graph(source: source)
        let isSequential = className == "Sequential" && graph.isChain
        guard var top = try JSONSerialization.jsonObject(with: try jsonData(flavor: .keras3)) as? [String: Any],
            var body = top["config"] as? [String: Any], let entries = body["layers"] as? [[String: Any]]
        else { throw KerasFormatError.invalidConfig(file: source, reason: "could not be written as config.json") }
        body["layers"] = entries.map { entry -> [String: Any] in
            var entry = entry
            let className = entry["class_name"] as? String ?? ""
            entry["module"] = className == "LayerScale" ? "keras.src.applications.convnext" : "keras.layers"
            entry["registered_name"] = className == "LayerScale" ? "LayerScale" : NSNull()
            return entry
        }
        top["config"] = body
        top["module"] = isSequential ? "keras" : "keras.src.models.functional"
        top["registered_name"] = isSequential ? NSNull() : "Functional"
        top["build_config"] = ["input_shape": isSequential ? [NSNull()] + graph.inputs[0].shape : NSNull()] as [String: Any]
        top["compile_config"] = NSNull()
        let byName = Dictionary(weights.map { ($0.layerName, $0.weights) }, uniquingKeysWith: { first, _ in first })
        var entriesOut: [KerasWeightTree.Entry] = []
        for layer in withSavingPaths().layers {
            var arrays = (byName[layer.name] ?? [])[...]
            for group in layer.variableGroups {
                for i in 0..<group.count {
                    guard let array = arrays.popFirst() else {
                        throw KerasFormatError.weightMismatch(
                            file: source, layer: layer.name, expected: "its variables", found: "too few arrays")
                    }
                    entriesOut.append(KerasWeightTree.Entry(path: "\(group.path)/\(i)", shape: array.shape, values: array.values))
                }
            }
        }
        return (try JSONSerialization.data(withJSONObject: top, options: [.sortedKeys]), try KerasWeightTree(entries: entriesOut))
    }
}
