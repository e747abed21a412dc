import Foundation

/// What turns a dataset's stored features into a model's inputs: a scale factor, a per-sample shape and the
/// element type, as a Python project writes `x.astype("float32") / 255` and `x.reshape(-1, 28, 28, 1)`.
///
/// Values are converted to Float64, scaled there and rounded once to Float32, so `scale` "1/255" on `uint8`
/// images gives exactly NumPy's `x.astype(np.float32) / 255`. Only float32 inputs are supported: float64
/// models (NumPy MLPs) receive the float32 values widened, as NumPy's `float32 @ float64` does.
public struct Preprocessing: Sendable, Equatable {
    /// How feature values are scaled.
    public enum Scale: Sendable, Equatable {
        /// `x * factor`.
        case multiply(Double)
        /// `x / divisor` (written `1/255`): the correctly rounded quotient, as NumPy's float32 division gives.
        case divide(Double)

        /// Parses `0.00392156862745098` (multiply) or `1/255` (divide). Nil for anything else, zero or non-finite.
        public init?(_ text: String) {
            let t = text.trimmingCharacters(in: .whitespaces)
            if t.hasPrefix("1/") {
                guard let d = Double(t.dropFirst(2).trimmingCharacters(in: .whitespaces)), d.isFinite, d != 0 else { return nil }
                self = .divide(d)
            } else {
                guard let f = Double(t), f.isFinite, f != 0 else { return nil }
                self = .multiply(f)
            }
        }

        /// Applies the scale to one value.
        @inline(__always) func apply(_ v: Double) -> Double {
            switch self {
            case .multiply(let f): return v * f
            case .divide(let d): return v / d
            }
        }

        /// As written: `0.0625` or `1/255`.
        public var text: String {
            switch self {
            case .multiply(let f): return "\(f)"
            case .divide(let d): return "1/\(d == d.rounded() ? String(Int(d)) : String(d))"
            }
        }
    }

    /// The element type the model receives. Only `float32` exists today.
    public static let supportedDTypes = ["float32"]

    /// Multiply or divide every feature value; nil leaves values as stored.
    public var scale: Scale?
    /// The shape of one sample without the batch axis (e.g. `[28, 28, 1]`); nil keeps the stored one. Its
    /// element count must equal the stored sample's.
    public var reshape: [Int]?
    /// The input element type; `float32` (the default) is the only one supported.
    public var dtype: String

    /// No scaling, the stored shape, float32.
    public init() {
        scale = nil
        reshape = nil
        dtype = "float32"
    }

    /// Makes a preprocessing; throws `DatasetError.unsupportedDType` for a dtype other than float32 and
    /// `.badReshape` for a shape with a dimension below 1.
    public init(scale: Scale?, reshape: [Int]?, dtype: String = "float32") throws {
        guard Self.supportedDTypes.contains(dtype) else { throw DatasetError.unsupportedDType(dtype) }
        if let reshape, reshape.isEmpty || reshape.contains(where: { $0 < 1 }) { throw DatasetError.badReshape(reshape) }
        self.scale = scale
        self.reshape = reshape
        self.dtype = dtype
    }

    /// One line for reports: `scale 1/255, reshape (28, 28, 1), float32`.
    public var summary: String {
        var parts: [String] = []
        if let scale { parts.append("scale \(scale.text)") }
        if let reshape { parts.append("reshape \(ArrayComparison.describe(shape: reshape))") }
        parts.append(dtype)
        return parts.joined(separator: ", ")
    }
}
