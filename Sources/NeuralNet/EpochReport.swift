/// What one epoch of `Model.fit` achieved: mean training loss and accuracy over the batches run (as Keras'
/// progress bar shows them), and the validation metrics when a validation set was given.
public struct EpochReport: Sendable, Equatable {
    /// 1-based epoch number.
    public var epoch: Int
    /// Mean training loss over the epoch's examples.
    public var loss: Double
    /// Fraction of the epoch's training examples classified correctly (with the weights of their batch).
    public var accuracy: Double
    /// Mean loss on the validation set after the epoch, if one was given.
    public var validationLoss: Double?
    /// Accuracy on the validation set after the epoch, if one was given.
    public var validationAccuracy: Double?
    /// Wall-clock seconds for the epoch, validation included.
    public var seconds: Double
    /// False when `shouldStop` ended the epoch early (its metrics then cover only the batches run).
    public var isComplete: Bool = true
}
