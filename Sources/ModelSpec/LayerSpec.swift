/// What one layer computes: the single vocabulary of layer kinds that the file formats produce, the runtime
/// builds, and the shape rules (below, in this file) check.
///
/// Each case mirrors the Keras layer of the same name with the settings that change its output. Shapes exclude
/// the batch axis. Axes given as Keras gives them (`axis`, `dims`) count the batch axis as 0 and may be negative.
/// Adding a layer kind means: one case here and its rules below (output shape, weight shapes and counts), its Keras
/// mapping, its kernel.
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

// MARK: - Shape and weight rules

/// The only shape rules of the layer vocabulary: what a layer outputs for given inputs, and the shapes of its
/// weights. The Keras reader, the runtime and `inspect` all ask these.
extension LayerSpec {
    /// How many inputs the layer takes: `1...1` for ordinary layers, `2...` for merges (Subtract: exactly 2).
    public var inputArity: ClosedRange<Int> {
        switch self {
        case .merge(.subtract): return 2...2
        case .merge, .concatenate: return 2...Int.max
        default: return 1...1
        }
    }

    /// The output shape (without the batch axis) for `inputs`, or a `ModelSpecError` naming `layer`.
    public func outputShape(for inputs: [[Int]], layer: String) throws -> [Int] {
        func impossible(_ reason: String) -> ModelSpecError { .impossibleShape(layer: layer, inputs: inputs, reason: reason) }
        func invalid(_ reason: String) -> ModelSpecError { .invalidParameter(layer: layer, reason: reason) }
        guard inputArity.contains(inputs.count) else {
            throw impossible(
                "takes \(inputArity.upperBound == 1 ? "1 input" : "at least \(inputArity.lowerBound) inputs"), got \(inputs.count)")
        }
        let input = inputs[0]
        /// (height, width, channels) of an image input in `format`.
        func image(_ format: DataFormat) throws -> (h: Int, w: Int, c: Int) {
            guard input.count == 3 else { throw impossible("needs an image input of rank 3, got rank \(input.count)") }
            return format == .channelsFirst ? (input[1], input[2], input[0]) : (input[0], input[1], input[2])
        }
        func make(_ format: DataFormat, _ h: Int, _ w: Int, _ c: Int) -> [Int] { format == .channelsFirst ? [c, h, w] : [h, w, c] }
        func window(_ kh: Int, _ kw: Int, _ sh: Int, _ sw: Int, _ padding: Padding, _ format: DataFormat, what: String) throws -> (
            Int, Int, Int
        ) {
            guard kh > 0, kw > 0, sh > 0, sw > 0 else { throw invalid("\(what) size \(kh)x\(kw) and strides \(sh)x\(sw) must be positive") }
            let (h, w, c) = try image(format)
            guard let rows = padding.geometry(input: h, kernel: kh, stride: sh),
                let columns = padding.geometry(input: w, kernel: kw, stride: sw)
            else { throw impossible("\(what) \(kh)x\(kw) is larger than the \(h)x\(w) image with \(padding.rawValue) padding") }
            return (rows.output, columns.output, c)
        }
        switch self {
        case .dense(let units, _, _):
            guard units > 0 else { throw invalid("units \(units) must be positive") }
            guard !input.isEmpty else { throw impossible("needs an input of rank 1 or more") }
            return input.dropLast() + [units]
        case .conv2D(let filters, let kh, let kw, let sh, let sw, let padding, _, _, let format, let dh, let dw, let groups):
            guard filters > 0 else { throw invalid("filters \(filters) must be positive") }
            guard dh > 0, dw > 0, groups > 0 else { throw invalid("dilation \(dh)x\(dw) and groups \(groups) must be positive") }
            let c = try image(format).c
            guard c % groups == 0, filters % groups == 0 else {
                throw impossible("groups \(groups) must divide the \(c) input channels and the \(filters) filters")
            }
            let what = dh == 1 && dw == 1 ? "kernel" : "dilated kernel"
            let (h, w, _) = try window((kh - 1) * dh + 1, (kw - 1) * dw + 1, sh, sw, padding, format, what: what)
            return make(format, h, w, filters)
        case .maxPool2D(let ph, let pw, let sh, let sw, let padding, let format),
            .averagePool2D(let ph, let pw, let sh, let sw, let padding, let format):
            let (h, w, c) = try window(ph, pw, sh, sw, padding, format, what: "pool")
            if padding == .same {
                let (ih, iw, _) = try image(format)
                let top = padding.geometry(input: ih, kernel: ph, stride: sh)!.padBefore
                let left = padding.geometry(input: iw, kernel: pw, stride: sw)!.padBefore
                if ph <= top || pw <= left { throw impossible("pool \(ph)x\(pw) windows would lie wholly in the padding") }
            }
            return make(format, h, w, c)
        case .globalAveragePool2D(let format, let keep), .globalMaxPool2D(let format, let keep):
            let c = try image(format).c
            return keep ? make(format, 1, 1, c) : [c]
        case .cropping2D(let top, let bottom, let left, let right, let format):
            let (h, w, c) = try image(format)
            guard min(top, bottom, left, right) >= 0 else { throw invalid("cropping must not be negative") }
            guard top + bottom < h, left + right < w else {
                throw impossible("crops (\(top), \(bottom), \(left), \(right)) from a \(h)x\(w) image")
            }
            return make(format, h - top - bottom, w - left - right, c)
        case .zeroPadding2D(let top, let bottom, let left, let right, let format):
            let (h, w, c) = try image(format)
            guard min(top, bottom, left, right) >= 0 else { throw invalid("padding must not be negative") }
            return make(format, h + top + bottom, w + left + right, c)
        case .flatten:
            return [try elementCount(input, impossible)]
        case .reshape(let target):
            // One -1 (Keras writes it as given) stands for whatever the other axes leave.
            let unknown = target.filter { $0 == -1 }.count
            guard !target.isEmpty, unknown <= 1, target.allSatisfy({ $0 > 0 || $0 == -1 }) else {
                throw invalid("target shape \(target) must be positive, with at most one -1")
            }
            let from = try elementCount(input, impossible)
            let known = try elementCount(target.filter { $0 != -1 }, impossible)
            if unknown == 1 {
                guard known > 0, from % known == 0 else { throw impossible("cannot reshape \(from) values to \(target)") }
                return target.map { $0 == -1 ? from / known : $0 }
            }
            guard from == known else { throw impossible("cannot reshape \(from) values to \(target) (\(known) values)") }
            return target
        case .permute(let dims):
            guard dims.count == input.count, dims.sorted() == Array(1...max(dims.count, 1)) else {
                throw impossible("\(dims) is not a permutation of the input's \(input.count) axes (1-based)")
            }
            return dims.map { input[$0 - 1] }
        case .dropout(let rate):
            guard rate >= 0, rate < 1 else { throw invalid("dropout rate \(rate) must be in [0, 1)") }
            return input
        case .activation:
            return input
        case .leakyReLU(let alpha):
            guard alpha.isFinite else { throw invalid("alpha \(alpha) must be finite") }
            return input
        case .batchNormalization(let axis, let epsilon, _, _):
            guard epsilon >= 0, epsilon.isFinite else { throw invalid("epsilon \(epsilon) must be a non-negative number") }
            _ = try Self.featureAxis(axis, rank: input.count, impossible)
            return input
        case .merge:
            return try Self.broadcast(inputs, impossible)
        case .concatenate(let axis):
            let a = try Self.featureAxis(axis, rank: input.count, impossible)
            var out = input
            for other in inputs.dropFirst() {
                guard other.count == input.count,
                    other.indices.allSatisfy({ $0 == a || other[$0] == input[$0] })
                else { throw impossible("inputs must agree in every axis but the concatenation axis \(axis)") }
                out[a] += other[a]
            }
            return out
        case .depthwiseConv2D(let kh, let kw, let multiplier, let sh, let sw, let dh, let dw, let padding, _, _, let format):
            guard multiplier > 0, dh > 0, dw > 0 else {
                throw invalid("depth multiplier \(multiplier) and dilation \(dh)x\(dw) must be positive")
            }
            let (h, w, c) = try window((kh - 1) * dh + 1, (kw - 1) * dw + 1, sh, sw, padding, format, what: "dilated kernel")
            return make(format, h, w, c * multiplier)
        case .separableConv2D(let filters, let kh, let kw, let multiplier, let sh, let sw, let dh, let dw, let padding, _, _, let format):
            guard filters > 0, multiplier > 0, dh > 0, dw > 0 else {
                throw invalid("filters \(filters), depth multiplier \(multiplier) and dilation \(dh)x\(dw) must be positive")
            }
            let (h, w, _) = try window((kh - 1) * dh + 1, (kw - 1) * dw + 1, sh, sw, padding, format, what: "dilated kernel")
            return make(format, h, w, filters)
        case .conv2DTranspose(let filters, let kh, let kw, let sh, let sw, let padding, let ph, let pw, _, _, let format):
            guard filters > 0, kh > 0, kw > 0, sh > 0, sw > 0 else { throw invalid("filters, kernel size and strides must be positive") }
            let (h, w, _) = try image(format)
            guard let rows = TransposedConvolutionAxis(input: h, kernel: kh, stride: sh, padding: padding, outputPadding: ph),
                let columns = TransposedConvolutionAxis(input: w, kernel: kw, stride: sw, padding: padding, outputPadding: pw)
            else {
                throw impossible(
                    "output padding \(ph ?? 0)x\(pw ?? 0) must be smaller than the strides \(sh)x\(sw) and the output not empty")
            }
            return make(format, rows.output, columns.output, filters)
        case .conv1D(let filters, let k, let stride, let dilation, let padding, let groups, _, _, let format):
            guard filters > 0, k > 0, stride > 0, dilation > 0, groups > 0 else {
                throw invalid("filters, kernel size, stride, dilation and groups must be positive")
            }
            let (steps, c) = try Self.sequence(input, format, impossible)
            guard c % groups == 0, filters % groups == 0 else {
                throw impossible("groups \(groups) must divide the \(c) input channels and the \(filters) filters")
            }
            let span = (k - 1) * dilation + 1
            let geometry =
                padding == .causal
                ? Padding.valid.geometry(input: steps + span - 1, kernel: span, stride: stride)
                : Padding(rawValue: padding.rawValue)!.geometry(input: steps, kernel: span, stride: stride)
            guard let out = geometry?.output else { throw impossible("dilated kernel \(span) is longer than the \(steps) steps") }
            return format == .channelsFirst ? [filters, out] : [out, filters]
        case .maxPool1D(let size, let stride, let padding, let format), .averagePool1D(let size, let stride, let padding, let format):
            let (steps, c) = try Self.sequence(input, format, impossible)
            let pooled = try LayerSpec.maxPool2D(poolHeight: 1, poolWidth: size, strideHeight: 1, strideWidth: stride, padding: padding)
                .outputShape(for: [[1, steps, c]], layer: layer)
            return format == .channelsFirst ? [c, pooled[1]] : [pooled[1], c]
        case .globalAveragePool1D(let format, let keep), .globalMaxPool1D(let format, let keep):
            let c = try Self.sequence(input, format, impossible).channels
            return keep ? (format == .channelsFirst ? [c, 1] : [1, c]) : [c]
        case .upSampling2D(let sh, let sw, _, let format):
            guard sh > 0, sw > 0 else { throw invalid("size \(sh)x\(sw) must be positive") }
            let (h, w, c) = try image(format)
            guard h <= (1 << 40) / sh, w <= (1 << 40) / sw else { throw impossible("upsampling by \(sh)x\(sw) gives too many pixels") }
            return make(format, h * sh, w * sw, c)
        case .upSampling1D(let size):
            guard size > 0 else { throw invalid("size \(size) must be positive") }
            let (steps, c) = try Self.sequence(input, .channelsLast, impossible)
            guard steps <= (1 << 40) / size else { throw impossible("upsampling by \(size) gives too many steps") }
            return [steps * size, c]
        case .zeroPadding1D(let left, let right, let format):
            guard left >= 0, right >= 0 else { throw invalid("padding must not be negative") }
            let (steps, c) = try Self.sequence(input, format, impossible)
            return format == .channelsFirst ? [c, steps + left + right] : [steps + left + right, c]
        case .cropping1D(let left, let right):
            guard left >= 0, right >= 0 else { throw invalid("cropping must not be negative") }
            let (steps, c) = try Self.sequence(input, .channelsLast, impossible)
            guard left + right < steps else { throw impossible("crops (\(left), \(right)) from \(steps) steps") }
            return [steps - left - right, c]
        case .layerNormalization(let axes, let epsilon, _, _):
            guard epsilon >= 0, epsilon.isFinite else { throw invalid("epsilon \(epsilon) must be a non-negative number") }
            _ = try Self.featureAxes(axes, rank: input.count, impossible)
            return input
        case .rescaling(let scale, let offset):
            guard scale.isFinite, offset.isFinite else { throw invalid("scale \(scale) and offset \(offset) must be finite") }
            return input
        case .normalization(let axes, let mean, let variance, _):
            let kept = try Self.featureAxes(axes, rank: input.count, impossible).map { input[$0] }
            guard (mean == nil) == (variance == nil) else { throw invalid("needs both a mean and a variance, or neither") }
            if let mean, let variance {
                let size = kept.reduce(1, *)
                for (what, values) in [("mean", mean), ("variance", variance)] {
                    guard values.count == 1 || values.count == size else {
                        throw impossible("\(what) has \(values.count) values; the kept axes \(axes) need 1 or \(size)")
                    }
                    guard values.allSatisfy(\.isFinite) else { throw invalid("\(what) must be finite") }
                }
            }
            return input
        case .relu(let maxValue, let slope, let threshold):
            guard slope.isFinite, threshold.isFinite, maxValue?.isFinite ?? true else {
                throw invalid(
                    "max_value \(maxValue.map { "\($0)" } ?? "none"), negative_slope \(slope) and threshold \(threshold) must be finite")
            }
            return input
        case .prelu(let shared):
            for axis in shared where axis < 1 || axis > input.count {
                throw impossible("shared axis \(axis) does not exist in an input of rank \(input.count + 1) (with the batch)")
            }
            return input
        case .elu(let alpha):
            guard alpha.isFinite else { throw invalid("alpha \(alpha) must be finite") }
            return input
        case .softmax(let axes):
            _ = try Self.featureAxes(axes, rank: input.count, impossible)
            return input
        case .embedding(let inputDim, let outputDim):
            guard inputDim > 0, outputDim > 0 else { throw invalid("input_dim \(inputDim) and output_dim \(outputDim) must be positive") }
            return input + [outputDim]
        case .repeatVector(let n):
            guard n > 0 else { throw invalid("n \(n) must be positive") }
            guard input.count == 1 else { throw impossible("needs an input of rank 2 (with the batch), got rank \(input.count + 1)") }
            return [n, input[0]]
        case .inferenceIdentity(let kind):
            switch kind {
            case .spatialDropout(let rank, let rate, _):
                guard rate >= 0, rate < 1 else { throw invalid("dropout rate \(rate) must be in [0, 1)") }
                guard input.count == rank + 1 else {
                    throw impossible("needs an input of rank \(rank + 2) (with the batch), got rank \(input.count + 1)")
                }
            case .gaussianDropout(let rate), .alphaDropout(let rate):
                guard rate >= 0, rate < 1 else { throw invalid("dropout rate \(rate) must be in [0, 1)") }
            case .gaussianNoise(let stddev):
                guard stddev >= 0, stddev.isFinite else { throw invalid("stddev \(stddev) must be a non-negative number") }
            case .activityRegularization(let l1, let l2):
                guard l1 >= 0, l2 >= 0, l1.isFinite, l2.isFinite else {
                    throw invalid("l1 \(l1) and l2 \(l2) must be non-negative numbers")
                }
            }
            return input
        case .layerScale(let initValues, let dim):
            guard initValues.isFinite, dim > 0 else {
                throw invalid("init_values \(initValues) must be finite and projection_dim \(dim) positive")
            }
            guard input.last == dim else {
                throw impossible("projection_dim \(dim) does not match the input's last axis \(input.last ?? 0)")
            }
            return input
        case .simpleRNN, .lstm, .gru:
            return try recurrentOutputShape(input, layer: layer)
        case .bidirectional(let forward, let backward, let merge):
            return try bidirectionalOutputShape(input, forward: forward, backward: backward, merge: merge, layer: layer)
        case .timeDistributed(let inner):
            guard inner.inputArity == 1...1 else { throw invalid("TimeDistributed wraps single-input layers only") }
            guard input.count >= 2 else { throw impossible("TimeDistributed needs an input of rank 2 or more (steps first)") }
            return [input[0]] + (try inner.outputShape(for: [Array(input.dropFirst())], layer: layer))
        }
    }

    /// The shapes of the layer's weights for `inputs` (checked by `outputShape` first), in Keras' order.
    public func weightShapes(for inputs: [[Int]]) -> [[Int]] {
        let input = inputs.first ?? []
        switch self {
        case .dense(let units, _, let useBias):
            return [[input.last ?? 0, units]] + (useBias ? [[units]] : [])
        case .conv2D(let filters, let kh, let kw, _, _, _, _, let useBias, let format, _, _, let groups):
            let c = input.count == 3 ? (format == .channelsFirst ? input[0] : input[2]) : 0
            return [[kh, kw, c / max(groups, 1), filters]] + (useBias ? [[filters]] : [])
        case .batchNormalization(let axis, _, let center, let scale):
            guard let a = try? Self.featureAxis(axis, rank: input.count, { ModelSpecError.invalidGraph($0) }) else { return [] }
            let c = [input[a]]
            return (scale ? [c] : []) + (center ? [c] : []) + [c, c]
        case .depthwiseConv2D(let kh, let kw, let multiplier, _, _, _, _, _, _, let useBias, let format):
            let c = input.count == 3 ? (format == .channelsFirst ? input[0] : input[2]) : 0
            return [[kh, kw, c, multiplier]] + (useBias ? [[c * multiplier]] : [])
        case .separableConv2D(let filters, let kh, let kw, let multiplier, _, _, _, _, _, _, let useBias, let format):
            let c = input.count == 3 ? (format == .channelsFirst ? input[0] : input[2]) : 0
            return [[kh, kw, c, multiplier], [1, 1, c * multiplier, filters]] + (useBias ? [[filters]] : [])
        case .conv2DTranspose(let filters, let kh, let kw, _, _, _, _, _, _, let useBias, let format):
            let c = input.count == 3 ? (format == .channelsFirst ? input[0] : input[2]) : 0
            return [[kh, kw, filters, c]] + (useBias ? [[filters]] : [])
        case .conv1D(let filters, let k, _, _, _, let groups, _, let useBias, let format):
            let c = input.count == 2 ? (format == .channelsFirst ? input[0] : input[1]) : 0
            return [[k, c / max(groups, 1), filters]] + (useBias ? [[filters]] : [])
        case .layerNormalization(let axes, _, let center, let scale):
            guard let indices = try? Self.featureAxes(axes, rank: input.count, { ModelSpecError.invalidGraph($0) }) else { return [] }
            let shape = indices.map { input[$0] }
            return (scale ? [shape] : []) + (center ? [shape] : [])
        case .normalization(let axes, let mean, _, _):
            guard mean == nil, let indices = try? Self.featureAxes(axes, rank: input.count, { ModelSpecError.invalidGraph($0) }) else {
                return []
            }
            let shape = indices.map { input[$0] }
            return [shape, shape, []]
        case .prelu(let shared):
            return [input.indices.map { shared.contains($0 + 1) ? 1 : input[$0] }]
        case .embedding(let inputDim, let outputDim):
            return [[inputDim, outputDim]]
        case .layerScale(_, let dim):
            return [[dim]]
        case .simpleRNN, .lstm, .gru:
            return recurrentWeightShapes(input)
        case .bidirectional(let forward, let backward, _):
            return forward.recurrentWeightShapes(input) + backward.recurrentWeightShapes(input)
        case .timeDistributed(let inner):
            return inner.weightShapes(for: [Array(input.dropFirst())])
        default:
            return []
        }
    }

    private func elementCount(_ shape: [Int], _ impossible: (String) -> ModelSpecError) throws -> Int {
        var n = 1
        for d in shape {
            let (p, overflow) = n.multipliedReportingOverflow(by: d)
            guard !overflow, d >= 0 else { throw impossible("the shape \(shape) has too many values") }
            n = p
        }
        return n
    }

    /// How many of the layer's last weights are not trained (BatchNormalization's moving mean and variance).
    /// Keras lists a model's weights trainable first, so a group holding several layers' weights keeps these last.
    public var nonTrainableWeightCount: Int {
        switch self {
        case .batchNormalization: return 2
        case .normalization(_, nil, _, _): return 3
        case .timeDistributed(let inner): return inner.nonTrainableWeightCount
        default: return 0
        }
    }

    /// How many weight arrays the layer has (the length of `weightShapes`).
    public var weightCount: Int {
        switch self {
        case .dense(_, _, let useBias), .conv2D(_, _, _, _, _, _, _, let useBias, _, _, _, _): return useBias ? 2 : 1
        case .batchNormalization(_, _, let center, let scale): return (center ? 1 : 0) + (scale ? 1 : 0) + 2
        case .depthwiseConv2D(_, _, _, _, _, _, _, _, _, let useBias, _), .conv2DTranspose(_, _, _, _, _, _, _, _, _, let useBias, _),
            .conv1D(_, _, _, _, _, _, _, let useBias, _):
            return useBias ? 2 : 1
        case .separableConv2D(_, _, _, _, _, _, _, _, _, _, let useBias, _): return useBias ? 3 : 2
        case .layerNormalization(_, _, let center, let scale): return (center ? 1 : 0) + (scale ? 1 : 0)
        case .normalization(_, let mean, _, _): return mean == nil ? 3 : 0
        case .prelu, .embedding, .layerScale: return 1
        case .simpleRNN(_, _, let useBias, _, _), .lstm(_, _, _, let useBias, _, _), .gru(_, _, _, let useBias, _, _, _):
            return useBias ? 3 : 2
        case .bidirectional(let forward, let backward, _): return forward.weightCount + backward.weightCount
        case .timeDistributed(let inner): return inner.weightCount
        default: return 0
        }
    }

    /// Whether the runtime has this layer's backward pass, so `fit` can train a model that has it.
    /// Dense and Conv2D layers whose activation is not differentiable from its output alone (silu, gelu, ...) do
    /// not train (an `Activation` layer with them does: it keeps its input). Recurrent layers (and `Bidirectional`)
    /// run inference only; `TimeDistributed` trains when its inner layer does.
    public var supportsTraining: Bool {
        switch self {
        case .dense, .conv2D, .depthwiseConv2D, .separableConv2D, .conv2DTranspose, .conv1D: return finalActivation.hasBackwardFromOutput
        case .simpleRNN, .lstm, .gru, .bidirectional: return false
        case .timeDistributed(let inner): return inner.supportsTraining
        default: return true
        }
    }

    /// Whether the layer has weights of its own.
    public var hasWeights: Bool { weightCount > 0 }

    /// The activation the layer applies last (`.linear` if none), which lets a loss fuse softmax.
    public var finalActivation: Activation { activationSetting ?? .linear }

    /// The activation the layer's settings name (`activation=` of Dense and the convolutions, an `Activation`
    /// layer's function, a `TimeDistributed` layer's inner one); nil for kinds that have no such setting.
    public var activationSetting: Activation? {
        switch self {
        case .dense(_, let a, _), .conv2D(_, _, _, _, _, _, let a, _, _, _, _, _), .activation(let a): return a
        case .depthwiseConv2D(_, _, _, _, _, _, _, _, let a, _, _), .separableConv2D(_, _, _, _, _, _, _, _, _, let a, _, _),
            .conv2DTranspose(_, _, _, _, _, _, _, _, let a, _, _), .conv1D(_, _, _, _, _, _, let a, _, _):
            return a
        case .timeDistributed(let inner): return inner.activationSetting
        default: return nil
        }
    }

    /// Whether the layer works on images (and so has a data format).
    public var dataFormat: DataFormat? {
        switch self {
        case .conv2D(_, _, _, _, _, _, _, _, let f, _, _, _), .maxPool2D(_, _, _, _, _, let f), .averagePool2D(_, _, _, _, _, let f),
            .globalAveragePool2D(let f, _), .globalMaxPool2D(let f, _), .cropping2D(_, _, _, _, let f), .zeroPadding2D(_, _, _, _, let f):
            return f
        case .depthwiseConv2D(_, _, _, _, _, _, _, _, _, _, let f), .separableConv2D(_, _, _, _, _, _, _, _, _, _, _, let f),
            .conv2DTranspose(_, _, _, _, _, _, _, _, _, _, let f), .conv1D(_, _, _, _, _, _, _, _, let f), .maxPool1D(_, _, _, let f),
            .averagePool1D(_, _, _, let f), .globalAveragePool1D(let f, _), .globalMaxPool1D(let f, _), .upSampling2D(_, _, _, let f),
            .zeroPadding1D(_, _, let f):
            return f
        case .timeDistributed(let inner):
            return inner.dataFormat
        default:
            return nil
        }
    }
}

// MARK: - Recurrent kinds

/// What the recurrent kinds (`simpleRNN`, `lstm`, `gru`) share, so that their shape rules, `Bidirectional` and the
/// runtime read it in one place.
extension LayerSpec {
    /// The shared settings of a recurrent layer: units, gate blocks along the weights' last axis (1 SimpleRNN, 4 LSTM,
    /// 3 GRU), whether it returns every step and whether it runs last step first. Nil for every other kind.
    public var recurrence: (units: Int, gates: Int, returnSequences: Bool, goBackwards: Bool)? {
        switch self {
        case .simpleRNN(let units, _, _, let sequences, let backwards): return (units, 1, sequences, backwards)
        case .lstm(let units, _, _, _, let sequences, let backwards): return (units, 4, sequences, backwards)
        case .gru(let units, _, _, _, _, let sequences, let backwards): return (units, 3, sequences, backwards)
        default: return nil
        }
    }

    /// The output shape of a recurrent layer on a (timesteps, features) input, or the error naming `layer`.
    func recurrentOutputShape(_ input: [Int], layer: String) throws -> [Int] {
        guard let r = recurrence else { throw ModelSpecError.invalidParameter(layer: layer, reason: "is not a recurrent layer") }
        guard r.units > 0 else { throw ModelSpecError.invalidParameter(layer: layer, reason: "units \(r.units) must be positive") }
        guard input.count == 2 else {
            throw ModelSpecError.impossibleShape(
                layer: layer, inputs: [input], reason: "needs a (timesteps, features) input of rank 2, got rank \(input.count)")
        }
        return r.returnSequences ? [input[0], r.units] : [r.units]
    }

    /// Keras' variable shapes of a recurrent layer on a (timesteps, features) input: kernel, recurrent_kernel, bias.
    func recurrentWeightShapes(_ input: [Int]) -> [[Int]] {
        guard let r = recurrence else { return [] }
        let width = r.gates * r.units
        let features = input.count == 2 ? input[1] : 0
        var shapes = [[features, width], [r.units, width]]
        switch self {
        case .simpleRNN(_, _, let useBias, _, _), .lstm(_, _, _, let useBias, _, _):
            if useBias { shapes.append([width]) }
        case .gru(_, _, _, let useBias, let resetAfter, _, _):
            if useBias { shapes.append(resetAfter ? [2, width] : [width]) }
        default:
            break
        }
        return shapes
    }

    /// The output shape of `Bidirectional(forward, backward, merge)`, or the error naming `layer`.
    func bidirectionalOutputShape(_ input: [Int], forward: LayerSpec, backward: LayerSpec, merge: BidirectionalMerge, layer: String) throws
        -> [Int]
    {
        guard let f = forward.recurrence, let b = backward.recurrence else {
            throw ModelSpecError.invalidParameter(layer: layer, reason: "Bidirectional wraps recurrent layers (SimpleRNN, LSTM, GRU) only")
        }
        guard f.goBackwards != b.goBackwards else {
            throw ModelSpecError.invalidParameter(layer: layer, reason: "the forward and backward layers must differ in go_backwards")
        }
        guard f.returnSequences == b.returnSequences else {
            throw ModelSpecError.invalidParameter(layer: layer, reason: "the forward and backward layers must agree in return_sequences")
        }
        let outF = try forward.recurrentOutputShape(input, layer: layer)
        let outB = try backward.recurrentOutputShape(input, layer: layer)
        if merge == .concat { return outF.dropLast() + [outF.last! + outB.last!] }
        guard outF == outB else {
            throw ModelSpecError.impossibleShape(
                layer: layer, inputs: [input], reason: "merge_mode \(merge.rawValue) needs forward and backward layers with equal units")
        }
        return outF
    }
}
