import CDNNL

/// oneDNN's CPU engine, which every oneDNN primitive and memory of the process is created on.
///
/// Created once, on first use; `shared` is nil when oneDNN cannot create a CPU engine, and the layers then keep to
/// their own im2col + GEMM paths.
final class DNNLEngine: @unchecked Sendable {
    /// The process' engine (immutable once created, so the threads share it).
    static let shared: DNNLEngine? = DNNLEngine()

    let handle: dnnl_engine_t

    private init?() {
        var engine: dnnl_engine_t?
        guard dnnl_engine_create(&engine, dnnl_cpu, 0) == dnnl_success, let engine else { return nil }
        handle = engine
    }

    deinit { dnnl_engine_destroy(handle) }
}
