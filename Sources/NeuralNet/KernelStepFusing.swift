/// A layer that can take plain SGD's step on its kernel inside its backward pass, so that the kernel's gradient is
/// never stored and read back (`Dense` over a mostly-zero float64 batch: `SparseInputProduct.sgdStep`). The step is
/// bit for bit the one `SGD.update` would take from the gradient.
///
/// `Model.fit` asks for it (`fusedStepRate`) when the optimizer is `SGD`, each layer has one node and batches are
/// not split over the cores; its `apply` then leaves out the kernels that were stepped. `Model.gradients`, which
/// changes no weight, never asks.
protocol KernelStepFusing: AnyObject {
    /// The learning rate of the step to take on the kernel in each `backward`, or nil to compute the gradient.
    var fusedStepRate: Double? { get set }
    /// Whether the last `backward` took the step: its kernel gradient is then empty, and must not be applied.
    var steppedKernel: Bool { get }
}
