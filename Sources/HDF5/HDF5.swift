import CHDF5
// Placeholder so the target compiles; replaced by the real types of this layer.
enum HDF5Placeholder { static func open() { _ = wb_h5_open() } }
