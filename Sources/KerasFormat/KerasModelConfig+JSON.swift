import Foundation
import ModelSpec

extension KerasModelConfig {
    /// The `model_config` JSON that Keras itself writes into a legacy `.h5` file, in the given flavour:
    /// Keras 3 (`batch_shape`, `DTypePolicy` objects, `build_input_shape`, `keras_history` inbound nodes) or
    /// Keras 2 (`batch_input_shape`, string dtypes, `[["prev", 0, 0, {}]]` inbound nodes). A chain with one input
    /// is written as it was read (Sequential or Functional); any other graph as Functional. Needs every input shape.
    /// Keys are sorted so the output is deterministic.
    public func jsonData(flavor: KerasFlavor) throws -> Data {
        let source = "model '\(name)'"
        let graph = try graph(source: source)
        let writer = ConfigWriter(flavor: flavor)
        var config: [String: Any] = ["name": name, "trainable": true]
        let top: [String: Any]
        if className == "Sequential" && graph.isChain {
            var layerList: [Any] = [["class_name": "InputLayer", "config": writer.inputConfig(graph.inputs[0])]]
            layerList += layers.map { ["class_name": writer.className($0), "config": writer.layerConfig($0)] }
            config["layers"] = layerList
            if flavor == .keras3 {
                config["dtype"] = writer.dtypePolicy
                config["build_input_shape"] = [NSNull()] + graph.inputs[0].shape
            }
            top = ["class_name": "Sequential", "config": config]
        } else {
            // Keras numbers a layer's calls 0, 1, ...; a tensor is (layer, call, 0).
            var callIndex = [Int](repeating: 0, count: graph.nodes.count)
            var calls = [Int](repeating: 0, count: layers.count)
            for (index, node) in graph.nodes.enumerated() {
                callIndex[index] = calls[node.layer]
                calls[node.layer] += 1
            }
            func history(_ ref: ModelGraph.TensorRef) -> (name: String, call: Int, shape: [Int]) {
                switch ref {
                case .input(let i): return (graph.inputs[i].name, 0, graph.inputs[i].shape)
                case .node(let j): return (layers[graph.nodes[j].layer].name, callIndex[j], graph.nodeShapes[j])
                }
            }
            var inboundByLayer = [[Any]](repeating: [], count: layers.count)
            for node in graph.nodes { inboundByLayer[node.layer].append(writer.inboundNode(node.inputs.map(history))) }
            var layerList: [Any] = graph.inputs.map { input in
                ["class_name": "InputLayer", "config": writer.inputConfig(input), "name": input.name, "inbound_nodes": [Any]()]
            }
            for (index, layer) in layers.enumerated() {
                layerList.append([
                    "class_name": writer.className(layer), "config": writer.layerConfig(layer), "name": layer.name,
                    "inbound_nodes": inboundByLayer[index],
                ])
            }
            config["layers"] = layerList
            func tensorList(_ refs: [ModelGraph.TensorRef]) -> Any {
                let list: [[Any]] = refs.map {
                    let h = history($0)
                    return [h.name, h.call, 0]
                }
                return flavor == .keras3 && list.count == 1 ? list[0] : list
            }
            config["input_layers"] = tensorList(graph.inputs.indices.map { .input($0) })
            config["output_layers"] = tensorList(graph.outputs)
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

    func inputConfig(_ input: ModelGraph.Input) -> [String: Any] {
        var config: [String: Any] = ["dtype": "float32", "sparse": false, "ragged": false, "name": input.name, "optional": false]
        config[flavor == .keras3 ? "batch_shape" : "batch_input_shape"] = [NSNull()] + input.shape
        return config
    }

    func className(_ layer: KerasLayerConfig) -> String { KerasLayerMapping.keras(layer.spec, flavor: flavor).className }

    func layerConfig(_ layer: KerasLayerConfig) -> [String: Any] {
        let base: [String: Any] = ["name": layer.name, "trainable": true, "dtype": dtypePolicy]
        return base.merging(KerasLayerMapping.keras(layer.spec, flavor: flavor).config) { $1 }
    }

    /// One call's inbound node: its argument tensors as (layer, call, shape).
    func inboundNode(_ arguments: [(name: String, call: Int, shape: [Int])]) -> Any {
        switch flavor {
        case .keras3:
            let tensors: [Any] = arguments.map { argument in
                [
                    "class_name": "__keras_tensor__",
                    "config": [
                        "shape": [NSNull()] + argument.shape, "dtype": "float32", "keras_history": [argument.name, argument.call, 0],
                    ]
                        as [String: Any],
                ] as [String: Any]
            }
            // A merge layer is called on a list of tensors; any other layer on one tensor.
            let args: [Any] = tensors.count == 1 ? tensors : [tensors]
            return ["args": args, "kwargs": [String: Any]()] as [String: Any]
        case .keras2:
            return arguments.map { [$0.name, $0.call, 0, [String: Any]()] as [Any] }
        }
    }
}
