import Foundation

/// Memory for an array's data that a reader fills (a stored member, an inflated member, a `.npy` file's data):
/// `malloc`ed, uninitialised (the reader writes every byte), freed with `free`.
///
/// Transparent huge pages were measured and refused (issue 15): NumPy advises `MADV_HUGEPAGE` for its arrays, and
/// doing the same cut the page faults of a 512 MiB `convert` from 132,650 to 1,690, but with the kernel's `defrag`
/// setting at `madvise` each huge-page fault may compact memory first, and on the loaded development machine the
/// stored `convert` rows cost more, not less (CPU time, medians of 7 interleaved runs: write 0.97 s with the advice,
/// 0.60 s without; read 0.90 s and 0.63 s).
enum ArrayBuffer {
    /// `count` bytes, uninitialised; nil when the memory cannot be had. The caller frees the base with `free`.
    static func allocate(_ count: Int) -> UnsafeMutableRawBufferPointer? {
        guard let base = malloc(max(count, 1)) else { return nil }
        return UnsafeMutableRawBufferPointer(start: base, count: count)
    }

    /// `Data` of `count` bytes filled by `fill`, over an `allocate`d buffer (freed with the data, or at once when
    /// `fill` throws). Throws `NPYError.arrayTooLarge` naming `source` when the memory cannot be had.
    static func data(_ count: Int, source: String, fill: (UnsafeMutableRawBufferPointer) throws -> Void) throws -> Data {
        guard let buffer = allocate(count) else { throw NPYError.arrayTooLarge(file: source, bytes: UInt64(count), limit: 0) }
        do {
            try fill(buffer)
        } catch {
            free(buffer.baseAddress)
            throw error
        }
        guard count > 0 else {
            free(buffer.baseAddress)
            return Data()
        }
        return Data(bytesNoCopy: buffer.baseAddress!, count: count, deallocator: .free)
    }
}
