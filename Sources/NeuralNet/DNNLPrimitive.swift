import CDNNL

/// A oneDNN primitive (a convolution, or a reorder between two layouts) with its primitive descriptor, which
/// says which implementation oneDNN chose and which memory layouts and scratchpad that implementation wants.
///
/// Immutable once created: several threads may execute it at once, each with its own stream and memories (its
/// primitive attributes ask for a caller-provided scratchpad, so executions share no buffer).
final class DNNLPrimitive: @unchecked Sendable {
    let descriptor: dnnl_primitive_desc_t
    let handle: dnnl_primitive_t

    /// Takes ownership of `descriptor` (destroyed here if the primitive cannot be created). Nil if oneDNN refuses.
    private init?(owning descriptor: dnnl_primitive_desc_t) {
        var primitive: dnnl_primitive_t?
        guard dnnl_primitive_create(&primitive, descriptor) == dnnl_success, let primitive else {
            dnnl_primitive_desc_destroy(descriptor)
            return nil
        }
        self.descriptor = descriptor
        handle = primitive
    }

    deinit {
        dnnl_primitive_destroy(handle)
        dnnl_primitive_desc_destroy(descriptor)
    }

    /// The primitive for `operation` (a convolution descriptor, say) as oneDNN's first implementation for it on
    /// `engine`, with a caller-provided scratchpad. Nil if oneDNN has no implementation for it.
    convenience init?(operation: UnsafeRawPointer, engine: DNNLEngine) {
        guard let attributes = DNNLPrimitive.userScratchpadAttributes() else { return nil }
        defer { dnnl_primitive_attr_destroy(attributes) }
        var descriptor: dnnl_primitive_desc_t?
        guard dnnl_primitive_desc_create(&descriptor, operation, attributes, engine.handle, nil) == dnnl_success,
            let descriptor
        else { return nil }
        self.init(owning: descriptor)
    }

    /// A reorder (layout conversion) from `source` to `destination`, nil if oneDNN has none.
    convenience init?(reorderFrom source: dnnl_memory_desc_t, to destination: dnnl_memory_desc_t, engine: DNNLEngine) {
        guard let attributes = DNNLPrimitive.userScratchpadAttributes() else { return nil }
        defer { dnnl_primitive_attr_destroy(attributes) }
        var (source, destination) = (source, destination)
        var descriptor: dnnl_primitive_desc_t?
        guard
            dnnl_reorder_primitive_desc_create(&descriptor, &source, engine.handle, &destination, engine.handle, attributes)
                == dnnl_success, let descriptor
        else { return nil }
        self.init(owning: descriptor)
    }

    private static func userScratchpadAttributes() -> dnnl_primitive_attr_t? {
        var attributes: dnnl_primitive_attr_t?
        guard dnnl_primitive_attr_create(&attributes) == dnnl_success, let attributes else { return nil }
        guard dnnl_primitive_attr_set_scratchpad_mode(attributes, dnnl_scratchpad_mode_user) == dnnl_success else {
            dnnl_primitive_attr_destroy(attributes)
            return nil
        }
        return attributes
    }

    /// The name of the implementation oneDNN chose, e.g. `jit:avx512_core`, `brgconv:avx2` or `ref:any`.
    var implementation: String {
        var name: UnsafePointer<CChar>?
        guard dnnl_primitive_desc_query(descriptor, dnnl_query_impl_info_str, 0, &name) == dnnl_success, let name else {
            return ""
        }
        return String(cString: name)
    }

    /// The memory descriptor the primitive wants for `what` (`dnnl_query_src_md`, `dnnl_query_weights_md`, ...).
    func memoryDescriptor(_ what: dnnl_query_t) -> dnnl_memory_desc_t? {
        dnnl_primitive_desc_query_md(descriptor, what, 0)?.pointee
    }

    /// Runs the primitive on `stream` with `arguments`, adding a scratchpad of the size it asks for; false if
    /// oneDNN refused.
    func execute(on stream: DNNLStream, engine: DNNLEngine, _ arguments: [(Int32, DNNLMemory)]) -> Bool {
        var arguments = arguments
        if let scratchpad = memoryDescriptor(dnnl_query_scratchpad_md),
            withUnsafePointer(to: scratchpad, { dnnl_memory_desc_get_size($0) }) > 0
        {
            guard let memory = DNNLMemory(scratchpad, engine: engine) else { return false }
            arguments.append((weightbridge_dnnl_arg_scratchpad(), memory))
        }
        return stream.execute(self, arguments)
    }
}
