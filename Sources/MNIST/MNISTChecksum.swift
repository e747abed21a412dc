import Foundation

/// SHA-256 in lowercase hex, the form MNIST's checksums are written in.
public enum MNISTChecksum {
    /// SHA-256 of `bytes`, lowercase hex.
    public static func sha256(_ bytes: some DataProtocol) -> String {
        hex(SHA256Hasher.hash(bytes))
    }

    static func hex(_ digest: [UInt8]) -> String {
        digest.map { String(format: "%02x", $0) }.joined()
    }
}
