/// The configuration of one layer of a `Sequential` model, mirroring the Keras layer of the same name.
///
/// Shapes exclude the batch axis. Conv2D and MaxPool2D expect NHWC input of rank 3 (height, width, channels);
/// Dense expects rank 1 input (apply `.flatten` first); `.dropout` is the identity at inference.
public enum LayerSpec: Sendable, Equatable {
    /// `keras.layers.Dense(units, activation, use_bias)`: kernel (in, units), bias (units).
    case dense(units: Int, activation: Activation, useBias: Bool)
    /// `keras.layers.Conv2D(filters, (kh, kw), strides=(sh, sw), padding, activation, use_bias)`: kernel HWIO, bias (filters).
    case conv2D(
        filters: Int, kernelHeight: Int, kernelWidth: Int, strideHeight: Int, strideWidth: Int, padding: Padding,
        activation: Activation, useBias: Bool)
    /// `keras.layers.MaxPooling2D(pool_size=(ph, pw), strides=(sh, sw), padding)`.
    case maxPool2D(poolHeight: Int, poolWidth: Int, strideHeight: Int, strideWidth: Int, padding: Padding)
    /// `keras.layers.Flatten()`: row-major over (height, width, channels), as Keras does for channels-last.
    case flatten
    /// `keras.layers.Dropout(rate)`: identity at inference; in training zeroes a seeded fraction `rate` and
    /// scales the rest by 1 / (1 - rate).
    case dropout(rate: Double)
    /// `keras.layers.Activation(name)`.
    case activation(Activation)
    /// `keras.layers.AveragePooling2D`: `same`-padded windows average only their real pixels, as TensorFlow does.
    case averagePool2D(poolHeight: Int, poolWidth: Int, strideHeight: Int, strideWidth: Int, padding: Padding)
    /// `keras.layers.GlobalAveragePooling2D()`: (h, w, c) -> (c).
    case globalAveragePool2D
    /// `keras.layers.GlobalMaxPooling2D()`: (h, w, c) -> (c).
    case globalMaxPool2D
    /// `keras.layers.Cropping2D(((top, bottom), (left, right)))` on (h, w, c).
    case cropping2D(top: Int, bottom: Int, left: Int, right: Int)
    /// `keras.layers.ZeroPadding2D(((top, bottom), (left, right)))` on (h, w, c).
    case zeroPadding2D(top: Int, bottom: Int, left: Int, right: Int)
    /// `keras.layers.Reshape(shape)`: same scalars, new shape.
    case reshape([Int])
    /// `keras.layers.Permute(dims)`: axis `i` of the output is axis `dims[i]` (1-based, batch excluded) of the input.
    /// Used by the Keras bridge to run channels-first models in NHWC.
    case permute([Int])
    /// `keras.layers.LeakyReLU(alpha)`: `x` if `x > 0`, else `alpha * x`.
    case leakyReLU(alpha: Double)
    /// `keras.layers.BatchNormalization` at inference over the last axis: weights [gamma, beta, moving_mean,
    /// moving_variance], `y = (x - mean) / sqrt(variance + epsilon) * gamma + beta`. Training keeps it frozen (its
    /// weights get zero gradients, as a Keras layer with `trainable=False`).
    case batchNormalization(epsilon: Double)
}
