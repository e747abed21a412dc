/// What one layer computes: the single vocabulary of layer kinds that the file formats produce, the runtime
/// builds, and the shape rules (`LayerSpec+Shapes.swift`) check.
///
/// Each case mirrors the Keras layer of the same name with the settings that change its output. Shapes exclude
/// the batch axis. Axes given as Keras gives them (`axis`, `dims`) count the batch axis as 0 and may be negative.
/// Adding a layer kind means: one case here, its rule in `LayerSpec+Shapes.swift`, its Keras mapping, its kernel.
public enum LayerSpec: Sendable, Hashable {
    /// `Dense(units, activation, use_bias)` on the last axis of an input of any rank: kernel (in, units), bias (units).
    case dense(units: Int, activation: Activation = .linear, useBias: Bool = true)
    /// `Conv2D(filters, (kh, kw), strides, padding, activation, use_bias, data_format)`: kernel HWIO, bias (filters).
    case conv2D(
        filters: Int, kernelHeight: Int, kernelWidth: Int, strideHeight: Int = 1, strideWidth: Int = 1, padding: Padding = .valid,
        activation: Activation = .linear, useBias: Bool = true, dataFormat: DataFormat = .channelsLast)
    /// `MaxPooling2D(pool_size, strides, padding, data_format)`.
    case maxPool2D(
        poolHeight: Int, poolWidth: Int, strideHeight: Int, strideWidth: Int, padding: Padding = .valid,
        dataFormat: DataFormat = .channelsLast)
    /// `AveragePooling2D`: `same`-padded windows average only their real pixels, as TensorFlow does.
    case averagePool2D(
        poolHeight: Int, poolWidth: Int, strideHeight: Int, strideWidth: Int, padding: Padding = .valid,
        dataFormat: DataFormat = .channelsLast)
    /// `GlobalAveragePooling2D()`: an image -> (channels).
    case globalAveragePool2D(dataFormat: DataFormat = .channelsLast)
    /// `GlobalMaxPooling2D()`: an image -> (channels).
    case globalMaxPool2D(dataFormat: DataFormat = .channelsLast)
    /// `Cropping2D(((top, bottom), (left, right)))`.
    case cropping2D(top: Int, bottom: Int, left: Int, right: Int, dataFormat: DataFormat = .channelsLast)
    /// `ZeroPadding2D(((top, bottom), (left, right)))`.
    case zeroPadding2D(top: Int, bottom: Int, left: Int, right: Int, dataFormat: DataFormat = .channelsLast)
    /// `Flatten(data_format)`: row-major over the input as stored; a channels-first input of rank >= 2 has its
    /// channel axis moved last first, as Keras >= 2.1 does.
    case flatten(dataFormat: DataFormat = .channelsLast)
    /// `Reshape(target_shape)`: same scalars, new shape (no -1).
    case reshape([Int])
    /// `Permute(dims)`: axis `i` of the output is axis `dims[i]` (1-based, batch excluded) of the input.
    case permute([Int])
    /// `Dropout(rate)`: identity at inference; in training zeroes a seeded fraction `rate` and scales the rest by
    /// 1 / (1 - rate).
    case dropout(rate: Double)
    /// `Activation(name)` (also `Softmax()` and a plain `ReLU()`).
    case activation(Activation)
    /// `LeakyReLU(alpha)`: `x` if `x > 0`, else `alpha * x`.
    case leakyReLU(alpha: Double)
    /// `BatchNormalization` at inference over `axis` (Keras' axis: batch = 0, negative from the end):
    /// `(x - moving_mean) / sqrt(moving_variance + epsilon) * gamma + beta`. Weights
    /// `[gamma if scale, beta if center, moving_mean, moving_variance]`. Training keeps it frozen.
    case batchNormalization(axis: Int = -1, epsilon: Double = 1e-3, center: Bool = true, scale: Bool = true)
    /// An elementwise merge of two or more inputs of broadcast-compatible shapes (`Add`, `Subtract`, ...).
    case merge(MergeOperation)
    /// `Concatenate(axis)` of two or more inputs equal in every other axis.
    case concatenate(axis: Int = -1)
}

/// The elementwise merge layers, as Keras names them.
public enum MergeOperation: String, Sendable, Hashable, CaseIterable {
    case add = "Add", subtract = "Subtract", multiply = "Multiply", average = "Average", maximum = "Maximum"
    case minimum = "Minimum"
}
