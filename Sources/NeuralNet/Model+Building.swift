/// The runtime layer objects of a graph: one per node, each built from its layer's spec and input shapes.
extension Model {
    /// One node's runtime operation.
    enum Operation {
        case unary(any Layer<Scalar>)
        case merge(any MergeLayer<Scalar>)

        /// The weights of a unary layer ([] for merges, which have none).
        var parameters: [Tensor<Scalar>] {
            get { if case .unary(let layer) = self { return layer.parameters } else { return [] } }
            nonmutating set { if case .unary(let layer) = self { layer.parameters = newValue } }
        }
        var gradients: [Tensor<Scalar>] { if case .unary(let layer) = self { return layer.gradients } else { return [] } }
    }

    /// Builds one operation per node of `graph` (whose shapes the graph has already checked).
    static func buildOperations(_ graph: ModelGraph) -> [Operation] {
        graph.nodes.indices.map { index in
            let spec = graph.layers[graph.nodes[index].layer].spec
            return makeOperation(spec, inputs: graph.inputShapes(ofNode: index), output: graph.nodeShapes[index])
        }
    }

    /// The runtime form of `spec` on inputs of the given example shapes (already checked by the shape rules).
    static func makeOperation(_ spec: LayerSpec, inputs: [[Int]], output: [Int]) -> Operation {
        let input = inputs[0]
        /// An NHWC kernel, wrapped in transposes when the layer is channels-first.
        func spatial(_ format: DataFormat, _ make: ([Int]) -> any Layer<Scalar>) -> Operation {
            guard format == .channelsFirst else { return .unary(make(input)) }
            let nhwc = [input[1], input[2], input[0]]
            let inner = make(nhwc)
            var parts: [any Layer<Scalar>] = [Permute<Scalar>(inputShape: input, dims: [2, 3, 1]), inner]
            if inner.outputShape.count == 3 { parts.append(Permute<Scalar>(inputShape: inner.outputShape, dims: [3, 1, 2])) }
            return .unary(CompositeLayer(parts))
        }
        func geometry(_ image: [Int], _ kh: Int, _ kw: Int, _ sh: Int, _ sw: Int, _ padding: Padding) -> ConvolutionGeometry {
            ConvolutionGeometry(input: image, kernelHeight: kh, kernelWidth: kw, strideHeight: sh, strideWidth: sw, padding: padding)!
        }
        switch spec {
        case .dense(let units, let activation, let useBias):
            return .unary(Dense<Scalar>(inputUnits: input.last!, units: units, activation: activation, useBias: useBias))
        case .conv2D(
            let filters, let kh, let kw, let sh, let sw, let padding, let activation, let useBias, let format, let dh, let dw, let groups):
            guard dh == 1, dw == 1, groups == 1 else {
                return spatial(format) {
                    GroupedConv2D<Scalar>(
                        inputShape: $0, kernelShape: [kh, kw, $0[2] / groups, filters], kernelHeight: kh, kernelWidth: kw, strideHeight: sh,
                        strideWidth: sw, dilationHeight: dh, dilationWidth: dw, padding: padding, groups: groups, filters: filters,
                        activation: activation, useBias: useBias)
                }
            }
            return spatial(format) {
                Conv2D<Scalar>(geometry: geometry($0, kh, kw, sh, sw, padding), filters: filters, activation: activation, useBias: useBias)
            }
        case .maxPool2D(let ph, let pw, let sh, let sw, let padding, let format):
            return spatial(format) { MaxPool2D<Scalar>(geometry: geometry($0, ph, pw, sh, sw, padding)) }
        case .averagePool2D(let ph, let pw, let sh, let sw, let padding, let format):
            return spatial(format) { AveragePool2D<Scalar>(geometry: geometry($0, ph, pw, sh, sw, padding)) }
        case .globalAveragePool2D(let format, let keep), .globalMaxPool2D(let format, let keep):
            var maximum = false
            if case .globalMaxPool2D = spec { maximum = true }
            let pooled = spatial(format) { GlobalPool2D<Scalar>(inputShape: $0, maximum: maximum) }
            guard keep, case .unary(let layer) = pooled else { return pooled }
            return .unary(CompositeLayer([layer, Reshape<Scalar>(inputShape: [output.reduce(1, *)], outputShape: output)]))
        case .cropping2D(let top, let bottom, let left, let right, let format):
            return spatial(format) { Window2D<Scalar>(inputShape: $0, top: -top, bottom: -bottom, left: -left, right: -right) }
        case .zeroPadding2D(let top, let bottom, let left, let right, let format):
            return spatial(format) { Window2D<Scalar>(inputShape: $0, top: top, bottom: bottom, left: left, right: right) }
        case .flatten(let format):
            guard format == .channelsFirst, input.count >= 2 else { return .unary(Flatten<Scalar>(inputShape: input)) }
            let dims = Array(2...input.count) + [1]
            let moved = dims.map { input[$0 - 1] }
            return .unary(CompositeLayer([Permute<Scalar>(inputShape: input, dims: dims), Flatten<Scalar>(inputShape: moved)]))
        case .reshape:
            return .unary(Reshape<Scalar>(inputShape: input, outputShape: output))
        case .permute(let dims):
            return .unary(Permute<Scalar>(inputShape: input, dims: dims))
        case .dropout(let rate):
            return .unary(Dropout<Scalar>(rate: rate, shape: input))
        case .activation(let activation):
            return .unary(ActivationLayer<Scalar>(activation: activation, shape: input))
        case .leakyReLU(let alpha):
            return .unary(ElementwiseLayer<Scalar>(.leakyReLU(alpha: alpha), shape: input))
        case .batchNormalization(let axis, let epsilon, let center, let scale):
            let index = try! LayerSpec.featureAxis(axis, rank: input.count) { ModelSpecError.invalidGraph($0) }
            return .unary(BatchNormalization<Scalar>(shape: input, axis: index, epsilon: Scalar(epsilon), center: center, scale: scale))
        case .merge(let operation):
            return .merge(ElementwiseMerge<Scalar>(operation, inputShapes: inputs, outputShape: output))
        case .concatenate(let axis):
            let index = try! LayerSpec.featureAxis(axis, rank: input.count) { ModelSpecError.invalidGraph($0) }
            return .merge(Concatenate<Scalar>(axis: index, inputShapes: inputs, outputShape: output))
        case .depthwiseConv2D(
            let kh, let kw, let multiplier, let sh, let sw, let dh, let dw, let padding, let activation, let useBias, let format):
            return spatial(format) {
                GroupedConv2D<Scalar>(
                    inputShape: $0, kernelShape: [kh, kw, $0[2], multiplier], kernelHeight: kh, kernelWidth: kw, strideHeight: sh,
                    strideWidth: sw, dilationHeight: dh, dilationWidth: dw, padding: padding, groups: $0[2], filters: $0[2] * multiplier,
                    activation: activation, useBias: useBias)
            }
        case .separableConv2D(
            let filters, let kh, let kw, let multiplier, let sh, let sw, let dh, let dw, let padding, let activation, let useBias,
            let format):
            return spatial(format) {
                let depthwise = GroupedConv2D<Scalar>(
                    inputShape: $0, kernelShape: [kh, kw, $0[2], multiplier], kernelHeight: kh, kernelWidth: kw, strideHeight: sh,
                    strideWidth: sw, dilationHeight: dh, dilationWidth: dw, padding: padding, groups: $0[2], filters: $0[2] * multiplier,
                    activation: .linear, useBias: false)
                return SeparableConv2D<Scalar>(depthwise: depthwise, filters: filters, activation: activation, useBias: useBias)
            }
        case .conv2DTranspose(
            let filters, let kh, let kw, let sh, let sw, let padding, let ph, let pw, let activation, let useBias, let format):
            return spatial(format) {
                Conv2DTranspose<Scalar>(
                    inputShape: $0, filters: filters, kernelHeight: kh, kernelWidth: kw, strideHeight: sh, strideWidth: sw,
                    rows: TransposedConvolutionAxis(input: $0[0], kernel: kh, stride: sh, padding: padding, outputPadding: ph)!,
                    columns: TransposedConvolutionAxis(input: $0[1], kernel: kw, stride: sw, padding: padding, outputPadding: pw)!,
                    activation: activation, useBias: useBias)
            }
        case .conv1D(let filters, let k, let stride, let dilation, let padding, let groups, let activation, let useBias, let format):
            return temporal(format, input: input, output: output) { image in
                let causal = padding == .causal ? (k - 1) * dilation : 0
                let padded = [1, image[1] + causal, image[2]]
                let convolution = GroupedConv2D<Scalar>(
                    inputShape: padded, kernelShape: [k, image[2] / groups, filters], kernelHeight: 1, kernelWidth: k, strideHeight: 1,
                    strideWidth: stride, dilationHeight: 1, dilationWidth: dilation, padding: padding == .same ? .same : .valid,
                    groups: groups, filters: filters, activation: activation, useBias: useBias)
                guard causal > 0 else { return convolution }
                return CompositeLayer([Window2D<Scalar>(inputShape: image, top: 0, bottom: 0, left: causal, right: 0), convolution])
            }
        case .maxPool1D(let size, let stride, let padding, let format):
            return temporal(format, input: input, output: output) { MaxPool2D<Scalar>(geometry: geometry($0, 1, size, 1, stride, padding)) }
        case .averagePool1D(let size, let stride, let padding, let format):
            return temporal(format, input: input, output: output) {
                AveragePool2D<Scalar>(geometry: geometry($0, 1, size, 1, stride, padding))
            }
        case .globalAveragePool1D(let format, _):
            return temporal(format, input: input, output: output) { GlobalPool2D<Scalar>(inputShape: $0, maximum: false) }
        case .globalMaxPool1D(let format, _):
            return temporal(format, input: input, output: output) { GlobalPool2D<Scalar>(inputShape: $0, maximum: true) }
        case .upSampling2D(let sh, let sw, let interpolation, let format):
            return spatial(format) { UpSampling2D<Scalar>(inputShape: $0, sizeHeight: sh, sizeWidth: sw, interpolation: interpolation) }
        case .upSampling1D(let size):
            return temporal(.channelsLast, input: input, output: output) {
                UpSampling2D<Scalar>(inputShape: $0, sizeHeight: 1, sizeWidth: size, interpolation: .nearest)
            }
        case .zeroPadding1D(let left, let right, let format):
            return temporal(format, input: input, output: output) {
                Window2D<Scalar>(inputShape: $0, top: 0, bottom: 0, left: left, right: right)
            }
        case .cropping1D(let left, let right):
            return temporal(.channelsLast, input: input, output: output) {
                Window2D<Scalar>(inputShape: $0, top: 0, bottom: 0, left: -left, right: -right)
            }
        case .layerNormalization(let axes, let epsilon, let center, let scale):
            let indices = try! LayerSpec.featureAxes(axes, rank: input.count) { ModelSpecError.invalidGraph($0) }
            return .unary(LayerNormalization<Scalar>(shape: input, axes: indices, epsilon: epsilon, center: center, scale: scale))
        case .rescaling(let scale, let offset):
            return .unary(ElementwiseLayer<Scalar>(.rescaling(scale: scale, offset: offset), shape: input))
        case .normalization(let axes, let mean, let variance, let invert):
            let kept = try! LayerSpec.featureAxes(axes, rank: input.count) { ModelSpecError.invalidGraph($0) }
            return .unary(Normalization<Scalar>(shape: input, kept: kept, mean: mean, variance: variance, invert: invert))
        case .relu(let maxValue, let slope, let threshold):
            return .unary(ElementwiseLayer<Scalar>(.relu(maxValue: maxValue, negativeSlope: slope, threshold: threshold), shape: input))
        case .prelu(let shared):
            return .unary(PReLU<Scalar>(shape: input, sharedAxes: shared))
        case .elu(let alpha):
            return .unary(ElementwiseLayer<Scalar>(.elu(alpha: alpha), shape: input))
        case .softmax(let axes):
            let indices = try! LayerSpec.featureAxes(axes, rank: input.count) { ModelSpecError.invalidGraph($0) }
            return .unary(AxisSoftmax<Scalar>(shape: input, axes: indices))
        case .embedding(let inputDim, let outputDim):
            return .unary(Embedding<Scalar>(inputShape: input, inputDim: inputDim, outputDim: outputDim))
        case .repeatVector(let n):
            return .unary(RepeatVector<Scalar>(features: input[0], times: n))
        case .inferenceIdentity:
            return .unary(IdentityLayer<Scalar>(shape: input))
        case .layerScale(let initValues, let dim):
            return .unary(LayerScale<Scalar>(shape: input, channels: dim, initValues: initValues))
        case .simpleRNN, .lstm, .gru:
            return .unary(Recurrent<Scalar>(spec, input: input))
        case .bidirectional(let forward, let backward, let merge):
            return .unary(
                Bidirectional<Scalar>(
                    forward: Recurrent<Scalar>(forward, input: input), backward: Recurrent<Scalar>(backward, input: input), merge: merge))
        case .timeDistributed(let inner):
            let step = Array(input.dropFirst())
            let innerOutput = try! inner.outputShape(for: [step], layer: "inner")
            guard case .unary(let layer) = makeOperation(inner, inputs: [step], output: innerOutput) else {
                preconditionFailure("TimeDistributed of a merge layer")  // the shape rule refuses it first
            }
            return .unary(TimeDistributed<Scalar>(inner: layer, steps: input[0], innerInputShape: step))
        }
    }
}
