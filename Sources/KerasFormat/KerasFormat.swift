// Placeholder so the target compiles; replaced by the real types of this layer.
enum KerasFormatPlaceholder {}
