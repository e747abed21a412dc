/// Keras padding modes for Conv2D and pooling.
public enum KerasPadding: String, Sendable {
    case valid, same
}

/// The layers WeightBridge understands, with the settings that change their output.
/// Activations are Keras names: relu, sigmoid, tanh, softmax, linear.
public enum KerasLayerKind: Sendable, Equatable {
    case input
    /// 2-D convolution, NHWC, kernel (h, w, in, out).
    case conv2D(filters: Int, kernelSize: [Int], strides: [Int], padding: KerasPadding, activation: String, useBias: Bool)
    case maxPooling2D(poolSize: [Int], strides: [Int], padding: KerasPadding)
    case flatten
    /// Fully connected, kernel (in, out).
    case dense(units: Int, activation: String, useBias: Bool)
    case dropout(rate: Double)
    case activation(String)
}

/// One layer of a model configuration.
public struct KerasLayerConfig: Sendable, Equatable {
    /// The layer's name (also its weight group's name in the file).
    public var name: String
    /// The Keras class name as written in the file (`MaxPool2D` and `MaxPooling2D` both give `.maxPooling2D`).
    public var className: String
    public var kind: KerasLayerKind

    public init(name: String, className: String, kind: KerasLayerKind) {
        self.name = name
        self.className = className
        self.kind = kind
    }
}

/// Which Keras writes (or wrote) a file: Keras 3 (`keras`) or Keras 2 (`tf.keras` / `tf_keras`).
public enum KerasFlavor: Sendable {
    case keras3, keras2

    /// The `keras_version` attribute written for this flavour: the release whose format is reproduced.
    public var formatVersion: String {
        switch self {
        case .keras3: return "3.15.1"
        case .keras2: return "2.21.0"
        }
    }
}
