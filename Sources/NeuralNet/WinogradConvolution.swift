import CKernels
import Foundation

/// Winograd's minimal filtering F(2x2, 3x3) for `Float` inference of one `Conv2D` layer with a 3x3 kernel and
/// stride 1: every 2x2 block of output positions comes from a 4x4 block of input through 16 products per (channel,
/// filter) pair instead of 36, so the convolution's matrix products do 2.25x fewer multiply-adds than im2col + GEMM
/// or oneDNN's direct convolution (Lavin and Gray, "Fast Algorithms for Convolutional Neural Networks", 2016).
///
/// Per group of tiles: the input transform `Bᵀ d B` of every 4x4 input tile (additions only) gives 16 matrices
/// (tiles, channels); each is multiplied by the matching one of the 16 (channels, filters) matrices of the
/// transformed kernel `G g Gᵀ`; the output transform `Aᵀ m A` (additions only) gives the 2x2 outputs. All three
/// steps are C in `CKernels` (`winograd.h`), for AVX2 with FMA or baseline x86-64. The products are our own small
/// kernel, not oneDNN's sgemm: at these sizes (72 x 32 x 64 for two MNIST images) sgemm's packing and per-call
/// bookkeeping left it at 30-50 GFLOP/s per core, the kernel runs 52-62. Output rows and columns beyond the image
/// (an odd output size) are computed on zero padding and not written. Followed by a 2x2 stride-2 max-pool, the
/// convolution and the pool are one pass (`convolve(_:batch:kernel:into:maxPooled:)`): each tile's 2x2 block is one
/// pool window, and the tiles the pool would drop are not computed.
///
/// Why F(2x2, 3x3) and not F(4x4, 3x3) (4x fewer products than direct): its transforms use only 0, ±1 and ±1/2, so
/// it rounds like the direct convolution (1.7e-6 worst absolute difference from a float64 reference on the seed
/// CNN's second layer over 1,000 MNIST digits, against 1.2e-6 for direct float32); F(4x4, 3x3) gave 2.2e-5 with the
/// points 0, ±1, ±2 and 8.4e-6 with 0, ±1, -1/2, 2 on outputs up to 5.7, most or all of
/// `Tolerance.float32KerasParity` on single layers (Docs/architecture.md, "Kernels of our own"). oneDNN 2.6 has
/// Winograd for AVX-512 only; this one also gives the same results on every CPU.
///
/// Thread-safe: `predict`'s workers call `convolve` at once. The transformed kernel is made once under a lock and
/// dropped by `invalidate()` when the kernel changes; scratch buffers come from a small pool, so that blocks reuse
/// memory instead of faulting in fresh pages every call.
final class WinogradConvolution: @unchecked Sendable {
    let geometry: ConvolutionGeometry
    let filters: Int
    private let lock = NSLock()
    /// `G g Gᵀ` for every (channel, filter): 16 row-major (channels, `paddedFilters`) matrices; nil until first use.
    private var transformedKernel: [Float]?
    /// Scratch buffers returned by finished calls (at most `BLASThreads.workers` are kept).
    private var spareScratch: [[Float]] = []

    /// Tiles per group (`weightbridge_winograd_convolve`): their transformed input and products (16 x tiles x
    /// (channels + filters) scalars, 147 KB for 24 tiles of the seed CNN's second layer) stay in a core's L2 cache
    /// between the transforms and the products, beside the transformed kernel (128 KB there). Measured on the
    /// 10,000 MNIST test images (`weightbridge-bench cnn-predict`, 2 cores, AMD EPYC, two runs each): groups of 6,
    /// 12, 18, 24, 36, 72 and 144 tiles took 0.39-0.40, 0.41, 0.40-0.42, 0.39-0.40, 0.40-0.41, 0.42 and 0.43-0.44 s.
    static let tilesPerGroup = 24

    /// Nil unless `geometry` is a 3x3 kernel with stride 1 over several input channels (one channel would make every
    /// product a rank-1 update, which im2col's single GEMM does better).
    init?(geometry: ConvolutionGeometry, filters: Int) {
        guard geometry.kernelHeight == 3, geometry.kernelWidth == 3, geometry.strideHeight == 1, geometry.strideWidth == 1,
            geometry.channels >= 4, filters >= 4, geometry.outputHeight > 0, geometry.outputWidth > 0
        else { return nil }
        self.geometry = geometry
        self.filters = filters
    }

    /// Forgets the transformed kernel: call whenever the kernel changes.
    func invalidate() {
        lock.lock()
        transformedKernel = nil
        lock.unlock()
    }

    /// `filters` rounded up to 16, the width of the product kernel's steps: the transformed kernel's extra filters
    /// are zero, and their products are not read.
    private var paddedFilters: Int { (filters + 15) / 16 * 16 }

    /// The raw convolution (no bias or activation) of `batch` NHWC images at `input` with the HWIO `kernel` into
    /// the NHWC `output`; with `maxPooled`, max-pooled by a 2x2 window of stride 2 without padding into the NHWC
    /// (batch, outputHeight / 2, outputWidth / 2, filters) `output` instead, each tile's 2x2 block being one window
    /// (`weightbridge_winograd_convolve` with `max_pool`: the same values the pool would take from the whole output, and the
    /// tiles of an odd last row or column are not computed). `kernel` is read only when no transformed kernel is kept.
    func convolve(
        _ input: UnsafePointer<Float>, batch: Int, kernel: UnsafePointer<Float>, into output: UnsafeMutablePointer<Float>,
        maxPooled: Bool = false
    ) {
        let u = transformed(kernel)
        let g = geometry
        let group = WinogradConvolution.tilesPerGroup
        var scratch = takeScratch(count: 16 * (group * g.channels + 16) + 16 * (group * paddedFilters + 16))
        scratch.withUnsafeMutableBufferPointer { s in
            u.withUnsafeBufferPointer { u in
                weightbridge_winograd_convolve(
                    input, batch, g.inputHeight, g.inputWidth, g.channels, g.padTop, g.padLeft, u.baseAddress!, filters,
                    paddedFilters, g.outputHeight, g.outputWidth, output, group, s.baseAddress!, maxPooled ? 1 : 0)
            }
        }
        returnScratch(&scratch)
    }

    /// The transformed kernel, made from `kernel` on first use.
    private func transformed(_ kernel: UnsafePointer<Float>) -> [Float] {
        lock.lock()
        defer { lock.unlock() }
        if let transformedKernel { return transformedKernel }
        let c = geometry.channels
        let f = filters
        let fp = paddedFilters
        var u = [Float](repeating: 0, count: 16 * c * fp)
        // G = [[1, 0, 0], [1/2, 1/2, 1/2], [1/2, -1/2, 1/2], [0, 0, 1]]; in Double, rounded once to Float.
        func gRows(_ a: Double, _ b: Double, _ d: Double) -> [Double] { [a, (a + b + d) / 2, (a - b + d) / 2, d] }
        for channel in 0..<c {
            for filter in 0..<f {
                func tap(_ ky: Int, _ kx: Int) -> Double { Double(kernel[(ky * 3 + kx) * c * f + channel * f + filter]) }
                // G g: 4 rows of 3, then (G g) Gᵀ: 4 x 4.
                let columns = (0..<3).map { kx in gRows(tap(0, kx), tap(1, kx), tap(2, kx)) }
                for i in 0..<4 {
                    let row = gRows(columns[0][i], columns[1][i], columns[2][i])
                    for j in 0..<4 { u[(i * 4 + j) * c * fp + channel * fp + filter] = Float(row[j]) }
                }
            }
        }
        transformedKernel = u
        return u
    }

    private func takeScratch(count: Int) -> [Float] {
        lock.lock()
        var scratch = spareScratch.popLast() ?? []
        lock.unlock()
        if scratch.count < count { scratch = [Float](repeating: 0, count: count) }
        return scratch
    }

    private func returnScratch(_ scratch: inout [Float]) {
        lock.lock()
        if spareScratch.count < BLASThreads.workers { spareScratch.append(scratch) }
        lock.unlock()
        scratch = []
    }
}
