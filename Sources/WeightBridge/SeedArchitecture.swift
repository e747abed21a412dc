import NeuralNet

/// The seed project's architectures, as layer specifications.
public enum SeedArchitecture {
    /// Dense(128, relu) -> Dense(64, relu) -> Dense(10, softmax), input 784 (a flattened image).
    public static let mlp: [LayerSpec] = [
        .dense(units: 128, activation: .relu, useBias: true),
        .dense(units: 64, activation: .relu, useBias: true),
        .dense(units: 10, activation: .softmax, useBias: true),
    ]

    /// Conv2D(32, 3x3, relu) -> MaxPool(2) -> Conv2D(64, 3x3, relu) -> MaxPool(2) -> Flatten ->
    /// Dense(128, relu) -> Dense(10, softmax), valid padding, channels-last, input 28x28x1.
    public static let cnn: [LayerSpec] = [
        .conv2D(
            filters: 32, kernelHeight: 3, kernelWidth: 3, strideHeight: 1, strideWidth: 1, padding: .valid, activation: .relu, useBias: true
        ),
        .maxPool2D(poolHeight: 2, poolWidth: 2, strideHeight: 2, strideWidth: 2, padding: .valid),
        .conv2D(
            filters: 64, kernelHeight: 3, kernelWidth: 3, strideHeight: 1, strideWidth: 1, padding: .valid, activation: .relu, useBias: true
        ),
        .maxPool2D(poolHeight: 2, poolWidth: 2, strideHeight: 2, strideWidth: 2, padding: .valid),
        .flatten(),
        .dense(units: 128, activation: .relu, useBias: true),
        .dense(units: 10, activation: .softmax, useBias: true),
    ]
}
