@_exported import Bridge
@_exported import Evaluation
@_exported import HDF5
@_exported import KerasFormat
@_exported import MNIST
@_exported import ModelSpec
@_exported import NeuralNet
@_exported import NumPyFormat
// The umbrella module: `import WeightBridge` gives the whole public API.
@_exported import SafeIO
@_exported import SafeTensorsFormat
