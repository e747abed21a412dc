// The umbrella module: `import WeightBridge` gives the whole public API.
@_exported import SafeIO
@_exported import NumPyFormat
@_exported import SafeTensorsFormat
@_exported import HDF5
@_exported import KerasFormat
@_exported import ModelSpec
@_exported import NeuralNet
@_exported import Bridge
@_exported import MNIST
@_exported import Evaluation
