import Foundation
import MNIST

/// The MNIST rows a model is evaluated on.
///
/// `test`/`train` are keras.datasets.mnist's splits (the seed CNN's protocol); `seed-mlp-test` and
/// `seed-mlp-train` are the 14000/56000 rows of sklearn `train_test_split(test_size=0.2,
/// random_state=42)` over the 70000 rows in OpenML order (the seed MLP's protocol).
public enum EvaluationSplit: String, CaseIterable, Sendable {
    case test
    case train
    case seedMLPTest = "seed-mlp-test"
    case seedMLPTrain = "seed-mlp-train"

    /// The rows of this split.
    public func rows(of dataset: MNISTDataset) -> MNISTSplit {
        switch self {
        case .test: return dataset.test
        case .train: return dataset.train
        case .seedMLPTest: return SeedMLPSplit.splits(of: dataset).test
        case .seedMLPTrain: return SeedMLPSplit.splits(of: dataset).train
        }
    }

    /// A human description, e.g. "seed MLP test split (14000 rows)".
    public func describe(_ count: Int) -> String {
        switch self {
        case .test: return "MNIST test set (\(count) images)"
        case .train: return "MNIST training set (\(count) images)"
        case .seedMLPTest: return "seed MLP test split (\(count) rows)"
        case .seedMLPTrain: return "seed MLP training split (\(count) rows)"
        }
    }
}
