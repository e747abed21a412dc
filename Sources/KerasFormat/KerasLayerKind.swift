/// Keras padding modes for Conv2D and pooling.
public enum KerasPadding: String, Sendable {
    case valid, same
}

/// Where a layer's channel axis is: Keras 2+ `data_format`, Keras 1 `dim_ordering` (`tf` = last, `th` = first).
public enum KerasDataFormat: String, Sendable {
    case channelsLast = "channels_last", channelsFirst = "channels_first"
}

/// How a convolution kernel is stored: Keras 2+ and Keras 1 `tf` use `(h, w, in, out)`; Keras 1 `th` uses
/// `(out, in, h, w)`.
public enum KerasKernelLayout: String, Sendable {
    case hwio, oihw
}

/// The layers WeightBridge understands, with the settings that change their output.
/// Activations are Keras names: relu, sigmoid, tanh, softmax, linear, elu, selu, softplus, softsign,
/// hard_sigmoid, exponential. Spatial layers read their layout from `KerasLayerConfig.dataFormat`.
public enum KerasLayerKind: Sendable, Equatable {
    case input
    /// 2-D convolution, kernel `(h, w, in, out)` (or `(out, in, h, w)`, see `KerasLayerConfig.kernelLayout`).
    case conv2D(filters: Int, kernelSize: [Int], strides: [Int], padding: KerasPadding, activation: String, useBias: Bool)
    case maxPooling2D(poolSize: [Int], strides: [Int], padding: KerasPadding)
    /// Average pooling; `same`-padded windows average only the real pixels, as TensorFlow does.
    case averagePooling2D(poolSize: [Int], strides: [Int], padding: KerasPadding)
    case globalAveragePooling2D
    case globalMaxPooling2D
    /// Removes rows/columns: `[top, bottom, left, right]`.
    case cropping2D([Int])
    /// Adds zero rows/columns: `[top, bottom, left, right]`.
    case zeroPadding2D([Int])
    case flatten
    /// `Reshape(target_shape)` without the batch axis (no `-1`).
    case reshape([Int])
    /// `Permute(dims)`, 1-based axes without the batch axis, as Keras writes them.
    case permute([Int])
    /// Fully connected, kernel (in, out).
    case dense(units: Int, activation: String, useBias: Bool)
    case dropout(rate: Double)
    case activation(String)
    /// `LeakyReLU(alpha)` (Keras 3: `negative_slope`).
    case leakyReLU(alpha: Double)
    /// Inference-mode batch normalisation over `axis` (Keras' axis, batch = 0, negative from the end);
    /// weights `[gamma if scale, beta if center, moving_mean, moving_variance]`.
    case batchNormalization(axis: Int, epsilon: Double, center: Bool, scale: Bool)
}

/// One layer of a model configuration.
public struct KerasLayerConfig: Sendable, Equatable {
    /// The layer's name (also its weight group's name in the file, unless `weightGroup` says otherwise).
    public var name: String
    /// The Keras class name as written in the file (`MaxPool2D` and `MaxPooling2D` both give `.maxPooling2D`).
    public var className: String
    public var kind: KerasLayerKind
    /// `.channelsFirst` when the layer's `data_format` / `dim_ordering` says so; nil for channels-last (stated or
    /// by default).
    public var dataFormat: KerasDataFormat?
    /// The weight group holding this layer's weights: its own name, or the name of the enclosing model layer
    /// for a Sequential/Model nested as a layer (whose layers share one group, consumed in order).
    public var weightGroup: String
    /// How a convolution kernel is stored (Keras 1 `th`: `(out, in, h, w)`).
    public var kernelLayout: KerasKernelLayout

    public init(
        name: String, className: String, kind: KerasLayerKind, dataFormat: KerasDataFormat? = nil, weightGroup: String? = nil,
        kernelLayout: KerasKernelLayout = .hwio
    ) {
        self.name = name
        self.className = className
        self.kind = kind
        self.dataFormat = dataFormat
        self.weightGroup = weightGroup ?? name
        self.kernelLayout = kernelLayout
    }

    /// Whether the layer works on images laid out channels-first.
    public var isChannelsFirst: Bool { dataFormat == .channelsFirst }
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
