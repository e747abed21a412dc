/// Settings for `Model.fit`.
public struct TrainingConfig: Sendable, Equatable {
    /// Passes over the training data.
    public var epochs: Int
    /// Examples per gradient step (the last batch of an epoch may be smaller).
    public var batchSize: Int
    /// Seeds the shuffles and dropout masks: the same seed, data and initial weights give bit-identical results.
    public var seed: UInt64
    /// Shuffle the training order at the start of every epoch (Keras' default).
    public var shuffle: Bool
    /// Batch size for the validation pass after each epoch.
    public var validationBatchSize: Int

    /// Keras-like defaults: one epoch, batches of 32, shuffled, seed 0.
    public init(epochs: Int = 1, batchSize: Int = 32, seed: UInt64 = 0, shuffle: Bool = true, validationBatchSize: Int = 512) {
        self.epochs = epochs
        self.batchSize = batchSize
        self.seed = seed
        self.shuffle = shuffle
        self.validationBatchSize = validationBatchSize
    }
}
