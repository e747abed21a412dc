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
    /// `LayerNormalization(axis, epsilon, center, scale)` over `axes` (Keras axes: batch = 0, negative from the
    /// end; one or several): per example and position of the other axes, `(x - mean) / sqrt(variance + epsilon)
    /// * gamma + beta` with the (biased) moments over `axes`. Weights `[gamma if scale, beta if center]`, each shaped
    /// as the input's `axes` in increasing order. Keras 3's `rms_scaling` is refused by the reader.
    case layerNormalization(axes: [Int] = [-1], epsilon: Double = 1e-3, center: Bool = true, scale: Bool = true)
    /// `Rescaling(scale, offset)`: `x * scale + offset`, elementwise (scalar scale and offset only).
    case rescaling(scale: Double, offset: Double = 0)
    /// `Normalization(axis, mean, variance, invert)`: `(x - mean) / max(sqrt(variance), 1e-7)` (`invert`:
    /// `mean + x * max(sqrt(variance), 1e-7)`), with one mean and variance per position of the kept `axes`
    /// (Keras axes; `[]` keeps none: one scalar mean). With `mean`/`variance` given (as the config stores
    /// them, row-major over the kept axes, or one value for all) the layer has no weights; with nil it has
    /// Keras' adapted variables `[mean, variance, count]`, all non-trainable, `count` a scalar.
    case normalization(axes: [Int] = [-1], mean: [Double]? = nil, variance: [Double]? = nil, invert: Bool = false)
    /// `ReLU(max_value, negative_slope, threshold)`: `min(x, max_value)` for `x >= threshold`, else
    /// `negative_slope * (x - threshold)` (Keras' formula; `max_value` nil means no cap).
    case relu(maxValue: Double? = nil, negativeSlope: Double = 0, threshold: Double = 0)
    /// `PReLU(shared_axes)`: `x` if `x >= 0`, else `alpha * x`, with one learnt `alpha` per position of the input,
    /// shared along `sharedAxes` (Keras axes, 1-based). Weight `alpha` shaped as the input with shared axes 1.
    case prelu(sharedAxes: [Int] = [])
    /// `ELU(alpha)` as a layer: `x` if `x > 0`, else `alpha * (exp(x) - 1)`.
    case elu(alpha: Double = 1)
    /// `Softmax(axis)` over one or several `axes` other than the single last one (which is
    /// `.activation(.softmax)`): numerically stable, jointly over the listed axes.
    case softmax(axes: [Int])
    /// `Embedding(input_dim, output_dim)`: integer indices (arriving as floats) of any shape -> their rows of the
    /// `(input_dim, output_dim)` weight `embeddings`, appended as a last axis. An index that is not an exact integer
    /// in `0..<input_dim` yields a row of NaN (predictions cannot throw). `mask_zero` is refused by the reader.
    case embedding(inputDim: Int, outputDim: Int)
    /// `RepeatVector(n)`: `(features)` -> `(n, features)`.
    case repeatVector(Int)
    /// Layers that are the identity at inference and whose training-time noise or penalty WeightBridge does not
    /// apply (`fit` runs them as the identity too): `SpatialDropout1D/2D/3D`, `GaussianNoise`, `GaussianDropout`,
    /// `AlphaDropout`, `ActivityRegularization`. Kept so exports write the class back.
    case inferenceIdentity(InferenceIdentity)
    /// keras.applications ConvNeXt's `LayerScale(init_values, projection_dim)`: `x * gamma`, `gamma`
    /// `(projection_dim)` broadcast along the last axis. `initValues` only matters to Keras' initialiser.
    case layerScale(initValues: Double, projectionDim: Int)
}

/// The elementwise merge layers, as Keras names them.
public enum MergeOperation: String, Sendable, Hashable, CaseIterable {
    case add = "Add"
    case subtract = "Subtract"
    case multiply = "Multiply"
    case average = "Average"
    case maximum = "Maximum"
    case minimum = "Minimum"
}
