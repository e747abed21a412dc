import CDNNL

/// oneDNN's forward-inference convolution for one batch size and thread count: the primitive, the kernel reordered
/// once into the layout that primitive wants, and the reorders between NHWC and the primitive's own data layouts.
///
/// Computes the raw convolution (no bias, no activation) of an NHWC batch with an HWIO kernel, as `Conv2D`'s
/// im2col path does. The implementation is the first of `candidates` oneDNN has for this CPU and shape (on AVX-512,
/// Winograd for 3x3 stride-1 kernels, else `jit:avx512_core` on channel blocks of 16); `init` returns nil when
/// oneDNN has only its reference implementation, which is far slower than im2col + GEMM (`ref:any` took minutes
/// for what im2col does in a tenth of a second).
final class DNNLConvolutionPlan: @unchecked Sendable {
    let batch: Int
    private let engine: DNNLEngine
    private let convolution: DNNLPrimitive
    private let weights: DNNLMemory
    private let userSource: dnnl_memory_desc_t
    private let userDestination: dnnl_memory_desc_t
    private let source: dnnl_memory_desc_t
    private let destination: dnnl_memory_desc_t
    /// NHWC to the primitive's source layout, nil when the primitive reads NHWC itself.
    private let sourceReorder: DNNLPrimitive?
    /// The primitive's destination layout to NHWC, nil when it writes NHWC itself.
    private let destinationReorder: DNNLPrimitive?

    /// The plan for `batch` images of `geometry` convolved with the HWIO `kernel` of `filters` filters (copied
    /// into the primitive's layout here); nil if oneDNN refuses the shape or has only its reference implementation.
    init?(geometry g: ConvolutionGeometry, filters: Int, batch: Int, kernel: UnsafePointer<Float>, engine: DNNLEngine) {
        self.batch = batch
        self.engine = engine
        guard
            let userSource = DNNLConvolutionPlan.descriptor(batch, g.channels, g.inputHeight, g.inputWidth, dnnl_nhwc),
            let userDestination = DNNLConvolutionPlan.descriptor(batch, filters, g.outputHeight, g.outputWidth, dnnl_nhwc),
            let userWeights = DNNLConvolutionPlan.descriptor(filters, g.channels, g.kernelHeight, g.kernelWidth, dnnl_hwio),
            let convolution = DNNLConvolutionPlan.fastestConvolution(geometry: g, filters: filters, batch: batch, engine: engine),
            let source = convolution.memoryDescriptor(dnnl_query_src_md),
            let destination = convolution.memoryDescriptor(dnnl_query_dst_md),
            let weightsLayout = convolution.memoryDescriptor(dnnl_query_weights_md),
            let weights = DNNLMemory(weightsLayout, engine: engine)
        else { return nil }
        self.convolution = convolution
        self.weights = weights
        self.userSource = userSource
        self.userDestination = userDestination
        self.source = source
        self.destination = destination
        if DNNLConvolutionPlan.same(source, userSource) {
            sourceReorder = nil
        } else {
            guard let reorder = DNNLPrimitive(reorderFrom: userSource, to: source, engine: engine) else { return nil }
            sourceReorder = reorder
        }
        if DNNLConvolutionPlan.same(destination, userDestination) {
            destinationReorder = nil
        } else {
            guard let reorder = DNNLPrimitive(reorderFrom: destination, to: userDestination, engine: engine) else { return nil }
            destinationReorder = reorder
        }
        guard let stream = DNNLStream(engine: engine),
            let hwio = DNNLMemory(userWeights, engine: engine, buffer: UnsafeMutableRawPointer(mutating: kernel)),
            let weightReorder = DNNLPrimitive(reorderFrom: userWeights, to: weightsLayout, engine: engine),
            weightReorder.execute(
                on: stream, engine: engine, [(weightbridge_dnnl_arg_from(), hwio), (weightbridge_dnnl_arg_to(), weights)])
        else { return nil }
    }

    /// Convolves `batch` NHWC images at `input` into the NHWC raw output at `output`; false if oneDNN refused
    /// (`output` then holds no meaningful values).
    func convolve(_ input: UnsafePointer<Float>, into output: UnsafeMutablePointer<Float>) -> Bool {
        guard let stream = DNNLStream(engine: engine),
            let userInput = DNNLMemory(userSource, engine: engine, buffer: UnsafeMutableRawPointer(mutating: input)),
            let userOutput = DNNLMemory(userDestination, engine: engine, buffer: UnsafeMutableRawPointer(output))
        else { return false }
        var convolutionInput = userInput
        if let sourceReorder {
            guard let blocked = DNNLMemory(source, engine: engine),
                sourceReorder.execute(
                    on: stream, engine: engine, [(weightbridge_dnnl_arg_from(), userInput), (weightbridge_dnnl_arg_to(), blocked)])
            else { return false }
            convolutionInput = blocked
        }
        var convolutionOutput = userOutput
        if destinationReorder != nil {
            guard let blocked = DNNLMemory(destination, engine: engine) else { return false }
            convolutionOutput = blocked
        }
        guard
            convolution.execute(
                on: stream, engine: engine,
                [
                    (weightbridge_dnnl_arg_src(), convolutionInput), (weightbridge_dnnl_arg_weights(), weights),
                    (weightbridge_dnnl_arg_dst(), convolutionOutput),
                ])
        else { return false }
        if let destinationReorder {
            return destinationReorder.execute(
                on: stream, engine: engine, [(weightbridge_dnnl_arg_from(), convolutionOutput), (weightbridge_dnnl_arg_to(), userOutput)])
        }
        return true
    }

    /// Algorithms and data layouts to ask oneDNN for, best first: Winograd F(4x4, 3x3) on channel blocks of 16
    /// (oneDNN has it for AVX-512 and 3x3 stride-1 kernels only), then direct convolution on channel blocks of 16
    /// (AVX-512's register width) and of 8 (AVX2's), then direct on whatever layout oneDNN prefers. Measured on this
    /// AVX-512 machine, one thread, 8-image tiles of the seed CNN's second layer (13x13x32 to 11x11x64), per 5,000
    /// images: Winograd 0.11 s, direct `jit:avx512_core` on blocks of 16 0.16 s, the NHWC `brgconv` kernel oneDNN
    /// picks by itself 0.24 s, im2col + `dnnl_sgemm` 0.17-0.20 s (the reorders to and from NHWC of an 8-image tile
    /// stay in cache). Winograd rounds differently (its transforms add and subtract partial sums): 5.5e-6 worst
    /// absolute difference from direct on outputs of magnitude 1 to 10, within `Tolerance.float32KerasParity`.
    private static let candidates: [(algorithm: dnnl_alg_kind_t, layout: dnnl_format_tag_t)] = [
        (dnnl_convolution_winograd, dnnl_nChw16c), (dnnl_convolution_direct, dnnl_nChw16c),
        (dnnl_convolution_direct, dnnl_nChw8c), (dnnl_convolution_direct, dnnl_format_tag_any),
    ]

    /// The first of `candidates` for which oneDNN has an implementation other than its reference one.
    private static func fastestConvolution(geometry g: ConvolutionGeometry, filters: Int, batch: Int, engine: DNNLEngine)
        -> DNNLPrimitive?
    {
        // oneDNN's right/bottom padding: whatever makes its output size formula give Keras' (TensorFlow's `same`
        // puts the odd pixel there; `valid` with a stride that leaves input over has none).
        let padBottom = max(0, (g.outputHeight - 1) * g.strideHeight + g.kernelHeight - g.inputHeight - g.padTop)
        let padRight = max(0, (g.outputWidth - 1) * g.strideWidth + g.kernelWidth - g.inputWidth - g.padLeft)
        for (algorithm, layout) in candidates {
            guard var source = descriptor(batch, g.channels, g.inputHeight, g.inputWidth, layout),
                var destination = descriptor(batch, filters, g.outputHeight, g.outputWidth, layout),
                var weights = descriptor(filters, g.channels, g.kernelHeight, g.kernelWidth, dnnl_format_tag_any)
            else { continue }
            var operation = dnnl_convolution_desc_t()
            guard
                weightbridge_dnnl_convolution_desc(
                    &operation, algorithm, &source, &weights, nil, &destination, Int64(g.strideHeight),
                    Int64(g.strideWidth), Int64(g.padTop), Int64(g.padLeft), Int64(padBottom), Int64(padRight)) == dnnl_success,
                let convolution = DNNLPrimitive(operation: &operation, engine: engine),
                !convolution.implementation.hasPrefix("ref")
            else { continue }
            return convolution
        }
        return nil
    }

    /// A float32 4-D descriptor, dimensions in oneDNN's order (N, C, H, W or O, I, H, W).
    private static func descriptor(_ d0: Int, _ d1: Int, _ d2: Int, _ d3: Int, _ tag: dnnl_format_tag_t) -> dnnl_memory_desc_t? {
        var descriptor = dnnl_memory_desc_t()
        guard weightbridge_dnnl_memory_desc_4d(&descriptor, Int64(d0), Int64(d1), Int64(d2), Int64(d3), tag) == dnnl_success
        else { return nil }
        return descriptor
    }

    private static func same(_ a: dnnl_memory_desc_t, _ b: dnnl_memory_desc_t) -> Bool {
        withUnsafePointer(to: a) { a in withUnsafePointer(to: b) { b in dnnl_memory_desc_equal(a, b) != 0 } }
    }
}
