/// A layer whose weights Keras initialises to constants rather than drawing a kernel (BatchNormalization's
/// statistics, LayerNormalization's gamma and beta, PReLU's alpha, LayerScale's gamma, Normalization's adapted
/// statistics). `Model.initialize` calls `reset()` on them instead of sampling, so their (possibly rank-1)
/// weights are never treated as a kernel with a fan-in and fan-out.
protocol KerasInitialisedLayer: AnyObject {
    /// Sets the weights to Keras' initial values.
    func reset()
}

extension BatchNormalization: KerasInitialisedLayer {}

extension LayerNormalization: KerasInitialisedLayer {
    /// gamma 1, beta 0.
    func reset() {
        parameters = parameters.enumerated().map { i, p in
            scale && i == 0 ? Tensor(shape: p.shape, scalars: .init(repeating: 1, count: p.count)) : Tensor(zeros: p.shape)
        }
    }
}

extension PReLU: KerasInitialisedLayer {
    /// alpha 0 (Keras' `alpha_initializer="zeros"`).
    func reset() { parameters = [Tensor(zeros: parameters[0].shape)] }
}

extension LayerScale: KerasInitialisedLayer {
    /// gamma `init_values`.
    func reset() {
        parameters = [Tensor(shape: parameters[0].shape, scalars: .init(repeating: Scalar(initValues), count: parameters[0].count))]
    }
}

extension Normalization: KerasInitialisedLayer {
    /// Adapted statistics: mean 0, variance 1, count 0 (nothing when the statistics are in the config).
    func reset() {
        guard parameters.count == 3 else { return }
        let shape = parameters[0].shape
        parameters = [
            Tensor(zeros: shape), Tensor(shape: shape, scalars: .init(repeating: 1, count: parameters[1].count)), Tensor(zeros: []),
        ]
    }
}
