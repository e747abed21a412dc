/// One weight array of a layer, in Keras layout and C order (Dense kernel `(in, out)`, Conv2D kernel
/// `(h, w, in, out)`, biases `(out)`), converted to float32.
public struct KerasWeight: Sendable, Equatable {
    /// The weight's name as listed in `weight_names` (`conv2d/kernel:0`, `sequential/conv2d/kernel`, or `vars/0`).
    public var name: String
    public var shape: [Int]
    public var values: [Float]

    public init(name: String, shape: [Int], values: [Float]) {
        self.name = name
        self.shape = shape
        self.values = values
    }
}

/// The weights of one layer, in `weight_names` order (empty for layers without weights).
public struct KerasLayerWeights: Sendable, Equatable {
    public var layerName: String
    public var weights: [KerasWeight]

    public init(layerName: String, weights: [KerasWeight]) {
        self.layerName = layerName
        self.weights = weights
    }
}
