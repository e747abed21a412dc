/// How `UpSampling2D` fills the new pixels: Keras' `interpolation`.
///
/// `.nearest` repeats each pixel `size` times along each axis. `.bilinear` is `tf.image.resize` /
/// `jax.image.resize` with half-pixel centres (Keras 3, and tf.keras >= 2.3): output pixel `o` samples input
/// coordinate `(o + 0.5) / size - 0.5`, clamped at the edges, and blends its two neighbours along each axis.
public enum Interpolation: String, Sendable, Hashable {
    case nearest, bilinear
}
