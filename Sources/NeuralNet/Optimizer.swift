/// A rule that turns gradients into weight updates, with per-parameter state kept across steps.
///
/// `Model.fit` calls `beginStep()` once per batch, then `update` once per trainable array, identifying each
/// array by a stable `slot` (its position among the model's trainable arrays) so stateful optimizers can keep
/// moments per parameter. One optimizer instance belongs to one model.
public protocol Optimizer: AnyObject {
    /// Starts a new training step (Adam's step count t increases by one).
    func beginStep()
    /// Updates `parameter` in place from `gradient` (same count).
    func update<Scalar: NNScalar>(_ parameter: inout [Scalar], gradient: [Scalar], slot: Int)
}
