import Bridge
import Evaluation
import Foundation

extension ModelEvaluation {
    /// Evaluates `model` on any labelled dataset. The classes are the model's outputs; a model with a single
    /// output is a binary classifier whose output is the probability of class 1 (a sigmoid), scored as
    /// `[1 - p, p]`. Throws `DatasetError.modelInputMismatch` when the samples do not fit the model (with
    /// `strictShape`, their shape must equal the model's input shape, else only their sizes) and
    /// `.labelOutsideModel` for a label the model has no output for.
    public init(model: LoadedModel, dataset: LabeledDataset, strictShape: Bool = false, batchSize: Int = 500) throws {
        try dataset.checkFits(modelInput: model.inputShape, strictShape: strictShape)
        let width = model.outputShape.reduce(1, *)
        let classes = max(width, 2)
        if let bad = dataset.labels.first(where: { $0 >= classes }) { throw DatasetError.labelOutsideModel(label: bad, outputs: width) }
        if let oneHot = dataset.oneHotWidth, oneHot != classes { throw DatasetError.labelOutsideModel(label: oneHot - 1, outputs: width) }
        let start = Date()
        let features = NPYArray(shape: [dataset.count] + model.inputShape, float32: dataset.features)
        let outputs = try model.predict([features], batchSize: batchSize)[0].values(as: Double.self)
        let seconds = Date().timeIntervalSince(start)
        self.init(
            outputs: outputs, outputShape: model.outputShape, probabilities: width == 1 ? outputs.flatMap { [1 - $0, $0] } : outputs,
            classes: classes, labels: dataset.labels, matrixClasses: classes, seconds: seconds)
    }

    /// Number of classes scored (columns of `probabilities`).
    public var classes: Int { confusion.classes }

    /// The fraction of rows whose true class is among the `k` highest probabilities, as Keras'
    /// `TopKCategoricalAccuracy` (`tf.math.in_top_k`): classes tied with the k-th highest count as in the top k.
    /// `k` at or above the number of classes gives 1.
    public func topKAccuracy(_ k: Int) -> Double {
        guard !labels.isEmpty else { return 0 }
        let classes = self.classes
        var hits = 0
        probabilities.withUnsafeBufferPointer { p in
            for (i, label) in labels.enumerated() {
                let target = p[i * classes + label]
                var above = 0
                for c in 0..<classes where p[i * classes + c] > target { above += 1 }
                if above < k { hits += 1 }
            }
        }
        return Double(hits) / Double(labels.count)
    }

    /// Mean categorical cross-entropy of the probabilities against the true classes, as Keras computes it on a
    /// model's probabilities (`from_logits=False`): each row divided by its sum, clipped to `[1e-7, 1 - 1e-7]`,
    /// then `-log` of the true class's probability. For a one-output model this equals binary cross-entropy.
    /// Computed in Float64; Keras' float32 sum agrees to about 1e-6.
    public var loss: Double {
        guard !labels.isEmpty else { return 0 }
        let classes = self.classes
        let epsilon = 1e-7  // Keras' backend.epsilon()
        var total = 0.0
        probabilities.withUnsafeBufferPointer { p in
            for (i, label) in labels.enumerated() {
                var sum = 0.0
                for c in 0..<classes { sum += p[i * classes + c] }
                let q = sum > 0 ? p[i * classes + label] / sum : 0
                total += -Foundation.log(min(max(q, epsilon), 1 - epsilon))
            }
        }
        return total / Double(labels.count)
    }
}
