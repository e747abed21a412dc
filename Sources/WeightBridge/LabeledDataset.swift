import Foundation
import MNIST
import NumPyFormat
import SafeIO

/// Samples with their true classes, ready for a classifier: features as Float32 in C order, one integer class
/// per row.
///
/// Loaded from an `.npz` (members `x` and `y` by default), a pair of `.npy` files, or an MNIST split. Labels
/// may be class indices of any integer dtype (or integral floats), shaped `(rows,)` or `(rows, 1)`, or one-hot
/// rows `(rows, classes)` (the arg-max is the class). Features keep their stored per-sample shape unless the
/// preprocessing reshapes them.
public struct LabeledDataset: Sendable {
    /// What the rows are, for reports: `digits_test.npz`, `MNIST test set (10000 images)`.
    public let description: String
    /// The shape of one sample, without the batch axis.
    public let sampleShape: [Int]
    /// Number of rows.
    public let count: Int
    /// `count x product(sampleShape)` features, row-major.
    public let features: [Float]
    /// The true class of each row.
    public let labels: [Int]
    /// The number of classes a one-hot label matrix declares (its width), nil for class indices.
    public let oneHotWidth: Int?

    /// Wraps features and labels that are already in memory; throws `DatasetError` when they disagree.
    public init(description: String, sampleShape: [Int], features: [Float], labels: [Int], oneHotWidth: Int? = nil) throws {
        let perSample = sampleShape.reduce(1, *)
        guard perSample > 0, features.count == labels.count * perSample else {
            throw DatasetError.rowCountMismatch(features: perSample > 0 ? features.count / perSample : 0, labels: labels.count)
        }
        self.description = description
        self.sampleShape = sampleShape
        self.count = labels.count
        self.features = features
        self.labels = labels
        self.oneHotWidth = oneHotWidth
    }

    /// Loads members `xName` and `yName` of the `.npz` at `url`.
    public static func load(
        npz url: URL, xName: String = "x", yName: String = "y", preprocessing: Preprocessing = Preprocessing(),
        limits: ResourceLimits = .default
    ) throws -> LabeledDataset {
        let archive = try NPZArchive(url: url, limits: limits)
        for name in [xName, yName] where !archive.names.contains(name) {
            throw DatasetError.noSuchMember(file: url.path, name: name, members: archive.names)
        }
        return try make(
            x: try archive.array(xName), y: try archive.array(yName), xSource: "\(url.path):\(xName)",
            ySource: "\(url.path):\(yName)", description: url.lastPathComponent, preprocessing: preprocessing)
    }

    /// Loads features from the `.npy` at `x` and labels from the `.npy` at `y`.
    public static func load(x: URL, y: URL, preprocessing: Preprocessing = Preprocessing(), limits: ResourceLimits = .default) throws
        -> LabeledDataset
    {
        try make(
            x: try NPYFile.read(x, limits: limits), y: try NPYFile.read(y, limits: limits), xSource: x.path, ySource: y.path,
            description: "\(x.lastPathComponent) + \(y.lastPathComponent)", preprocessing: preprocessing)
    }

    /// An MNIST split as the seed evaluated it: pixels `uint8 / 255` in Float32, samples `(rows, cols)` or the
    /// preprocessing's reshape. Throws `DatasetError.scaleOnMNIST` for a preprocessing with a scale.
    public init(mnist rows: MNISTSplit, description: String, preprocessing: Preprocessing = Preprocessing()) throws {
        guard preprocessing.scale == nil else { throw DatasetError.scaleOnMNIST }
        let stored = [rows.rows, rows.cols]
        let shape = try Self.sampleShape(stored: stored, preprocessing: preprocessing)
        try self.init(description: description, sampleShape: shape, features: rows.pixelsFloat32(), labels: rows.labels.map(Int.init))
    }

    /// Checks `model` can take these samples: equal element counts per sample, and equal shapes when the
    /// preprocessing named one (a flat `(784,)` model takes `(28, 28)` MNIST rows, as `predict` does).
    public func checkFits(modelInput: [Int], strictShape: Bool) throws {
        let fits = strictShape ? modelInput == sampleShape : modelInput.reduce(1, *) == sampleShape.reduce(1, *)
        guard fits else { throw DatasetError.modelInputMismatch(model: modelInput, samples: sampleShape) }
    }

    // MARK: - Building

    private static func sampleShape(stored: [Int], preprocessing: Preprocessing) throws -> [Int] {
        guard let requested = preprocessing.reshape else { return stored }
        guard requested.reduce(1, *) == stored.reduce(1, *) else {
            throw DatasetError.reshapeMismatch(stored: stored, requested: requested)
        }
        return requested
    }

    private static func make(
        x: NPYArray, y: NPYArray, xSource: String, ySource: String, description: String,
        preprocessing: Preprocessing
    ) throws -> LabeledDataset {
        guard let rows = x.shape.first, rows > 0 else { throw DatasetError.noSamples(file: xSource, shape: x.shape) }
        let (labels, width) = try Self.labels(y, source: ySource)
        guard labels.count == rows else { throw DatasetError.rowCountMismatch(features: rows, labels: labels.count) }
        let shape = try sampleShape(stored: Array(x.shape.dropFirst()), preprocessing: preprocessing)
        let features: [Float]
        if let scale = preprocessing.scale {
            let values = try x.doubles()
            features = values.map { Float(scale.apply($0)) }
        } else {
            features = try x.floats()
        }
        if let bad = features.firstIndex(where: { !$0.isFinite }) { throw DatasetError.nonFiniteFeature(file: xSource, index: bad) }
        return try LabeledDataset(
            description: description, sampleShape: shape, features: features, labels: labels,
            oneHotWidth: width)
    }

    /// Class indices from a `(rows,)`/`(rows, 1)` vector or a one-hot `(rows, classes)` matrix.
    static func labels(_ y: NPYArray, source: String) throws -> (labels: [Int], oneHotWidth: Int?) {
        let shape = y.shape
        if shape.count == 2 && shape[1] > 1 {
            let width = shape[1]
            let values = try y.doubles()
            var labels = [Int](repeating: 0, count: shape[0])
            for r in 0..<shape[0] {
                var best = 0
                for c in 1..<width where values[r * width + c] > values[r * width + best] { best = c }
                if !values[r * width + best].isFinite {
                    throw DatasetError.badLabel(file: source, index: r, value: values[r * width + best])
                }
                labels[r] = best
            }
            return (labels, width)
        }
        guard shape.count == 1 || (shape.count == 2 && shape[1] == 1) else { throw DatasetError.badLabelShape(file: source, shape: shape) }
        if y.dtype.elementType.isFloatingPoint {
            let values = try y.doubles()
            return (
                try values.enumerated().map { i, v in
                    guard v.isFinite, v >= 0, v == v.rounded(), v < Double(Int32.max) else {
                        throw DatasetError.badLabel(file: source, index: i, value: v)
                    }
                    return Int(v)
                }, nil
            )
        }
        let values = try y.int64s()
        return (
            try values.enumerated().map { i, v in
                guard v >= 0, v < Int64(Int32.max) else { throw DatasetError.badLabel(file: source, index: i, value: Double(v)) }
                return Int(v)
            }, nil
        )
    }
}
