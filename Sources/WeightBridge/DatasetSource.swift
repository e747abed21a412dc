import Foundation
import MNIST
import SafeIO

/// Where a check's labelled rows come from: an `.npz` with feature and label members, a pair of `.npy` files,
/// or one of the built-in MNIST splits.
public enum DatasetSource: Sendable, Equatable {
    /// Members `x` and `y` (or other names) of an `.npz`.
    case npz(URL, xName: String, yName: String)
    /// Features and labels in two `.npy` files.
    case arrays(x: URL, y: URL)
    /// An MNIST split (`test`, `train`, `seed-mlp-test`, `seed-mlp-train`).
    case mnist(EvaluationSplit)

    /// Loads the rows, applying `preprocessing`. `mnist` is called only for an MNIST split.
    public func load(preprocessing: Preprocessing, limits: ResourceLimits = .default, mnist: () throws -> MNISTDataset) throws
        -> LabeledDataset
    {
        switch self {
        case .npz(let url, let xName, let yName):
            return try LabeledDataset.load(npz: url, xName: xName, yName: yName, preprocessing: preprocessing, limits: limits)
        case .arrays(let x, let y):
            return try LabeledDataset.load(x: x, y: y, preprocessing: preprocessing, limits: limits)
        case .mnist(let split):
            let rows = split.rows(of: try mnist())
            return try LabeledDataset(mnist: rows, description: split.describe(rows.count), preprocessing: preprocessing)
        }
    }
}
