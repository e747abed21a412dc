import CDNNL

/// A oneDNN execution stream on `DNNLEngine`, used by one thread for one sequence of primitives.
///
/// oneDNN streams are not meant to be shared between threads, and a CPU stream is cheap to make, so each call that
/// runs primitives makes its own. `execute` waits for the primitive to finish.
final class DNNLStream {
    let handle: dnnl_stream_t
    private let engine: DNNLEngine

    init?(engine: DNNLEngine) {
        var stream: dnnl_stream_t?
        guard dnnl_stream_create(&stream, engine.handle, dnnl_stream_default_flags.rawValue) == dnnl_success, let stream else {
            return nil
        }
        handle = stream
        self.engine = engine
    }

    deinit { dnnl_stream_destroy(handle) }

    /// Runs `primitive` on `arguments` (oneDNN argument index, memory) and waits for it; false if oneDNN refused.
    func execute(_ primitive: DNNLPrimitive, _ arguments: [(Int32, DNNLMemory)]) -> Bool {
        var arguments = arguments.map { dnnl_exec_arg_t(arg: $0.0, memory: $0.1.handle) }
        let status = arguments.withUnsafeMutableBufferPointer {
            dnnl_primitive_execute(primitive.handle, handle, Int32($0.count), $0.baseAddress)
        }
        return status == dnnl_success && dnnl_stream_wait(handle) == dnnl_success
    }
}
