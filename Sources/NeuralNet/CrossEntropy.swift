/// Categorical cross-entropy as Keras computes it for probability outputs (`from_logits=False`): probabilities
/// clipped to [1e-7, 1 - 1e-7], loss = -log p[label], averaged over the batch.
///
/// Inputs are row-major (batch, classes) probability tensors. Labels are either class indices (sparse) or one-hot
/// rows. Used by `Model.fit`, whose gradient fuses softmax and cross-entropy into (p - y) / batch.
public enum CrossEntropy {
    /// Keras' `epsilon()`, the clipping bound.
    public static let epsilon = 1e-7

    /// Mean sparse categorical cross-entropy; labels are class indices in 0..<classes (traps otherwise).
    public static func sparse<Scalar: NNScalar>(probabilities: Tensor<Scalar>, labels: [Int]) -> Double {
        let classes = probabilities.shape.last ?? 1
        precondition(labels.count * classes == probabilities.count, "labels do not match probabilities \(probabilities.shape)")
        guard !labels.isEmpty else { return 0 }
        var total = 0.0
        probabilities.scalars.withUnsafeBufferPointer { p in
            for (row, label) in labels.enumerated() {
                precondition((0..<classes).contains(label), "label \(label) outside 0..<\(classes)")
                total -= Double.log(min(max(Double(p[row * classes + label]), epsilon), 1 - epsilon))
            }
        }
        return total / Double(labels.count)
    }

    /// Mean categorical cross-entropy with one-hot (or soft) target rows of the same shape as `probabilities`.
    public static func categorical<Scalar: NNScalar>(probabilities: Tensor<Scalar>, targets: Tensor<Scalar>) -> Double {
        precondition(probabilities.shape == targets.shape, "targets \(targets.shape) do not match probabilities \(probabilities.shape)")
        let classes = probabilities.shape.last ?? 1
        let rows = probabilities.count / max(classes, 1)
        guard rows > 0 else { return 0 }
        var total = 0.0
        probabilities.scalars.withUnsafeBufferPointer { p in
            targets.scalars.withUnsafeBufferPointer { t in
                for i in 0..<p.count where t[i] != 0 {
                    total -= Double(t[i]) * Double.log(min(max(Double(p[i]), epsilon), 1 - epsilon))
                }
            }
        }
        return total / Double(rows)
    }
}
