/// The Keras layers that `LayerSpec.inferenceIdentity` stands for, with the settings Keras writes back.
public enum InferenceIdentity: Sendable, Hashable {
    /// `SpatialDropout1D/2D/3D(rate)`; `rank` is 1, 2 or 3; `dataFormat` as written (nil for 1-D).
    case spatialDropout(rank: Int, rate: Double, dataFormat: DataFormat?)
    /// `GaussianNoise(stddev)`.
    case gaussianNoise(stddev: Double)
    /// `GaussianDropout(rate)`.
    case gaussianDropout(rate: Double)
    /// `AlphaDropout(rate)`.
    case alphaDropout(rate: Double)
    /// `ActivityRegularization(l1, l2)`.
    case activityRegularization(l1: Double, l2: Double)
}
