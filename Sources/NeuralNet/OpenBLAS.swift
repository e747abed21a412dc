import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// OpenBLAS, loaded with `dlopen` when the first matrix product needs it rather than linked into the executable.
///
/// A linked OpenBLAS (Debian's pthread build) runs its constructor in every process before `main`: it starts a thread
/// to warm up its buffers (a 128 MiB NUMA-bound mapping) and waits for it. On the shared 2-core development machine
/// that wait cost every `weightbridge` process 0.1-0.3 s of wall time, in `convert`, `inspect` and `compare` too,
/// which multiply nothing (Docs/architecture.md, issue 15). Loaded here, only work that runs a model pays it.
///
/// The CBLAS calling convention is fixed by the C ABI (`enum CBLAS_ORDER` and `CBLAS_TRANSPOSE` are `int`, and
/// Debian's `libopenblas0` uses 32-bit `blasint`), so the entry points are typed here without the header. A machine
/// without the library stops at the first product with one line naming it, exit status 2 (a linked library missing
/// stopped the process at start instead).
///
/// OpenBLAS runs on one thread: it is loaded with `OPENBLAS_NUM_THREADS=1` (so it starts no threads of its own) and
/// held there, and `Double.gemm` splits big products over the kernels' pool (`ParallelFor`) itself. OpenBLAS' idle
/// threads spin on `sched_yield`, and beside the pool's (which the sparse-input products and the SGD step need, a few
/// thousand times per epoch) the two sets took the cores from each other: the seed MLP's epoch took 0.35 s with
/// OpenBLAS' threads and 0.30-0.31 s without (Docs/architecture.md).
enum OpenBLAS {
    typealias SGEMM =
        @convention(c) (
            Int32, Int32, Int32, Int32, Int32, Int32, Float, UnsafePointer<Float>?, Int32, UnsafePointer<Float>?, Int32, Float,
            UnsafeMutablePointer<Float>?, Int32
        ) -> Void
    typealias DGEMM =
        @convention(c) (
            Int32, Int32, Int32, Int32, Int32, Int32, Double, UnsafePointer<Double>?, Int32, UnsafePointer<Double>?, Int32, Double,
            UnsafeMutablePointer<Double>?, Int32
        ) -> Void
    typealias SGEMV =
        @convention(c) (
            Int32, Int32, Int32, Int32, Float, UnsafePointer<Float>?, Int32, UnsafePointer<Float>?, Int32, Float,
            UnsafeMutablePointer<Float>?, Int32
        ) -> Void
    typealias DGEMV =
        @convention(c) (
            Int32, Int32, Int32, Int32, Double, UnsafePointer<Double>?, Int32, UnsafePointer<Double>?, Int32, Double,
            UnsafeMutablePointer<Double>?, Int32
        ) -> Void
    typealias SetThreads = @convention(c) (Int32) -> Void

    /// `CblasRowMajor`, `CblasNoTrans`, `CblasTrans` (cblas.h).
    static let rowMajor: Int32 = 101
    static func transpose(_ t: Bool) -> Int32 { t ? 112 : 111 }

    /// The names tried in order: Debian's soname (an alternative pointing at the pthread, OpenMP or serial
    /// build), an unversioned name, and macOS' (Homebrew).
    static let libraryNames = [
        "libopenblas.so.0", "libopenblas.so", "libopenblas.dylib", "/opt/homebrew/opt/openblas/lib/libopenblas.dylib",
    ]

    /// The library handle, opened once (Swift's lazy `static let` is thread-safe).
    private static let handle: UnsafeMutableRawPointer = {
        if getenv("OPENBLAS_CORETYPE") == nil, let core = coreTypeForThisCPU() { setenv("OPENBLAS_CORETYPE", core, 0) }
        // Read by OpenBLAS when it loads; a value the user set is kept there, and `openblas_set_num_threads(1)` below lowers it.
        setenv("OPENBLAS_NUM_THREADS", "1", 0)
        var reasons: [String] = []
        for name in libraryNames {
            if let h = dlopen(name, RTLD_NOW | RTLD_LOCAL) {
                if let set = dlsym(h, "openblas_set_num_threads") { unsafeBitCast(set, to: SetThreads.self)(1) }
                return h
            }
            reasons.append(dlerror().map { String(cString: $0) } ?? name)
        }
        stop("cannot load OpenBLAS (\(reasons.joined(separator: "; "))); install libopenblas0 (Debian: apt-get install libopenblas-dev)")
    }()

    /// The kernel to ask OpenBLAS for when the environment names none: `SkylakeX` on a CPU with AVX-512 (F, BW, DQ,
    /// VL), `Haswell` on one with AVX2 and FMA, nil otherwise (OpenBLAS' own detection then decides). OpenBLAS reads
    /// `OPENBLAS_CORETYPE` when it is loaded; Debian's 0.3.21 does not recognise CPUs newer than its release (this
    /// machine's Xeon) and falls back to its generic `Prescott` kernels, which made the float64 MLP epoch 2.8x slower
    /// than with `SkylakeX` (1.96 s against 0.70 s, Docs/architecture.md). A value the user set is never changed.
    static func coreTypeForThisCPU() -> String? {
        #if os(Linux)
            guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
                let line = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") })
            else { return nil }
            let flags = Set(line.split(separator: " ").map(String.init))
            if ["avx512f", "avx512bw", "avx512dq", "avx512vl"].allSatisfy(flags.contains) { return "SkylakeX" }
            if ["avx2", "fma"].allSatisfy(flags.contains) { return "Haswell" }
        #endif
        return nil
    }

    private static func symbol<T>(_ name: String, as type: T.Type) -> T {
        guard let address = dlsym(handle, name) else { stop("OpenBLAS has no symbol \(name)") }
        return unsafeBitCast(address, to: type)
    }

    private static func stop(_ message: String) -> Never {
        FileHandle.standardError.write(Data("weightbridge: \(message)\n".utf8))
        exit(2)
    }

    static let sgemm = symbol("cblas_sgemm", as: SGEMM.self)
    static let dgemm = symbol("cblas_dgemm", as: DGEMM.self)
    static let sgemv = symbol("cblas_sgemv", as: SGEMV.self)
    static let dgemv = symbol("cblas_dgemv", as: DGEMV.self)
}
