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
    /// `SimpleRNN(units, activation, use_bias, return_sequences, go_backwards)` on a (timesteps, features) input:
    /// `h_t = activation(x_t @ kernel + h_{t-1} @ recurrent_kernel + bias)`, `h_0 = 0`. Weights kernel (features,
    /// units), recurrent_kernel (units, units), bias (units). Outputs the last state (units), or every state
    /// (timesteps, units) with `returnSequences`; with `goBackwards` the steps run last to first and the sequence is
    /// returned in that (reversed) order, as Keras does. Keras' `return_state`, `stateful` and masks are refused upstream.
    case simpleRNN(
        units: Int, activation: Activation = .tanh, useBias: Bool = true, returnSequences: Bool = false, goBackwards: Bool = false)
    /// `LSTM(units, activation, recurrent_activation, use_bias, return_sequences, go_backwards)`: gates in Keras'
    /// order i, f, c, o along the last axis of kernel (features, 4 units), recurrent_kernel (units, 4 units) and bias
    /// (4 units); `c_t = f * c_{t-1} + i * activation(z_c)`, `h_t = o * activation(c_t)`. Outputs as `simpleRNN`.
    case lstm(
        units: Int, activation: Activation = .tanh, recurrentActivation: Activation = .sigmoid, useBias: Bool = true,
        returnSequences: Bool = false, goBackwards: Bool = false)
    /// `GRU(units, activation, recurrent_activation, use_bias, reset_after, return_sequences, go_backwards)`: gates in
    /// Keras' order z, r, h; kernel (features, 3 units), recurrent_kernel (units, 3 units), bias (3 units), or (2, 3
    /// units) with `resetAfter` (row 0 the input bias, row 1 the recurrent bias, and the reset gate applied after
    /// the recurrent product, as Keras 3 and cuDNN do). `h_t = z * h_{t-1} + (1 - z) * activation(...)`. Outputs as
    /// `simpleRNN`.
    case gru(
        units: Int, activation: Activation = .tanh, recurrentActivation: Activation = .sigmoid, useBias: Bool = true,
        resetAfter: Bool = true, returnSequences: Bool = false, goBackwards: Bool = false)
    /// `Bidirectional(layer, merge_mode, backward_layer)`: two recurrent layers (`simpleRNN`, `lstm`, `gru`) on the same
    /// input, the backward one with the opposite `goBackwards` and the same `returnSequences`; the backward sequence is
    /// flipped back into time order before the merge. Weights: the forward layer's, then the backward layer's.
    /// `merge_mode=None` (two outputs) is refused upstream.
    indirect case bidirectional(forward: LayerSpec, backward: LayerSpec, merge: BidirectionalMerge = .concat)
    /// `TimeDistributed(layer)`: the inner single-input layer applied to each step of axis 1 (the first axis after
    /// the batch) with the same weights; its input and output are the inner layer's with that axis in front. Weights,
    /// training support and final activation are the inner layer's.
    indirect case timeDistributed(LayerSpec)
}

/// The elementwise merge layers, as Keras names them.
public enum MergeOperation: String, Sendable, Hashable, CaseIterable {
    case add = "Add", subtract = "Subtract", multiply = "Multiply", average = "Average", maximum = "Maximum"
    case minimum = "Minimum"
}
