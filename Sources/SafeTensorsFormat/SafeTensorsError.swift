import Foundation
import SafeIO

/// Why a `.safetensors` file or tensor was refused, or could not be written. Messages name the file
/// (and tensor) and the value found, on one line.
public enum SafeTensorsError: WeightBridgeError, Equatable {
    /// Fewer than the 8 bytes of the header length.
    case headerTooSmall(file: String, size: UInt64)
    /// A header length over the reference's limit of 100,000,000 bytes.
    case headerTooLarge(file: String, length: UInt64, limit: UInt64)
    /// A header length that runs past the end of the file.
    case headerPastEnd(file: String, length: UInt64, fileSize: UInt64)
    /// The header is not UTF-8 JSON of the expected shape.
    case invalidHeader(file: String, reason: String)
    /// A dtype the reference defines but WeightBridge does not read (8-bit floats, complex), or no dtype at all.
    case unsupportedDType(file: String, tensor: String, dtype: String)
    /// A tensor whose byte range does not start where the previous one ended (a gap or an overlap).
    case invalidOffsets(file: String, tensor: String, begin: UInt64, end: UInt64, expectedBegin: UInt64)
    /// A tensor whose byte range is not its shape times its item size.
    case sizeMismatch(file: String, tensor: String, shape: [UInt64], dtype: String, bytes: UInt64)
    /// A shape whose element or byte count overflows.
    case shapeOverflow(file: String, tensor: String, shape: [UInt64])
    /// The tensors' bytes do not end exactly at the end of the file.
    case incompleteBuffer(file: String, tensorBytes: UInt64, bufferBytes: UInt64)
    /// A tensor (or all of them) over the resource limits.
    case tooLarge(file: String, what: String, bytes: UInt64, limit: UInt64)
    /// More tensors than `ResourceLimits.maxMembers`.
    case tooManyTensors(file: String, count: Int, limit: Int)
    /// No tensor of that name.
    case noSuchTensor(file: String, tensor: String, available: [String])
    /// A `BF16` tensor asked for as a NumPy array (NumPy has no bfloat16).
    case noNumPyDType(tensor: String, dtype: String)
    /// A tensor that cannot be written (bad name, data that does not fit its shape).
    case invalidTensor(name: String, reason: String)

    public var fileAndProblem: (file: String?, problem: String) {
        switch self {
        case .headerTooSmall(let file, let size): (file, "not a .safetensors file: \(size) bytes, fewer than the 8-byte header length")
        case .headerTooLarge(let file, let length, let limit):
            (file, ".safetensors header is " + ResourceLimits.overLimit(length, limit: limit, unit: "bytes"))
        case .headerPastEnd(let file, let length, let fileSize):
            (file, ".safetensors header length \(length) runs past the end of the \(fileSize)-byte file")
        case .invalidHeader(let file, let reason): (file, "invalid .safetensors header: \(reason)")
        case .unsupportedDType(let file, let tensor, let dtype):
            (file, "tensor '\(tensor)' has dtype '\(dtype)' (WeightBridge reads BOOL, U8-U64, I8-I64, F16, BF16, F32, F64)")
        case .invalidOffsets(let file, let tensor, let begin, let end, let expectedBegin):
            (
                file,
                "tensor '\(tensor)' data_offsets [\(begin), \(end)] \(Self.offsetProblem(begin, expectedBegin)) (expected to begin at \(expectedBegin)); refused"
            )
        case .sizeMismatch(let file, let tensor, let shape, let dtype, let bytes):
            (file, "tensor '\(tensor)' of shape \(shape) and dtype \(dtype) spans \(bytes) bytes, not its shape times its item size")
        case .shapeOverflow(let file, let tensor, let shape):
            (file, "tensor '\(tensor)' shape \(shape) overflows the element or byte count")
        case .incompleteBuffer(let file, let tensorBytes, let bufferBytes):
            (file, "the tensors cover \(tensorBytes) bytes but the data buffer after the header is \(bufferBytes) bytes")
        case .tooLarge(let file, let what, let bytes, let limit):
            (file, "\(what) is " + ResourceLimits.overLimit(bytes, limit: limit, unit: "bytes"))
        case .tooManyTensors(let file, let count, let limit):
            (file, "has " + ResourceLimits.overLimit(count, limit: limit, unit: "tensors"))
        case .noSuchTensor(let file, let tensor, let available):
            (file, "no tensor '\(tensor)' (has: \(available.prefix(20).joined(separator: ", ")))")
        case .noNumPyDType(let tensor, let dtype):
            (nil, "tensor '\(tensor)' has dtype \(dtype), which NumPy has no dtype for (read it as float32 instead)")
        case .invalidTensor(let name, let reason): (nil, "cannot write .safetensors tensor '\(name)': \(reason)")
        }
    }

    /// How a tensor's first offset is wrong, given where it had to begin.
    private static func offsetProblem(_ begin: UInt64, _ expectedBegin: UInt64) -> String {
        begin > expectedBegin ? "leaves a gap" : begin < expectedBegin ? "overlaps the previous tensor" : "ends before it begins"
    }
}
