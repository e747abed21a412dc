import Bridge
import Foundation
import MNIST
import NeuralNet

/// The seed project's two training recipes, run in Swift on MNIST: what `weightbridge train mlp|cnn` trains.
///
/// - `mlp`: `SeedArchitecture.mlp` (784-128-64-10 ReLU/softmax), float64, He-normal init, SGD lr 0.01, batch 64,
///   20 epochs, on the seed split (`SeedMLPSplit`: 56000 training rows of the OpenML order; tested on the other
///   14000), inputs `uint8 / 255` computed in float32 first, as the seed did.
/// - `cnn`: `SeedArchitecture.cnn`, float32, Glorot-uniform init, Adam lr 0.001, batch 128, 12 epochs; validation
///   is the last 10% of the training rows taken before shuffling (Keras' `validation_split`); tested on the 10000
///   test images.
///
/// The same seed gives bit-identical weights on the same machine.
public enum SeedRecipe: String, CaseIterable, Sendable {
    case mlp, cnn

    /// What a run may change; nil keeps the recipe's own value.
    public struct Settings: Sendable, Equatable {
        public var epochs: Int?
        public var batchSize: Int?
        public var learningRate: Double?
        /// Seeds the initialisation and the shuffling.
        public var seed: UInt64
        /// Train on the first `limit` training rows only (quick runs); the test rows stay whole.
        public var limit: Int?

        /// Settings; nil values are the recipe's own.
        public init(epochs: Int? = nil, batchSize: Int? = nil, learningRate: Double? = nil, seed: UInt64 = 42, limit: Int? = nil) {
            self.epochs = epochs
            self.batchSize = batchSize
            self.learningRate = learningRate
            self.seed = seed
            self.limit = limit
        }
    }

    /// What a run produced: the trained model, its epochs, its accuracy on the rows it was trained on, and its
    /// evaluation on the recipe's test rows.
    public struct Run {
        public var model: LoadedModel
        public var reports: [EpochReport]
        public var trainAccuracy: Double
        public var trainRows: Int
        public var test: ModelEvaluation
    }

    /// What the caller sees of a run while it trains: each batch, each epoch, and whether to stop after the current
    /// batch.
    public struct Progress {
        public var onBatch: (BatchProgress) -> Void
        public var onEpoch: (EpochReport) -> Void
        public var shouldStop: () -> Bool

        /// Callbacks; the defaults report nothing and never stop.
        public init(
            onBatch: @escaping (BatchProgress) -> Void = { _ in }, onEpoch: @escaping (EpochReport) -> Void = { _ in },
            shouldStop: @escaping () -> Bool = { false }
        ) {
            self.onBatch = onBatch
            self.onEpoch = onEpoch
            self.shouldStop = shouldStop
        }
    }

    /// Epochs when `Settings.epochs` is nil: 20 for the MLP, 12 for the CNN.
    public var defaultEpochs: Int { self == .mlp ? 20 : 12 }
    /// Batch size when `Settings.batchSize` is nil: 64 for the MLP, 128 for the CNN.
    public var defaultBatchSize: Int { self == .mlp ? 64 : 128 }
    /// Learning rate when `Settings.learningRate` is nil: 0.01 (SGD) for the MLP, 0.001 (Adam) for the CNN.
    public var defaultLearningRate: Double { self == .mlp ? 0.01 : 0.001 }
    /// The model a run starts from when given one: "float64 MLP" or "float32 Keras model".
    public var modelDescription: String { self == .mlp ? "float64 MLP" : "float32 Keras model" }

    /// Trains the MLP recipe from `initial` (weights of the same architecture), else from a fresh He-normal
    /// initialisation. Throws `CancellationError` when `progress.shouldStop` stopped the training (nothing is
    /// evaluated then), and the runtime's errors.
    public static func trainMLP(
        on dataset: MNISTDataset, settings: Settings = Settings(), from initial: Sequential<Double>? = nil, progress: Progress = Progress()
    ) throws -> Run {
        let split = SeedMLPSplit.indices()
        var trainIndices = split.train
        if let limit = settings.limit { trainIndices = Array(trainIndices.prefix(limit)) }
        let all = dataset.openMLOrder
        let train = all.subset(trainIndices)
        let model: Sequential<Double>
        if let initial {
            model = initial
        } else {
            model = try Sequential<Double>(inputShape: [784], layers: SeedArchitecture.mlp)
            model.initialize(seed: settings.seed, kernel: .heNormal)
        }
        let x = Tensor<Double>(shape: [train.count, 784], scalars: train.pixelsFloat64FromFloat32())
        let reports = try model.fit(
            x: x, labels: train.labels.map(Int.init), validation: nil,
            optimizer: SGD(learningRate: settings.learningRate ?? SeedRecipe.mlp.defaultLearningRate),
            config: SeedRecipe.mlp.config(settings), onBatch: progress.onBatch, onEpoch: progress.onEpoch, shouldStop: progress.shouldStop)
        if progress.shouldStop() { throw CancellationError() }
        return try Run(model: .float64(model), reports: reports, trainRows: train, testRows: all.subset(split.test))
    }

    /// Trains the CNN recipe from `initial` (weights of the same architecture), else from a fresh Glorot-uniform
    /// initialisation. With fewer than 10 training rows there is no validation. Throws as `trainMLP` does.
    public static func trainCNN(
        on dataset: MNISTDataset, settings: Settings = Settings(), from initial: Sequential<Float>? = nil, progress: Progress = Progress()
    ) throws -> Run {
        var trainRows = dataset.train
        if let limit = settings.limit { trainRows = trainRows.subset(Array(0..<min(limit, trainRows.count))) }
        // Keras' validation_split takes the last fraction of the rows, before shuffling.
        let validationCount = trainRows.count / 10
        let fitCount = trainRows.count - validationCount
        let fit = trainRows.subset(Array(0..<fitCount))
        let validation = trainRows.subset(Array(fitCount..<trainRows.count))
        let model: Sequential<Float>
        if let initial {
            model = initial
        } else {
            model = try Sequential<Float>(inputShape: [28, 28, 1], layers: SeedArchitecture.cnn)
            model.initialize(seed: settings.seed, kernel: .glorotUniform)
        }
        let x = Tensor<Float>(shape: [fit.count, 28, 28, 1], scalars: fit.pixelsFloat32())
        let vx = Tensor<Float>(shape: [validation.count, 28, 28, 1], scalars: validation.pixelsFloat32())
        let reports = try model.fit(
            x: x, labels: fit.labels.map(Int.init), validation: validationCount > 0 ? (vx, validation.labels.map(Int.init)) : nil,
            optimizer: Adam(learningRate: settings.learningRate ?? SeedRecipe.cnn.defaultLearningRate),
            config: SeedRecipe.cnn.config(settings), onBatch: progress.onBatch, onEpoch: progress.onEpoch, shouldStop: progress.shouldStop)
        if progress.shouldStop() { throw CancellationError() }
        return try Run(model: .float32(model), reports: reports, trainRows: fit, testRows: dataset.test)
    }

    /// The training configuration `settings` give this recipe.
    private func config(_ settings: Settings) -> TrainingConfig {
        TrainingConfig(epochs: settings.epochs ?? defaultEpochs, batchSize: settings.batchSize ?? defaultBatchSize, seed: settings.seed)
    }
}

extension SeedRecipe.Run {
    /// Evaluates a trained model on the rows it was trained on and on the test rows.
    fileprivate init(model: LoadedModel, reports: [EpochReport], trainRows: MNISTSplit, testRows: MNISTSplit) throws {
        self.init(
            model: model, reports: reports, trainAccuracy: try ModelEvaluation(model: model, rows: trainRows).accuracy,
            trainRows: trainRows.count, test: try ModelEvaluation(model: model, rows: testRows))
    }
}
