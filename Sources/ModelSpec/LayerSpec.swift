/// What one layer computes: the single vocabulary of layer kinds that the file formats produce, the runtime
/// builds, and the shape rules (`LayerSpec+Shapes.swift`) check.
///
/// Each case mirrors the Keras layer of the same name with the settings that change its output. Shapes exclude
/// the batch axis. Axes given as Keras gives them (`axis`, `dims`) count the batch axis as 0 and may be negative.
/// Adding a layer kind means: one case here, its rule in `LayerSpec+Shapes.swift`, its Keras mapping, its kernel.
public enum LayerSpec: Sendable, Hashable {
    /// `Dense(units, activation, use_bias)` on the last axis of an input of any rank: kernel (in, units), bias (units).
    case dense(units: Int, activation: Activation = .linear, useBias: Bool = true)
    /// `Conv2D(filters, (kh, kw), strides, padding, activation, use_bias, data_format, dilation_rate, groups)`: kernel
    /// (kh, kw, in / groups, filters), bias (filters). With `groups` > 1, input channels and filters are split into
    /// `groups` equal blocks and block g of the filters sees only block g of the channels (both must divide evenly).
    /// A dilation d spreads the taps d pixels apart (a kernel of effective size (k - 1) * d + 1).
    case conv2D(
        filters: Int, kernelHeight: Int, kernelWidth: Int, strideHeight: Int = 1, strideWidth: Int = 1, padding: Padding = .valid,
        activation: Activation = .linear, useBias: Bool = true, dataFormat: DataFormat = .channelsLast, dilationHeight: Int = 1,
        dilationWidth: Int = 1, groups: Int = 1)
    /// `MaxPooling2D(pool_size, strides, padding, data_format)`.
    case maxPool2D(
        poolHeight: Int, poolWidth: Int, strideHeight: Int, strideWidth: Int, padding: Padding = .valid,
        dataFormat: DataFormat = .channelsLast)
    /// `AveragePooling2D`: `same`-padded windows average only their real pixels, as TensorFlow does.
    case averagePool2D(
        poolHeight: Int, poolWidth: Int, strideHeight: Int, strideWidth: Int, padding: Padding = .valid,
        dataFormat: DataFormat = .channelsLast)
    /// `GlobalAveragePooling2D(data_format, keepdims)`: an image -> (channels), or (1, 1, channels) / (channels, 1, 1)
    /// with `keepDims`.
    case globalAveragePool2D(dataFormat: DataFormat = .channelsLast, keepDims: Bool = false)
    /// `GlobalMaxPooling2D(data_format, keepdims)`: an image -> (channels), or keeping the spatial axes as 1s.
    case globalMaxPool2D(dataFormat: DataFormat = .channelsLast, keepDims: Bool = false)
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
    /// `DepthwiseConv2D(kernel_size, strides, padding, depth_multiplier, dilation_rate, activation, use_bias,
    /// data_format)`: each input channel c is convolved with its own `depthMultiplier` filters, giving output channel
    /// `c * depthMultiplier + m`. Kernel (kh, kw, in, depthMultiplier), bias (in * depthMultiplier).
    case depthwiseConv2D(
        kernelHeight: Int, kernelWidth: Int, depthMultiplier: Int = 1, strideHeight: Int = 1, strideWidth: Int = 1,
        dilationHeight: Int = 1, dilationWidth: Int = 1, padding: Padding = .valid, activation: Activation = .linear,
        useBias: Bool = true, dataFormat: DataFormat = .channelsLast)
    /// `SeparableConv2D(filters, kernel_size, strides, padding, depth_multiplier, dilation_rate, activation, use_bias,
    /// data_format)`: a depthwise convolution (strides, dilation and padding apply here; no bias) then a 1x1
    /// convolution to `filters`, its bias and the activation. Weights in Keras' order: depthwise kernel
    /// (kh, kw, in, depthMultiplier), pointwise kernel (1, 1, in * depthMultiplier, filters), bias (filters).
    case separableConv2D(
        filters: Int, kernelHeight: Int, kernelWidth: Int, depthMultiplier: Int = 1, strideHeight: Int = 1, strideWidth: Int = 1,
        dilationHeight: Int = 1, dilationWidth: Int = 1, padding: Padding = .valid, activation: Activation = .linear,
        useBias: Bool = true, dataFormat: DataFormat = .channelsLast)
    /// `Conv2DTranspose(filters, kernel_size, strides, padding, output_padding, activation, use_bias, data_format)`
    /// (dilation 1): each input pixel scatters `kernel[:, :, :, c] * x[c]` into a (kh, kw) output window at stride
    /// steps, then the result is cropped as Keras 3 does. Output length per axis, k kernel, s stride, p output padding:
    /// without p, `valid` gives `in * s + max(k - s, 0)` and `same` gives `in * s`; with p, `(in - 1) * s + k -
    /// 2 * pad + p` where pad is 0 (`valid`) or k / 2 (`same`); p must be smaller than s. Kernel (kh, kw, filters, in),
    /// bias (filters).
    case conv2DTranspose(
        filters: Int, kernelHeight: Int, kernelWidth: Int, strideHeight: Int = 1, strideWidth: Int = 1, padding: Padding = .valid,
        outputPaddingHeight: Int? = nil, outputPaddingWidth: Int? = nil, activation: Activation = .linear, useBias: Bool = true,
        dataFormat: DataFormat = .channelsLast)
    /// `Conv1D(filters, kernel_size, strides, padding, dilation_rate, groups, activation, use_bias, data_format)` on
    /// (steps, channels) sequences ((channels, steps) channels-first). Kernel (k, in / groups, filters), bias (filters).
    case conv1D(
        filters: Int, kernelSize: Int, stride: Int = 1, dilation: Int = 1, padding: Conv1DPadding = .valid, groups: Int = 1,
        activation: Activation = .linear, useBias: Bool = true, dataFormat: DataFormat = .channelsLast)
    /// `MaxPooling1D(pool_size, strides, padding, data_format)` along the steps axis; `same` as `maxPool2D`.
    case maxPool1D(poolSize: Int, stride: Int, padding: Padding = .valid, dataFormat: DataFormat = .channelsLast)
    /// `AveragePooling1D(pool_size, strides, padding, data_format)`: `same`-padded windows average their real steps.
    case averagePool1D(poolSize: Int, stride: Int, padding: Padding = .valid, dataFormat: DataFormat = .channelsLast)
    /// `GlobalAveragePooling1D(data_format, keepdims)`: (steps, channels) -> (channels), or (1, channels) /
    /// (channels, 1) with `keepDims`. (Keras' `mask` is not supported: no layer here produces one.)
    case globalAveragePool1D(dataFormat: DataFormat = .channelsLast, keepDims: Bool = false)
    /// `GlobalMaxPooling1D(data_format, keepdims)`: (steps, channels) -> (channels), or keeping the steps axis as 1.
    case globalMaxPool1D(dataFormat: DataFormat = .channelsLast, keepDims: Bool = false)
    /// `UpSampling2D(size, data_format, interpolation)`: (h, w, c) -> (h * sizeHeight, w * sizeWidth, c).
    case upSampling2D(sizeHeight: Int, sizeWidth: Int, interpolation: Interpolation = .nearest, dataFormat: DataFormat = .channelsLast)
    /// `UpSampling1D(size)`: repeats each step `size` times; (steps, c) -> (steps * size, c).
    case upSampling1D(size: Int)
    /// `ZeroPadding1D(padding, data_format)`: adds `left` zero steps before and `right` after.
    case zeroPadding1D(left: Int, right: Int, dataFormat: DataFormat = .channelsLast)
    /// `Cropping1D(cropping)`: removes `left` steps from the start and `right` from the end of (steps, channels).
    case cropping1D(left: Int, right: Int)
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
    case add = "Add"
    case subtract = "Subtract"
    case multiply = "Multiply"
    case average = "Average"
    case maximum = "Maximum"
    case minimum = "Minimum"
}
