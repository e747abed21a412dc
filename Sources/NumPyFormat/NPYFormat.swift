import Foundation

/// Constants of the `.npy` format (numpy/lib/format.py).
enum NPYFormat {
    /// `\x93NUMPY`.
    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]
    /// Magic plus the two version bytes.
    static let magicLength = 8
    /// The data starts at a multiple of this.
    static let alignment = 64
    /// numpy refuses headers longer than this (`max_header_size`).
    static let maxHeaderLength = 10000
    /// numpy leaves room for the growth axis to reach this many digits (`GROWTH_AXIS_MAX_DIGITS`).
    static let growthAxisMaxDigits = 21
    /// numpy refuses arrays with more dimensions than this (`NPY_MAXDIMS`, 64 since NumPy 2.0; 32 before).
    static let maxDimensions = 64
}

/// A `.npy` format version: 1.0 (2-byte header length), 2.0 (4-byte length), 3.0 (4-byte length, UTF-8 header).
public enum NPYVersion: Sendable {
    case v1, v2, v3

    /// Bytes of the header-length field.
    var lengthFieldSize: Int { self == .v1 ? 2 : 4 }
    /// (major, minor) as written after the magic.
    var bytes: (UInt8, UInt8) {
        switch self {
        case .v1: return (1, 0)
        case .v2: return (2, 0)
        case .v3: return (3, 0)
        }
    }
}
