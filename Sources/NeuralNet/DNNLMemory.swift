import CDNNL

/// A oneDNN memory object: a descriptor (shape and layout) and a buffer, either the caller's or one oneDNN
/// allocates and frees with the object.
///
/// With a caller's buffer, the buffer must outlive every use of the memory object; nothing is copied.
final class DNNLMemory {
    let handle: dnnl_memory_t
    private let engine: DNNLEngine

    /// Memory described by `descriptor` over `buffer`, or over a buffer oneDNN allocates when `buffer` is nil. Nil
    /// if oneDNN refuses (an invalid descriptor, or out of memory).
    init?(_ descriptor: dnnl_memory_desc_t, engine: DNNLEngine, buffer: UnsafeMutableRawPointer? = nil) {
        var memory: dnnl_memory_t?
        var descriptor = descriptor
        let status = dnnl_memory_create(&memory, &descriptor, engine.handle, buffer ?? weightbridge_dnnl_memory_allocate())
        guard status == dnnl_success, let memory else { return nil }
        handle = memory
        self.engine = engine
    }

    deinit { dnnl_memory_destroy(handle) }
}
