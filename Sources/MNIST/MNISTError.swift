import Foundation
import SafeIO

/// Errors from reading, splitting and downloading MNIST. Every message names the file (or URL)
/// and says what was found and what was expected, on one line.
public enum MNISTError: WeightBridgeError, Equatable {
    /// The file could not be opened or read.
    case unreadable(file: String, reason: String)
    /// The IDX magic number is not one MNIST uses (2051 images, 2049 labels).
    case badMagic(file: String, found: UInt32, expected: UInt32)
    /// The file ended before the header or the data the header announces.
    case truncated(file: String, expectedBytes: UInt64, foundBytes: UInt64)
    /// The file holds more bytes than its header announces (the counts lie).
    case trailingData(file: String, expectedBytes: UInt64)
    /// A dimension is zero or over the limit (rows and columns at most `MNISTLimits.maxSide`).
    case badDimension(file: String, name: String, value: UInt64, limit: UInt64)
    /// The header implies more data than the resource limits or the compression ratio allow.
    case tooLarge(file: String, bytes: UInt64, limit: UInt64)
    /// zlib refused the compressed stream.
    case corruptGzip(file: String, reason: String)
    /// Images and labels disagree on the number of examples.
    case countMismatch(images: String, imageCount: Int, labels: String, labelCount: Int)
    /// A required file is absent from the directory.
    case missingFile(directory: String, name: String)
    /// The SHA-256 of the decompressed bytes is not the expected one.
    case checksumMismatch(file: String, found: String, expected: String)
    /// Every mirror failed for a file; `reasons` has one entry per mirror.
    case downloadFailed(file: String, reasons: [String])
    /// A subset index is outside the split.
    case indexOutOfRange(index: Int, count: Int)

    public var fileAndProblem: (file: String?, problem: String) {
        switch self {
        case .unreadable(let file, let reason): (file, "cannot read (\(reason))")
        case .badMagic(let file, let found, let expected):
            (file, "IDX magic number is \(found), expected \(expected) (is this an MNIST IDX file?)")
        case .truncated(let file, let expected, let found):
            (file, "truncated: the header announces \(expected) bytes, the file has \(found)")
        case .trailingData(let file, let expected):
            (file, "more data than the \(expected) bytes its header announces (the counts are wrong)")
        case .badDimension(let file, let name, let value, let limit): (file, "IDX dimension \(name) is \(value), expected 1...\(limit)")
        case .tooLarge(let file, let bytes, let limit):
            (file, "header announces " + ResourceLimits.overLimit(bytes, limit: limit, unit: "bytes"))
        case .corruptGzip(let file, let reason): (file, "corrupt gzip data (\(reason))")
        case .countMismatch(let images, let imageCount, let labels, let labelCount):
            (nil, "\(images) has \(imageCount) images but \(labels) has \(labelCount) labels; expected the same count")
        case .missingFile(let directory, let name):
            (
                directory,
                "no \(name) or \(name.replacingOccurrences(of: ".gz", with: "")) (run with download enabled, or copy the MNIST files there)"
            )
        case .checksumMismatch(let file, let found, let expected):
            (file, "SHA-256 of the decompressed bytes is \(found), expected \(expected)")
        case .downloadFailed(let file, let reasons): (file, "download failed from every mirror: \(reasons.joined(separator: "; "))")
        case .indexOutOfRange(let index, let count): (nil, "subset index \(index) is outside 0..<\(count)")
        }
    }
}
