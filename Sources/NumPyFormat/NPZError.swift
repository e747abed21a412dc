import Foundation
import SafeIO

/// Why a `.npz` archive or one of its members was refused. Messages name the archive and member.
/// Errors inside a member's `.npy` bytes are `NPYError`s whose file is `archive.npz:member.npy`.
public enum NPZError: WeightBridgeError, Equatable {
    /// No ZIP end-of-central-directory record: not a ZIP file at all.
    case notAZip(file: String, reason: String)
    /// The central directory or a member's bytes run past the end of the file.
    case truncatedArchive(file: String, reason: String)
    /// The CRC-32 of a member's bytes differs from the one in the directory.
    case crcMismatch(file: String, member: String, expected: UInt32, found: UInt32)
    /// A member inflates to more bytes than its declared uncompressed size (a zip bomb).
    case inflatesPastDeclaredSize(file: String, member: String, declared: UInt64)
    /// A member holds fewer bytes than its declared uncompressed size.
    case shorterThanDeclared(file: String, member: String, declared: UInt64, found: UInt64)
    /// A member's deflate stream ends before its end-of-stream marker.
    case truncatedDeflateStream(file: String, member: String)
    /// A member's deflate stream is corrupt.
    case corruptDeflateStream(file: String, member: String)
    /// The end record's entry count or directory size disagrees with the entries the directory holds.
    case inconsistentDirectory(file: String, reason: String)
    /// Two members (or a member and the central directory) share bytes of the file.
    case overlappingMembers(file: String, first: String, second: String)
    /// A member's local header disagrees with its central-directory entry about `field` (name, compression method,
    /// flags, CRC-32, sizes): the archive reads differently in different tools (Python's `zipfile` refuses it).
    case localHeaderMismatch(file: String, member: String, field: String, central: String, local: String)
    /// An encrypted member.
    case encryptedMember(file: String, member: String)
    /// A compression method other than stored (0) or deflate (8).
    case unsupportedCompression(file: String, member: String, method: UInt16)
    /// Two members with the same name.
    case duplicateMember(file: String, member: String)
    /// A member name with a `..` component or an absolute path.
    case unsafeMemberName(file: String, member: String)
    /// More members than `ResourceLimits.maxMembers`.
    case tooManyMembers(file: String, count: Int, limit: Int)
    /// A member whose declared size is above the limits.
    case memberTooLarge(file: String, member: String, bytes: UInt64, limit: UInt64)
    /// All members together declare more than `ResourceLimits.maxTotalBytes`.
    case archiveTooLarge(file: String, bytes: UInt64, limit: UInt64)
    /// A member claims an inflate ratio above `ResourceLimits.maxInflateRatio`.
    case inflateRatioTooHigh(file: String, member: String, compressed: UInt64, uncompressed: UInt64, limit: UInt64)
    /// No member of that name.
    case noSuchMember(file: String, member: String, available: [String])
    /// A member name that cannot be written (empty, duplicate, `..`, absolute).
    case invalidMemberName(name: String, reason: String)

    public var fileAndProblem: (file: String?, problem: String) {
        switch self {
        case .notAZip(let file, let reason): (file, "not a .npz (ZIP) archive: \(reason.printable(limit: 200))")
        case .truncatedArchive(let file, let reason): (file, "truncated archive: \(reason.printable(limit: 200))")
        case .crcMismatch(let file, let member, let expected, let found):
            (
                file,
                "member '\(member.printable())' is corrupt: CRC-32 is 0x\(String(found, radix: 16)), directory says 0x\(String(expected, radix: 16))"
            )
        case .inflatesPastDeclaredSize(let file, let member, let declared):
            (file, "member '\(member.printable())' inflates past its declared size of \(declared) bytes (zip bomb?); refused")
        case .shorterThanDeclared(let file, let member, let declared, let found):
            (file, "member '\(member.printable())' holds \(found) bytes, its directory entry declares \(declared)")
        case .truncatedDeflateStream(let file, let member):
            (file, "member '\(member.printable())' has a truncated deflate stream (ends before its end marker)")
        case .corruptDeflateStream(let file, let member): (file, "member '\(member.printable())' has a corrupt deflate stream")
        case .inconsistentDirectory(let file, let reason): (file, "inconsistent ZIP central directory: \(reason.printable(limit: 200))")
        case .overlappingMembers(let file, let first, let second):
            (file, "members '\(first.printable())' and '\(second.printable())' overlap in the file (a crafted archive); refused")
        case .localHeaderMismatch(let file, let member, let field, let central, let local):
            (
                file,
                "member '\(member.printable())': the local header's \(field) is \(local.printable()), "
                    + "the central directory's is \(central.printable()) (a crafted archive); refused"
            )
        case .encryptedMember(let file, let member):
            (file, "member '\(member.printable())' is encrypted; WeightBridge reads only unencrypted archives")
        case .unsupportedCompression(let file, let member, let method):
            (file, "member '\(member.printable())' uses compression method \(method) (expected 0 stored or 8 deflate, as np.savez writes)")
        case .duplicateMember(let file, let member): (file, "member name '\(member.printable())' appears more than once")
        case .unsafeMemberName(let file, let member):
            (file, "member name '\(member.printable())' is an absolute path or has a '..' component; refused")
        case .tooManyMembers(let file, let count, let limit):
            (file, "archive has " + ResourceLimits.overLimit(count, limit: limit, unit: "members"))
        case .memberTooLarge(let file, let member, let bytes, let limit):
            (file, "member '\(member.printable())' declares " + ResourceLimits.overLimit(bytes, limit: limit, unit: "bytes"))
        case .archiveTooLarge(let file, let bytes, let limit):
            (file, "members declare a total of " + ResourceLimits.overLimit(bytes, limit: limit, unit: "bytes"))
        case .inflateRatioTooHigh(let file, let member, let compressed, let uncompressed, let limit):
            (
                file,
                "member '\(member.printable())' claims \(uncompressed) bytes from \(compressed) compressed, a ratio above \(limit):1; refused"
            )
        case .noSuchMember(let file, let member, let available):
            (file, "no array '\(member.printable())' (has: \(available.prefix(20).map { $0.printable() }.joined(separator: ", ")))")
        case .invalidMemberName(let name, let reason):
            (nil, "cannot write .npz member '\(name.printable())': \(reason.printable(limit: 200))")
        }
    }
}
