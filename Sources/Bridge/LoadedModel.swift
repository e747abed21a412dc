import Foundation
import NeuralNet

/// A Swift model loaded from (or destined for) a file, in the precision the file holds:
/// Keras models run in Float32, NumPy MLPs saved as float64 run in Float64 as NumPy did.
public enum LoadedModel {
    case float32(Model<Float>)
    case float64(Model<Double>)

    /// The model's layers and how they connect.
    public var graph: ModelGraph {
        switch self {
        case .float32(let m): return m.graph
        case .float64(let m): return m.graph
        }
    }

    /// The input shape of one sample, without the batch dimension.
    public var inputShape: [Int] {
        switch self {
        case .float32(let m): return m.inputShape
        case .float64(let m): return m.inputShape
        }
    }

    /// The output shape of one sample.
    public var outputShape: [Int] {
        switch self {
        case .float32(let m): return m.outputShape
        case .float64(let m): return m.outputShape
        }
    }

    /// The layer specifications, in order.
    public var specs: [LayerSpec] {
        switch self {
        case .float32(let m): return m.specs
        case .float64(let m): return m.specs
        }
    }

    /// Output shape of each layer (without batch).
    public var outputShapes: [[Int]] {
        switch self {
        case .float32(let m): return m.outputShapes
        case .float64(let m): return m.outputShapes
        }
    }

    /// Parameter count of each layer.
    public var parameterCounts: [Int] {
        switch self {
        case .float32(let m): return m.parameterCounts
        case .float64(let m): return m.parameterCounts
        }
    }

    /// "float32" or "float64".
    public var precisionName: String {
        switch self {
        case .float32: return "float32"
        case .float64: return "float64"
        }
    }
}
