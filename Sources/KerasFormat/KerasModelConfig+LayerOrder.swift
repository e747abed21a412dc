import ModelSpec

extension KerasModelConfig {
    /// The order in which Keras lists the layers of a model built from this graph (`model.layers`), which is the
    /// order its legacy `.h5` loader matches weight groups in: layers by decreasing depth from the outputs, ties in
    /// the order a depth-first walk from the outputs first reaches them (Keras' `map_graph`). Indices into `layers`.
    func kerasLayerOrder() -> [Int] {
        enum Operation: Hashable {
            case input(Int)
            case layer(Int)
        }
        func operation(_ ref: ModelGraph.TensorRef) -> Operation {
            switch ref {
            case .input(let i): return .input(i)
            case .node(let j): return .layer(nodes[j].layer)
            }
        }
        var operationIndex: [Operation: Int] = [:]
        var finished = Set<ModelGraph.TensorRef>()
        var decreasingDepth: [ModelGraph.TensorRef] = []
        func visit(_ ref: ModelGraph.TensorRef) {
            guard !finished.contains(ref) else { return }
            let op = operation(ref)
            if operationIndex[op] == nil { operationIndex[op] = operationIndex.count }
            if case .node(let j) = ref { for input in nodes[j].inputs { visit(input) } }
            finished.insert(ref)
            decreasingDepth.append(ref)
        }
        for output in outputs { visit(output) }
        var nodeDepth: [ModelGraph.TensorRef: Int] = [:]
        var operationDepth: [Operation: Int] = [:]
        for ref in decreasingDepth.reversed() {
            let depth = max(nodeDepth[ref] ?? 0, operationDepth[operation(ref)] ?? 0)
            operationDepth[operation(ref)] = depth
            nodeDepth[ref] = depth
            guard case .node(let j) = ref else { continue }
            for parent in nodes[j].inputs { nodeDepth[parent] = max(depth + 1, nodeDepth[parent] ?? 0) }
        }
        let reached = layers.indices.filter { operationIndex[.layer($0)] != nil }
        let order = reached.sorted {
            let (a, b) = (operationDepth[.layer($0)]!, operationDepth[.layer($1)]!)
            return a != b ? a > b : operationIndex[.layer($0)]! < operationIndex[.layer($1)]!
        }
        // Layers no output depends on are not in Keras' model; keep them last so nothing is lost.
        return order + layers.indices.filter { operationIndex[.layer($0)] == nil }
    }
}
