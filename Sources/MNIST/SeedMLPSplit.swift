/// The train/test split the seed MLP was trained and scored with: scikit-learn's
/// `train_test_split(X, y, test_size=0.2, random_state=42)` over the 70000 rows of OpenML
/// `mnist_784` (train then test, see `MNISTDataset.openMLOrder`), recomputed without Python.
///
/// scikit-learn shuffles with `RandomState(42).permutation(70000)`; the first 14000 rows of the
/// permutation are the test side and the remaining 56000, in permutation order, the train side.
public struct SeedMLPSplit {
    /// Rows in OpenML `mnist_784`.
    public static let rowCount = 70_000
    /// `test_size=0.2` of 70000 rows.
    public static let testCount = 14_000
    /// The seed, `random_state=42`.
    public static let seed: UInt32 = 42

    /// Row indices into `MNISTDataset.openMLOrder`: train (56000) and test (14000), in sklearn's order.
    public static func indices() -> (train: [Int], test: [Int]) {
        indices(rowCount: rowCount, testCount: testCount, seed: seed)
    }

    /// The seed MLP's train and test examples: `dataset.openMLOrder` subset by `indices()`, as
    /// `X_train, X_test, y_train, y_test` were in the seed's Python code.
    public static func splits(of dataset: MNISTDataset) -> (train: MNISTSplit, test: MNISTSplit) {
        let all = dataset.openMLOrder
        let (train, test) = indices(rowCount: all.count, testCount: testCount, seed: seed)
        return (all.subset(train), all.subset(test))
    }

    /// `train_test_split` of `rowCount` rows with `testCount` test rows and `random_state=seed`.
    public static func indices(rowCount: Int, testCount: Int, seed: UInt32) -> (train: [Int], test: [Int]) {
        precondition(testCount >= 0 && testCount <= rowCount, "test count \(testCount) is outside 0...\(rowCount)")
        var random = LegacyRandomState(seed: seed)
        let permutation = random.permutation(rowCount)
        return (Array(permutation[testCount...]), Array(permutation[..<testCount]))
    }
}
