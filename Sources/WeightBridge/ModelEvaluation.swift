import Bridge
import Evaluation
import Foundation
import MNIST

/// Runs a model over labelled rows (MNIST, or any `LabeledDataset`) and scores it: the predicted classes, the
/// probabilities, the confusion matrix and sklearn's classification report.
public struct ModelEvaluation: Sendable {
    /// The model's outputs as it gave them, `count x product(outputShape)`, row-major (what a reference file
    /// recorded in Python holds).
    public let outputs: [Double]
    /// The shape of one row of `outputs`.
    public let outputShape: [Int]
    /// Probabilities, `count x classes`, row-major: the outputs, or `[1 - p, p]` for a model with one sigmoid output.
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
            throw BridgeError.cannotExport(
                path: "MNIST",
                reason:
                    "the model expects \(ArrayComparison.describe(shape: model.inputShape)) per sample, MNIST rows are \(rows.rows)x\(rows.cols)"
            )
        }
        let start = Date()
        let pixels = NPYArray(shape: [rows.count] + model.inputShape, float32: rows.pixelsFloat32())
        let probs = try model.predict([pixels], batchSize: batchSize)[0].values(as: Double.self)
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
        self.outputs = probs
        self.outputShape = model.outputShape
        self.probabilities = probs
        self.predictions = predictions
        self.labels = labels
        self.confusion = ConfusionMatrix(labels: labels, predictions: predictions, classes: max(classes, 10))
        self.report = ClassificationReport(confusion: confusion)
    }

    /// Fraction of rows predicted correctly.
    public var accuracy: Double { confusion.accuracy }
}
