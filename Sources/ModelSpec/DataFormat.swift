/// Where a spatial layer's channel axis is: Keras' `data_format` (Keras 1's `dim_ordering` `tf`/`th`).
///
/// `.channelsLast` images are (height, width, channels), `.channelsFirst` images (channels, height, width). The
/// runtime computes in NHWC and transposes around a channels-first layer, so the tensors between layers are laid
/// out exactly as Keras laid them out.
public enum DataFormat: String, Sendable, Hashable {
    case channelsLast = "channels_last"
    case channelsFirst = "channels_first"
}
