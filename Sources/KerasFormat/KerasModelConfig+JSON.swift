import Foundation

extension KerasModelConfig {
    /// The `model_config` JSON that Keras itself writes into a legacy `.h5` file, in the given flavour:
    /// Keras 3 (`batch_shape`, `DTypePolicy` objects, `build_input_shape`, `keras_history` inbound nodes) or
    /// Keras 2 (`batch_input_shape`, string dtypes, `[["prev", 0, 0, {}]]` inbound nodes). Needs `inputShape`.
    /// Keys are sorted so the output is deterministic.
    public func jsonData(flavor: KerasFlavor) throws -> Data {
        let plan = try shapePlan(source: "model '\(name)'")
        guard let inputShape else { throw KerasFormatError.invalidConfig(source: "model '\(name)'", reason: "no input shape") }
        let writer = ConfigWriter(flavor: flavor)
        let batchShape: [Any] = [NSNull()] + inputShape
        let inputName = inputLayerName ?? "input_layer"
        var inputConfig: [String: Any] = ["dtype": "float32", "sparse": false, "ragged": false, "name": inputName, "optional": false]
        inputConfig[flavor == .keras3 ? "batch_shape" : "batch_input_shape"] = batchShape
        var config: [String: Any] = ["name": name, "trainable": true]
        let top: [String: Any]
        if className == "Sequential" {
            var layerList: [Any] = [["class_name": "InputLayer", "config": inputConfig]]
            layerList += layers.map { ["class_name": writer.className($0), "config": writer.layerConfig($0)] }
            config["layers"] = layerList
            if flavor == .keras3 {
                config["dtype"] = writer.dtypePolicy
                config["build_input_shape"] = batchShape
            }
            top = ["class_name": "Sequential", "config": config]
        } else {
            var layerList: [Any] = [["class_name": "InputLayer", "config": inputConfig, "name": inputName, "inbound_nodes": [Any]()]]
            var previous = (name: inputName, shape: inputShape)
            for (layer, step) in zip(layers, plan) {
                layerList.append([
                    "class_name": writer.className(layer), "config": writer.layerConfig(layer), "name": layer.name,
                    "inbound_nodes": writer.inboundNodes(from: previous.name, shape: previous.shape),
                ])
                previous = (layer.name, step.output)
            }
            config["layers"] = layerList
            let input: [Any] = [inputName, 0, 0]
            let output: [Any] = [previous.name, 0, 0]
            config["input_layers"] = flavor == .keras3 ? input : [input]
            config["output_layers"] = flavor == .keras3 ? output : [output]
            top = ["class_name": "Functional", "config": config]
        }
        return try JSONSerialization.data(withJSONObject: top, options: [.sortedKeys])
    }
}

/// Builds per-layer config dictionaries in the form each Keras flavour writes.
struct ConfigWriter {
    let flavor: KerasFlavor

    var dtypePolicy: Any {
        if flavor == .keras2 { return "float32" }
        let config: [String: Any] = ["name": "float32"]
        return ["module": "keras", "class_name": "DTypePolicy", "config": config, "registered_name": NSNull()] as [String: Any]
    }

    private func initializer(_ className: String) -> [String: Any] {
        let config: [String: Any] = ["Zeros", "Ones"].contains(className) ? [:] : ["seed": NSNull()]
        return ["module": "keras.initializers", "class_name": className, "config": config, "registered_name": NSNull()]
    }

    func className(_ layer: KerasLayerConfig) -> String {
        switch layer.kind {
        case .input: return "InputLayer"
        case .conv2D: return "Conv2D"
        case .maxPooling2D: return "MaxPooling2D"
        case .flatten: return "Flatten"
        case .dense: return "Dense"
        case .dropout: return "Dropout"
        case .activation: return "Activation"
        case .averagePooling2D: return "AveragePooling2D"
        case .globalAveragePooling2D: return "GlobalAveragePooling2D"
        case .globalMaxPooling2D: return "GlobalMaxPooling2D"
        case .cropping2D: return "Cropping2D"
        case .zeroPadding2D: return "ZeroPadding2D"
        case .reshape: return "Reshape"
        case .permute: return "Permute"
        case .leakyReLU: return "LeakyReLU"
        case .batchNormalization: return "BatchNormalization"
        }
    }

    func layerConfig(_ layer: KerasLayerConfig) -> [String: Any] {
        var c: [String: Any] = ["name": layer.name, "trainable": true, "dtype": dtypePolicy]
        let nulls = ["kernel_regularizer", "bias_regularizer", "activity_regularizer", "kernel_constraint", "bias_constraint"]
        switch layer.kind {
        case .input:
            break
        case .conv2D(let filters, let kernelSize, let strides, let padding, let activation, let useBias):
            c.merge([
                "filters": filters, "kernel_size": kernelSize, "strides": strides, "padding": padding.rawValue,
                "data_format": "channels_last", "dilation_rate": [1, 1], "groups": 1, "activation": activation, "use_bias": useBias,
                "kernel_initializer": initializer("GlorotUniform"), "bias_initializer": initializer("Zeros"),
            ]) { $1 }
            for key in nulls { c[key] = NSNull() }
        case .maxPooling2D(let poolSize, let strides, let padding):
            c.merge(["pool_size": poolSize, "strides": strides, "padding": padding.rawValue, "data_format": "channels_last"]) { $1 }
        case .flatten:
            c["data_format"] = "channels_last"
        case .dense(let units, let activation, let useBias):
            c.merge([
                "units": units, "activation": activation, "use_bias": useBias,
                "kernel_initializer": initializer("GlorotUniform"), "bias_initializer": initializer("Zeros"),
            ]) { $1 }
            for key in nulls { c[key] = NSNull() }
        case .dropout(let rate):
            c.merge(["rate": rate, "seed": NSNull(), "noise_shape": NSNull()]) { $1 }
        case .activation(let activation):
            c["activation"] = activation
        case .averagePooling2D(let poolSize, let strides, let padding):
            c.merge(["pool_size": poolSize, "strides": strides, "padding": padding.rawValue, "data_format": "channels_last"]) { $1 }
        case .globalAveragePooling2D, .globalMaxPooling2D:
            c.merge(["data_format": "channels_last", "keepdims": false]) { $1 }
        case .cropping2D(let e):
            c.merge(["cropping": [[e[0], e[1]], [e[2], e[3]]], "data_format": "channels_last"]) { $1 }
        case .zeroPadding2D(let e):
            c.merge(["padding": [[e[0], e[1]], [e[2], e[3]]], "data_format": "channels_last"]) { $1 }
        case .reshape(let target):
            c["target_shape"] = target
        case .permute(let dims):
            c["dims"] = dims
        case .leakyReLU(let alpha):
            c[flavor == .keras3 ? "negative_slope" : "alpha"] = alpha
        case .batchNormalization(let axis, let epsilon, let center, let scale):
            c.merge([
                "axis": axis, "epsilon": epsilon, "center": center, "scale": scale, "momentum": 0.99,
                "beta_initializer": initializer("Zeros"), "gamma_initializer": initializer("Ones"),
                "moving_mean_initializer": initializer("Zeros"), "moving_variance_initializer": initializer("Ones"),
                "beta_regularizer": NSNull(), "gamma_regularizer": NSNull(), "beta_constraint": NSNull(), "gamma_constraint": NSNull(),
            ]) { $1 }
        }
        return c
    }

    func inboundNodes(from previous: String, shape: [Int]) -> [Any] {
        switch flavor {
        case .keras3:
            let tensor: [String: Any] = [
                "class_name": "__keras_tensor__",
                "config": ["shape": [NSNull()] + shape, "dtype": "float32", "keras_history": [previous, 0, 0]] as [String: Any],
            ]
            return [["args": [tensor], "kwargs": [String: Any]()] as [String: Any]]
        case .keras2:
            return [[[previous, 0, 0, [String: Any]()] as [Any]]]
        }
    }
}
