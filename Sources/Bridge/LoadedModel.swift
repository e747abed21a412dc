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

    /// Runs the model on `count` samples given as Float32 values (converted to the model's
    /// precision first) and returns the outputs as Double, `count x outputs`, row-major.
    /// Inputs are `count x product(inputShape)` values in C order.
    public func predict(float32 x: [Float], count: Int, batchSize: Int = 256) -> [Double] {
        switch self {
        case .float32(let m):
            return m.predict(Tensor(shape: [count] + m.inputShape, scalars: x), batchSize: batchSize).scalars.map(Double.init)
        case .float64(let m):
            return m.predict(Tensor(shape: [count] + m.inputShape, scalars: x.map(Double.init)), batchSize: batchSize).scalars
        }
    }

    /// Runs the model on Double inputs (converted to Float32 for a float32 model).
    public func predict(float64 x: [Double], count: Int, batchSize: Int = 256) -> [Double] {
        switch self {
        case .float32(let m):
            return m.predict(Tensor(shape: [count] + m.inputShape, scalars: x.map { Float($0) }), batchSize: batchSize)
                .scalars.map(Double.init)
        case .float64(let m):
            return m.predict(Tensor(shape: [count] + m.inputShape, scalars: x), batchSize: batchSize).scalars
        }
    }
}
