import CGzip
// Placeholder so the target compiles; replaced by the real types of this layer.
enum MNISTPlaceholder { static func v() -> String { String(cString: zlibVersion()) } }
