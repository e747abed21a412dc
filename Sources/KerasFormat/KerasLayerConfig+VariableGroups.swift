import ModelSpec

extension KerasLayerConfig {
    /// The groups holding this layer's variables in a Keras 3 `.keras`/`.weights.h5` file, as full paths
    /// (`<kerasPath>/vars`, `<kerasPath>/cell/vars` for a recurrent layer, `<kerasPath>/forward_layer/cell/vars`
    /// and `.../backward_layer/cell/vars` for `Bidirectional`, `<kerasPath>/layer/vars` for `TimeDistributed`), in
    /// Keras' variable order, each with the number of variables (`<group>/0`, `<group>/1`, ...) it holds.
    /// Empty for a layer without weights.
    public var variableGroups: [(path: String, count: Int)] {
        KerasLayerMapping.variableGroups(spec).map { (kerasPath + "/" + $0.path, $0.count) }
    }
}
