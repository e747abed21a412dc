import Bridge
import Evaluation
import Foundation
import MNIST

/// Runs a model over MNIST rows and scores it: the predicted classes, the probabilities,
/// the confusion matrix and sklearn's classification report.
public struct ModelEvaluation: Sendable {
    /// Probabilities, `count x classes`, row-major.
    public let probabilities: [Double]
    /// Arg-max class per row.
    public let predictions: [Int]
    /// True labels.
    public let labels: [Int]
    /// Confusion matrix (rows true, columns predicted).
    public let confusion: ConfusionMatrix
    /// Per-class precision, recall, f1, support.
    public let report: ClassificationReport
    /// Seconds spent in the forward pass.
    public let seconds: Double

    /// Evaluates `model` on `rows`. Pixels are `uint8 / 255` computed in Float32 (as the seed did);
    /// a Float64 model gets those Float32 values widened, as NumPy's float32 @ float64 does.
    public init(model: LoadedModel, rows: MNISTSplit, batchSize: Int = 500) throws {
        let perSample = model.inputShape.reduce(1, *)
        guard perSample == rows.rows * rows.cols else {
            throw BridgeError.cannotExport(path: "MNIST", reason: "the model expects \(model.inputShape) per sample, MNIST rows are \(rows.rows)x\(rows.cols)")
        }
        let start = Date()
        let probs = model.predict(float32: rows.pixelsFloat32(), count: rows.count, batchSize: batchSize)
        seconds = Date().timeIntervalSince(start)
        let classes = model.outputShape.reduce(1, *)
        var predictions = [Int](repeating: 0, count: rows.count)
        probs.withUnsafeBufferPointer { p in
            for i in 0..<rows.count {
                var best = 0
                for c in 1..<classes where p[i * classes + c] > p[i * classes + best] { best = c }
                predictions[i] = best
            }
        }
        let labels = rows.labels.map(Int.init)
        self.probabilities = probs
        self.predictions = predictions
        self.labels = labels
        self.confusion = ConfusionMatrix(labels: labels, predictions: predictions, classes: max(classes, 10))
        self.report = ClassificationReport(confusion: confusion)
    }

    /// Fraction of rows predicted correctly.
    public var accuracy: Double { confusion.accuracy }
}
