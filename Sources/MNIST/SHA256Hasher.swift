import CLibCrypto
import Foundation

/// SHA-256 through the system's libcrypto (OpenSSL), the one hash MNIST's download checks need; a system
/// library instead of swift-crypto, so that no consumer of WeightBridge compiles BoringSSL.
///
/// Owns its libcrypto context and frees it exactly once, in `deinit`. Not thread-safe: one hash per hasher.
final class SHA256Hasher {
    private let context: OpaquePointer

    /// A hasher with nothing hashed yet. Traps only if libcrypto cannot allocate a few hundred bytes.
    init() {
        guard let context = wb_sha256_new() else { preconditionFailure("libcrypto could not make a SHA-256 context") }
        self.context = context
    }

    deinit { wb_sha256_free(context) }

    /// Hashes `bytes` after everything hashed so far.
    func update(_ bytes: some DataProtocol) {
        for region in bytes.regions {
            region.withUnsafeBytes { raw in
                guard let base = raw.baseAddress, raw.count > 0 else { return }
                let ok = wb_sha256_update(context, base, raw.count)
                precondition(ok == 1, "libcrypto's SHA-256 update failed")
            }
        }
    }

    /// The 32-byte digest of everything hashed. The hasher is finished afterwards.
    func finalize() -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: 32)
        let ok = digest.withUnsafeMutableBufferPointer { wb_sha256_final(context, $0.baseAddress) }
        precondition(ok == 1, "libcrypto's SHA-256 final step failed")
        return digest
    }

    /// The SHA-256 digest of `bytes`.
    static func hash(_ bytes: some DataProtocol) -> [UInt8] {
        let hasher = SHA256Hasher()
        hasher.update(bytes)
        return hasher.finalize()
    }
}
