import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Memory for an array's data that a reader fills (a stored member, an inflated member, a `.npy` file's data).
///
/// From `hugePageThreshold` up, the buffer is aligned to 2 MiB and the kernel is asked for transparent huge pages
/// (`madvise(MADV_HUGEPAGE)`), as NumPy does for every array of 4 MiB or more on Linux: filling 512 MiB then takes
/// 256 page faults instead of 131,072, and giving it back is as quick. Where the kernel's setting is `never`, or off
/// Linux, it is ordinary memory. Freed with `free`.
enum ArrayBuffer {
    /// NumPy's threshold for asking for huge pages (4 MiB, `numpy/_core/src/multiarray/alloc.c`).
    static let hugePageThreshold = 4 << 20
    private static let hugePage = 2 << 20

    /// `count` bytes, uninitialised; nil when the memory cannot be had. The caller frees the base with `free`.
    static func allocate(_ count: Int) -> UnsafeMutableRawBufferPointer? {
        guard count >= hugePageThreshold else {
            guard let base = malloc(max(count, 1)) else { return nil }
            return UnsafeMutableRawBufferPointer(start: base, count: count)
        }
        var base: UnsafeMutableRawPointer?
        guard posix_memalign(&base, hugePage, count) == 0, let base else { return nil }
        #if os(Linux)
            _ = madvise(base, count - count % hugePage, 14)  // MADV_HUGEPAGE; advice only, failure changes nothing
        #endif
        return UnsafeMutableRawBufferPointer(start: base, count: count)
    }

    /// `Data` of `count` bytes filled by `fill`, over an `allocate`d buffer (freed with the data, or at once when
    /// `fill` throws). Throws `NPYError.arrayTooLarge` naming `source` when the memory cannot be had.
    static func data(_ count: Int, source: String, fill: (UnsafeMutableRawBufferPointer) throws -> Void) throws -> Data {
        guard let buffer = allocate(count) else { throw NPYError.arrayTooLarge(source: source, bytes: UInt64(count), limit: 0) }
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
