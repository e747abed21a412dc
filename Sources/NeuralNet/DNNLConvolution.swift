import CDNNL
import Foundation

/// The oneDNN convolutions of one `Conv2D` layer's `Float` inference: one `DNNLConvolutionPlan` per batch size and
/// thread count, built on first use from the layer's current kernel and kept until the kernel changes.
///
/// Thread-safe: `predict`'s workers call it at once on the same layer (a lock guards the plans; the plans
/// themselves run concurrently). A shape oneDNN refuses is remembered as refused, and the caller falls back to
/// im2col + GEMM for it.
final class DNNLConvolution: @unchecked Sendable {
    private struct Key: Hashable {
        let batch: Int
        let threads: Int32
    }

    let geometry: ConvolutionGeometry
    let filters: Int
    private let engine: DNNLEngine
    private let lock = NSLock()
    /// Nil values are shapes oneDNN refused.
    private var plans: [Key: DNNLConvolutionPlan?] = [:]

    /// Plans kept at most: `predict` needs two or three (its tile, the last tile's remainder, a short batch), but
    /// a caller cycling through batch sizes would otherwise keep a kernel copy and JIT code for each.
    static let maximumPlans = 16

    /// Nil when there is no oneDNN engine.
    init?(geometry: ConvolutionGeometry, filters: Int) {
        guard let engine = DNNLEngine.shared else { return nil }
        self.geometry = geometry
        self.filters = filters
        self.engine = engine
    }

    /// Forgets every plan (their reordered copies of the kernel): call whenever the kernel changes.
    func invalidate() {
        lock.lock()
        plans.removeAll()
        lock.unlock()
    }

    /// The raw convolution (no bias or activation) of `batch` NHWC images at `input` with the HWIO `kernel`, into
    /// the NHWC `output`, on `BLASThreads.gemmThreads` threads; false (and `output` undefined) when oneDNN has no
    /// fast implementation for this shape. `kernel` is read only when no plan exists yet for this batch size.
    func convolve(_ input: UnsafePointer<Float>, batch: Int, kernel: UnsafePointer<Float>, into output: UnsafeMutablePointer<Float>)
        -> Bool
    {
        let threads = BLASThreads.gemmThreads
        // oneDNN's OpenMP thread count is per calling thread, and its kernels block for the count they were made
        // with, so the plan is made and run with the same one.
        omp_set_num_threads(threads)
        let key = Key(batch: batch, threads: threads)
        lock.lock()
        let plan: DNNLConvolutionPlan?
        if let known = plans[key] {
            plan = known
        } else {
            plan = DNNLConvolutionPlan(geometry: geometry, filters: filters, batch: batch, kernel: kernel, engine: engine)
            if plans.count >= DNNLConvolution.maximumPlans { plans.removeAll() }
            plans[key] = .some(plan)
        }
        lock.unlock()
        return plan?.convolve(input, into: output) ?? false
    }
}
