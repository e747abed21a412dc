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
                file: "MNIST",
                reason:
                    "the model expects \(ArrayComparison.describe(shape: model.inputShape)) per sample, MNIST rows are \(rows.rows)x\(rows.cols)"
            )
        }
        let start = Date()
        let pixels = NPYArray(shape: [rows.count] + model.inputShape, float32: rows.pixelsFloat32())
        let probs = try model.predict([pixels], batchSize: batchSize)[0].values(as: Double.self)
        let seconds = Date().timeIntervalSince(start)
        let classes = model.outputShape.reduce(1, *)
        self.init(
            outputs: probs, outputShape: model.outputShape, probabilities: probs, classes: classes, labels: rows.labels.map(Int.init),
            matrixClasses: max(classes, 10), seconds: seconds)
    }

    /// Scores `probabilities` (`labels.count` rows of `classes` columns, row-major) against `labels`: each row's
    /// prediction is its first highest probability (NumPy's `argmax`); the confusion matrix has `matrixClasses`
    /// classes (at least `classes`).
    init(
        outputs: [Double], outputShape: [Int], probabilities: [Double], classes: Int, labels: [Int], matrixClasses: Int, seconds: Double
    ) {
        var predictions = [Int](repeating: 0, count: labels.count)
        probabilities.withUnsafeBufferPointer { p in
            for i in 0..<labels.count {
                var best = 0
                for c in 1..<classes where p[i * classes + c] > p[i * classes + best] { best = c }
                predictions[i] = best
            }
        }
        self.outputs = outputs
        self.outputShape = outputShape
        self.probabilities = probabilities
        self.predictions = predictions
        self.labels = labels
        self.seconds = seconds
        self.confusion = ConfusionMatrix(labels: labels, predictions: predictions, classes: matrixClasses)
        self.report = ClassificationReport(confusion: confusion)
    }

    /// Fraction of rows predicted correctly.
    public var accuracy: Double { confusion.accuracy }
}
