import Foundation

/// Why a `.safetensors` file or tensor was refused, or could not be written. Messages name the file
/// (and tensor) and the value found, on one line.
public enum SafeTensorsError: Error, LocalizedError, Equatable {
    /// Fewer than the 8 bytes of the header length.
    case headerTooSmall(path: String, size: UInt64)
    /// A header length over the reference's limit of 100,000,000 bytes.
    case headerTooLarge(path: String, length: UInt64, limit: UInt64)
    /// A header length that runs past the end of the file.
    case headerPastEnd(path: String, length: UInt64, fileSize: UInt64)
    /// The header is not UTF-8 JSON of the expected shape.
    case invalidHeader(path: String, reason: String)
    /// A dtype the reference defines but WeightBridge does not read (8-bit floats, complex), or no dtype at all.
    case unsupportedDType(path: String, tensor: String, dtype: String)
    /// A tensor whose byte range does not start where the previous one ended (a gap or an overlap).
    case invalidOffsets(path: String, tensor: String, begin: UInt64, end: UInt64, expectedBegin: UInt64)
    /// A tensor whose byte range is not its shape times its item size.
    case sizeMismatch(path: String, tensor: String, shape: [UInt64], dtype: String, bytes: UInt64)
    /// A shape whose element or byte count overflows.
    case shapeOverflow(path: String, tensor: String, shape: [UInt64])
    /// The tensors' bytes do not end exactly at the end of the file.
    case incompleteBuffer(path: String, tensorBytes: UInt64, bufferBytes: UInt64)
    /// A tensor (or all of them) over the resource limits.
    case tooLarge(path: String, what: String, bytes: UInt64, limit: UInt64)
    /// More tensors than `ResourceLimits.maxMembers`.
    case tooManyTensors(path: String, count: Int, limit: Int)
    /// No tensor of that name.
    case noSuchTensor(path: String, tensor: String, available: [String])
    /// A `BF16` tensor asked for as a NumPy array (NumPy has no bfloat16).
    case noNumPyDType(tensor: String, dtype: String)
    /// A tensor that cannot be written (bad name, data that does not fit its shape).
    case invalidTensor(name: String, reason: String)

    public var errorDescription: String? {
        switch self {
        case .headerTooSmall(let path, let size):
            return "\(path): not a .safetensors file: \(size) bytes, fewer than the 8-byte header length"
        case .headerTooLarge(let path, let length, let limit):
            return "\(path): .safetensors header length \(length) is over the limit of \(limit) bytes"
        case .headerPastEnd(let path, let length, let fileSize):
            return "\(path): .safetensors header length \(length) runs past the end of the \(fileSize)-byte file"
        case .invalidHeader(let path, let reason):
            return "\(path): invalid .safetensors header: \(reason)"
        case .unsupportedDType(let path, let tensor, let dtype):
            return "\(path): tensor '\(tensor)' has dtype '\(dtype)' (WeightBridge reads BOOL, U8-U64, I8-I64, F16, BF16, F32, F64)"
        case .invalidOffsets(let path, let tensor, let begin, let end, let expectedBegin):
            let what =
                begin > expectedBegin ? "leaves a gap" : begin < expectedBegin ? "overlaps the previous tensor" : "ends before it begins"
            return "\(path): tensor '\(tensor)' data_offsets [\(begin), \(end)] \(what) (expected to begin at \(expectedBegin)); refused"
        case .sizeMismatch(let path, let tensor, let shape, let dtype, let bytes):
            return
                "\(path): tensor '\(tensor)' of shape \(shape) and dtype \(dtype) spans \(bytes) bytes, not its shape times its item size"
        case .shapeOverflow(let path, let tensor, let shape):
            return "\(path): tensor '\(tensor)' shape \(shape) overflows the element or byte count"
        case .incompleteBuffer(let path, let tensorBytes, let bufferBytes):
            return "\(path): the tensors cover \(tensorBytes) bytes but the data buffer after the header is \(bufferBytes) bytes"
        case .tooLarge(let path, let what, let bytes, let limit):
            return "\(path): \(what) is \(bytes) bytes, over the limit of \(limit) bytes"
        case .tooManyTensors(let path, let count, let limit):
            return "\(path): \(count) tensors, over the limit of \(limit)"
        case .noSuchTensor(let path, let tensor, let available):
            return "\(path): no tensor '\(tensor)' (has: \(available.prefix(20).joined(separator: ", ")))"
        case .noNumPyDType(let tensor, let dtype):
            return "tensor '\(tensor)' has dtype \(dtype), which NumPy has no dtype for (read it as float32 instead)"
        case .invalidTensor(let name, let reason):
            return "cannot write .safetensors tensor '\(name)': \(reason)"
        }
    }
}
