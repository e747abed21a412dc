import Foundation
import HDF5
import SafeIO

extension KerasModelFile {
    /// Writes a full-model `.h5` that `keras.models.load_model` (Keras 3, `.keras3`) or `tf_keras.models.load_model`
    /// (tf-keras 2, `.keras2`) opens: root attributes `keras_version`, `backend`, `model_config`; `model_weights/` with
    /// `layer_names`, `backend`, `keras_version`, and a group per layer with `weight_names` and its float32 datasets.
    ///
    /// Keras 3 names weights `<model>/<layer>/kernel` (Sequential) or `<layer>/kernel` (Functional) in variable-length
    /// strings; Keras 2 names them `<layer>/kernel:0` and uses fixed-length `|S` `layer_names`/`weight_names`.
    /// `weights` are matched by layer name; each layer's arrays must be those of `KerasLayerMapping.weightNames` with the shapes
    /// the configuration implies (`KerasModelConfig.validate`), else `KerasFormatError.weightMismatch` and nothing
    /// is written. The file appears atomically (temporary file renamed); optimizer state is never written.
    public static func write(
        config: KerasModelConfig, weights: [KerasLayerWeights], to url: URL, flavor: KerasFlavor = .keras3,
        overwrite: Bool = true, backend: String = "tensorflow"
    ) throws {
        let source = url.path
        try config.validate(weights: weights, source: source)
        let json = try config.jsonData(flavor: flavor)
        let byName = Dictionary(weights.map { ($0.layerName, $0.weights) }, uniquingKeysWith: { first, _ in first })
        let isSequential = config.className == "Sequential"
        // Keras' legacy loader matches weight groups to `model.layers` by position, so list them in its order.
        var layerNames = config.kerasLayerOrder().map { config.layers[$0].name }
        if !isSequential { layerNames.insert(contentsOf: config.inputs.map(\.name), at: 0) }
        let specs = Dictionary(config.layers.map { ($0.name, $0.spec) }, uniquingKeysWith: { first, _ in first })
        let fixed = flavor == .keras2

        try AtomicFile.write(to: url, overwrite: overwrite) { tmp in
            let file = try HDF5File.create(tmp)
            let root = file.root
            try root.setStringAttribute("keras_version", flavor.formatVersion)
            try root.setStringAttribute("backend", backend)
            try root.setStringAttribute("model_config", String(decoding: json, as: UTF8.self))
            let weightsRoot = try root.createGroup("model_weights")
            try weightsRoot.setStringAttribute("backend", backend)
            try weightsRoot.setStringAttribute("keras_version", flavor.formatVersion)
            try KerasAttributes.writeStrings(weightsRoot, "layer_names", layerNames, fixedLength: fixed)
            for layerName in layerNames {
                let group = try weightsRoot.createGroup(layerName)
                let arrays = byName[layerName] ?? []
                let roles = specs[layerName].map(KerasLayerMapping.weightNames) ?? []
                let names = arrays.indices.map { index -> String in
                    let role = index < roles.count ? roles[index] : "weight_\(index)"
                    switch flavor {
                    case .keras2: return "\(layerName)/\(role):0"
                    case .keras3: return isSequential ? "\(config.name)/\(layerName)/\(role)" : "\(layerName)/\(role)"
                    }
                }
                try KerasAttributes.writeStrings(group, "weight_names", names, fixedLength: fixed)
                for (name, weight) in zip(names, arrays) {
                    try group.createDataset(name, shape: weight.shape, values: weight.values)
                }
            }
            try weightsRoot.createGroup("top_level_model_weights").setEmptyArrayAttribute("weight_names")
            try file.close()
        }
    }
}
