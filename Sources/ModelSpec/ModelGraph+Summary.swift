extension ModelGraph {
    /// What each layer's calls read, as Keras' `model.summary()` shows it in its "Connected to" column:
    /// `name[call][0]` per input tensor (a model input is `name[0][0]`), all calls of the layer in order.
    public var connections: [[String]] {
        var callIndex = [Int](repeating: 0, count: nodes.count)
        var calls = [Int](repeating: 0, count: layers.count)
        for (index, node) in nodes.enumerated() {
            callIndex[index] = calls[node.layer]
            calls[node.layer] += 1
        }
        var result = [[String]](repeating: [], count: layers.count)
        for node in nodes {
            for ref in node.inputs {
                switch ref {
                case .input(let i): result[node.layer].append("\(inputs[i].name)[0][0]")
                case .node(let j): result[node.layer].append("\(layers[nodes[j].layer].name)[\(callIndex[j])][0]")
                }
            }
        }
        return result
    }
}
