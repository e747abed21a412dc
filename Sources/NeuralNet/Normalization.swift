/// Keras' `Normalization` preprocessing layer: `(x - mean) / max(sqrt(variance), 1e-7)` (with `invert`,
/// `mean + x * max(sqrt(variance), 1e-7)`), one mean and variance per position of the kept axes (row-major over
/// them), or one for all. The statistics come from the config (`fixed`) or from Keras' adapted variables
/// `[mean, variance, count]` (then `parameters`, frozen in training: zero gradients, like BatchNormalization).
final class Normalization<Scalar: NNScalar>: Layer {
    /// Keras' `backend.epsilon()`, the floor of the standard deviation.
    static var deviationFloor: Double { 1e-7 }

    let shape: [Int]
    let invert: Bool
    /// Mean and variance from the config; nil when they are the parameters.
    let fixed: (mean: [Double], variance: [Double])?
    var parameters: [Tensor<Scalar>]
    var gradients: [Tensor<Scalar>] { parameters.map { Tensor(zeros: $0.shape) } }
    /// Per example offset, the index of its statistics (0 for all when there is one value).
    private let statisticIndex: [Int]

    /// `kept` are sorted indices into the example shape `shape` that keep their own statistics.
    init(shape: [Int], kept: [Int], mean: [Double]?, variance: [Double]?, invert: Bool) {
        self.shape = shape
        self.invert = invert
        let keptShape = kept.map { shape[$0] }
        let groups = AxisGroups(shape: shape, reduced: shape.indices.filter { !kept.contains($0) })
        if let mean, let variance {
            fixed = (mean, variance)
            parameters = []
            statisticIndex = mean.count == 1 ? [Int](repeating: 0, count: shape.reduce(1, *)) : groups.groupOfOffset
        } else {
            fixed = nil
            let count = keptShape.reduce(1, *)
            parameters = [
                Tensor(zeros: keptShape), Tensor(shape: keptShape, scalars: [Scalar](repeating: 1, count: count)), Tensor(zeros: []),
            ]
            statisticIndex = groups.groupOfOffset
        }
    }

    var outputShape: [Int] { shape }

    /// Per statistic, (mean, deviation) with the deviation floored as Keras does.
    private var statistics: (mean: [Scalar], deviation: [Scalar]) {
        let mean = fixed.map { $0.mean.map { Scalar($0) } } ?? parameters[0].scalars
        let variance = fixed.map { $0.variance.map { Scalar($0) } } ?? parameters[1].scalars
        let floor = Scalar(Self.deviationFloor)
        // Keras broadcasts one mean against per-position variances and the other way round.
        let n = Swift.max(mean.count, variance.count)
        return (
            (0..<n).map { mean[mean.count == 1 ? 0 : $0] },
            (0..<n).map { Swift.max(variance[variance.count == 1 ? 0 : $0].squareRoot(), floor) }
        )
    }

    /// `values` normalised (or, with `invert`, denormalised) with each position's statistics; `centred` false
    /// leaves out the mean, which gives the gradient (the map is affine).
    private func normalised(_ values: Tensor<Scalar>, centred: Bool) -> Tensor<Scalar> {
        let (mean, deviation) = statistics
        let size = statisticIndex.count
        let single = mean.count == 1
        var output = values
        output.scalars.withUnsafeMutableBufferPointer { y in
            for i in y.indices {
                let s = single ? 0 : statisticIndex[i % size]
                if centred {
                    y[i] = invert ? mean[s] + y[i] * deviation[s] : (y[i] - mean[s]) / deviation[s]
                } else {
                    y[i] = invert ? y[i] * deviation[s] : y[i] / deviation[s]
                }
            }
        }
        return output
    }

    func infer(_ input: Tensor<Scalar>) -> Tensor<Scalar> { normalised(input, centred: true) }

    func forward(_ input: Tensor<Scalar>, generator: inout SeededGenerator) -> Tensor<Scalar> { infer(input) }

    func backward(_ gradient: inout Tensor<Scalar>, gradientIsPreActivation: Bool, needsInputGradient: Bool) -> Tensor<Scalar>? {
        needsInputGradient ? normalised(gradient, centred: false) : nil
    }
}
