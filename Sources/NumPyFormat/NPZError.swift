import Foundation
import SafeIO

/// Why a `.npz` archive or one of its members was refused. Messages name the archive and member.
/// Errors inside a member's `.npy` bytes are `NPYError`s whose source is `archive.npz:member.npy`.
public enum NPZError: Error, LocalizedError, Equatable {
    /// No ZIP end-of-central-directory record: not a ZIP file at all.
    case notAZip(path: String, reason: String)
    /// The central directory or a member's bytes run past the end of the file.
    case truncatedArchive(path: String, reason: String)
    /// The CRC-32 of a member's bytes differs from the one in the directory.
    case crcMismatch(path: String, member: String, expected: UInt32, found: UInt32)
    /// A member inflates to more bytes than its declared uncompressed size (a zip bomb).
    case inflatesPastDeclaredSize(path: String, member: String, declared: UInt64)
    /// A member holds fewer bytes than its declared uncompressed size.
    case shorterThanDeclared(path: String, member: String, declared: UInt64, found: UInt64)
    /// A member's deflate stream ends before its end-of-stream marker.
    case truncatedDeflateStream(path: String, member: String)
    /// A member's deflate stream is corrupt.
    case corruptDeflateStream(path: String, member: String)
    /// The end record's entry count or directory size disagrees with the entries the directory holds.
    case inconsistentDirectory(path: String, reason: String)
    /// Two members (or a member and the central directory) share bytes of the file.
    case overlappingMembers(path: String, first: String, second: String)
    /// A member's local header disagrees with its central-directory entry about `field` (name, compression method,
    /// flags, CRC-32, sizes): the archive reads differently in different tools (Python's `zipfile` refuses it).
    case localHeaderMismatch(path: String, member: String, field: String, central: String, local: String)
    /// An encrypted member.
    case encryptedMember(path: String, member: String)
    /// A compression method other than stored (0) or deflate (8).
    case unsupportedCompression(path: String, member: String, method: UInt16)
    /// Two members with the same name.
    case duplicateMember(path: String, member: String)
    /// A member name with a `..` component or an absolute path.
    case unsafeMemberName(path: String, member: String)
    /// More members than `ResourceLimits.maxMembers`.
    case tooManyMembers(path: String, count: Int, limit: Int)
    /// A member whose declared size is above the limits.
    case memberTooLarge(path: String, member: String, bytes: UInt64, limit: UInt64)
    /// All members together declare more than `ResourceLimits.maxTotalBytes`.
    case archiveTooLarge(path: String, bytes: UInt64, limit: UInt64)
    /// A member claims an inflate ratio above `ResourceLimits.maxInflateRatio`.
    case inflateRatioTooHigh(path: String, member: String, compressed: UInt64, uncompressed: UInt64, limit: UInt64)
    /// No member of that name.
    case noSuchMember(path: String, member: String, available: [String])
    /// A member name that cannot be written (empty, duplicate, `..`, absolute).
    case invalidMemberName(name: String, reason: String)

    public var errorDescription: String? {
        switch self {
        case .notAZip(let path, let reason):
            return "\(path): not a .npz (ZIP) archive: \(reason.printable(limit: 200))"
        case .truncatedArchive(let path, let reason):
            return "\(path): truncated archive: \(reason.printable(limit: 200))"
        case .crcMismatch(let path, let member, let expected, let found):
            return
                "\(path): member '\(member.printable())' is corrupt: CRC-32 is 0x\(String(found, radix: 16)), directory says 0x\(String(expected, radix: 16))"
        case .inflatesPastDeclaredSize(let path, let member, let declared):
            return "\(path): member '\(member.printable())' inflates past its declared size of \(declared) bytes (zip bomb?); refused"
        case .shorterThanDeclared(let path, let member, let declared, let found):
            return "\(path): member '\(member.printable())' holds \(found) bytes, its directory entry declares \(declared)"
        case .truncatedDeflateStream(let path, let member):
            return "\(path): member '\(member.printable())' has a truncated deflate stream (ends before its end marker)"
        case .corruptDeflateStream(let path, let member):
            return "\(path): member '\(member.printable())' has a corrupt deflate stream"
        case .inconsistentDirectory(let path, let reason):
            return "\(path): inconsistent ZIP central directory: \(reason.printable(limit: 200))"
        case .overlappingMembers(let path, let first, let second):
            return "\(path): members '\(first.printable())' and '\(second.printable())' overlap in the file (a crafted archive); refused"
        case .localHeaderMismatch(let path, let member, let field, let central, let local):
            return "\(path): member '\(member.printable())': the local header's \(field) is \(local.printable()), "
                + "the central directory's is \(central.printable()) (a crafted archive); refused"
        case .encryptedMember(let path, let member):
            return "\(path): member '\(member.printable())' is encrypted; WeightBridge reads only unencrypted archives"
        case .unsupportedCompression(let path, let member, let method):
            return
                "\(path): member '\(member.printable())' uses compression method \(method) (expected 0 stored or 8 deflate, as np.savez writes)"
        case .duplicateMember(let path, let member):
            return "\(path): member name '\(member.printable())' appears more than once"
        case .unsafeMemberName(let path, let member):
            return "\(path): member name '\(member.printable())' is an absolute path or has a '..' component; refused"
        case .tooManyMembers(let path, let count, let limit):
            return "\(path): archive has \(count) members, over the limit of \(limit)"
        case .memberTooLarge(let path, let member, let bytes, let limit):
            return "\(path): member '\(member.printable())' declares \(bytes) bytes, over the limit of \(limit)"
        case .archiveTooLarge(let path, let bytes, let limit):
            return "\(path): members declare \(bytes) bytes in total, over the limit of \(limit)"
        case .inflateRatioTooHigh(let path, let member, let compressed, let uncompressed, let limit):
            return
                "\(path): member '\(member.printable())' claims \(uncompressed) bytes from \(compressed) compressed, a ratio above \(limit):1; refused"
        case .noSuchMember(let path, let member, let available):
            return "\(path): no array '\(member.printable())' (has: \(available.prefix(20).map { $0.printable() }.joined(separator: ", ")))"
        case .invalidMemberName(let name, let reason):
            return "cannot write .npz member '\(name.printable())': \(reason.printable(limit: 200))"
        }
    }
}
