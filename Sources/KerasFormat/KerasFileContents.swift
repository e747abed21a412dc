import Foundation

/// What an HDF5 file turned out to hold: a Keras model or weights file, or an HDF5 file without a Keras layout
/// (with its object listing and the reason it is not Keras).
public enum KerasFileContents: Sendable {
    case keras(KerasModelFile)
    case hdf5(tree: [String], reason: String)
}
