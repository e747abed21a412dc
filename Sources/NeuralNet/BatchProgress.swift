/// Progress after one training batch, for progress bars: running means over the epoch so far.
public struct BatchProgress: Sendable, Equatable {
    /// 1-based epoch number.
    public var epoch: Int
    /// 1-based batch number within the epoch.
    public var batch: Int
    /// Batches per epoch.
    public var batches: Int
    /// Mean loss over the examples of this epoch so far.
    public var loss: Double
    /// Fraction of this epoch's examples so far classified correctly.
    public var accuracy: Double
}
