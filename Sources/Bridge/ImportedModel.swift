import Foundation
import NeuralNet

/// A model imported from a file: the runnable Swift model plus what the file said about it.
public struct ImportedModel {
    /// Where the model came from.
    public enum Origin: Equatable, Sendable {
        /// A Keras HDF5 file (full model, or weights plus an architecture).
        case keras(version: String?, backend: String?)
        /// A NumPy `.npz` of dense-layer weights (a from-scratch MLP).
        case numpyMLP(memberNames: [String])
    }

    /// The runnable model.
    public var model: LoadedModel
    /// One name per Swift layer (Keras layer names; `dense_1`... for NumPy MLPs).
    public var layerNames: [String]
    /// The file it was read from.
    public var source: URL
    /// What kind of file it was.
    public var origin: Origin
    /// Keras class names per layer, for display (`Dense`, `Conv2D`, ...).
    public var layerClassNames: [String]
    /// What the import changed to reproduce the saving framework (Theano kernel flips, channels-first input
    /// transposition), one sentence each, for `inspect` to show.
    public var notes: [String] = []
}
