// swift-tools-version:5.9
import PackageDescription

// The targets are the layers of the architecture (see Docs/architecture.md):
//   formats:  NumPyFormat -> SafeTensorsFormat, NumPyFormat + HDF5 -> KerasFormat   (know nothing about models)
//   vocabulary: ModelSpec                            (layer kinds, shape rules, graphs; used by both sides)
//   models:   NeuralNet                              (knows nothing about files)
//   bridge:   Bridge                                 (Keras configs/weights <-> NeuralNet)
//   top:      MNIST, Evaluation, WeightBridge (umbrella), weightbridge (CLI)
let package = Package(
    name: "WeightBridge",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "WeightBridge", targets: ["WeightBridge"]),
        .executable(name: "weightbridge", targets: ["WeightBridgeCLI"]),
        .executable(name: "weightbridge-bench", targets: ["WeightBridgeBench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", exact: "6.2.2"),
        // `swift package generate-documentation --target WeightBridge` (DocC). A command plugin: built only when
        // that command runs, never by `swift build` or `swift test`.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", exact: "1.5.0"),
    ],
    targets: [
        // C libraries, through pkg-config. Shim headers wrap macros Swift cannot import.
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5", providers: [.apt(["libhdf5-dev"])]),
        // float32 GEMM from oneDNN, which picks AVX-512/AVX2/SSE4.1 kernels from the CPU (Docs/architecture.md says why).
        .systemLibrary(name: "CDNNL", providers: [.apt(["libdnnl-dev"])]),
        .systemLibrary(name: "CGzip", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // Whole-buffer DEFLATE and CRC-32 for ZIP members (.npz, .keras): several times faster than zlib.
        .systemLibrary(name: "CDeflate", pkgConfig: "libdeflate", providers: [.apt(["libdeflate-dev"])]),
        // SHA-256 of downloaded MNIST files, from the system's OpenSSL (no BoringSSL compiled into consumers).
        .systemLibrary(name: "CLibCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),

        // Shared file-safety primitives: atomic writes, resource limits.
        .target(name: "SafeIO"),

        // File formats.
        .target(name: "NumPyFormat", dependencies: ["SafeIO", "CGzip", "CDeflate"]),
        // Hugging Face .safetensors: its own format beside NumPy, whose array model it maps onto.
        .target(name: "SafeTensorsFormat", dependencies: ["SafeIO", "NumPyFormat"]),
        .target(name: "HDF5", dependencies: ["CHDF5", "SafeIO"]),
        .target(
            name: "KerasFormat", dependencies: ["HDF5", "SafeIO", "NumPyFormat", "ModelSpec", .product(name: "Yams", package: "Yams")]),

        // The model vocabulary: layer kinds, their shape rules, model graphs (knows nothing of files or kernels;
        // SafeIO only for the error convention, `WeightBridgeError`).
        .target(name: "ModelSpec", dependencies: ["SafeIO"]),

        // Models: tensors, layers, training, BLAS.
        // OpenBLAS is loaded at the first matrix product (`OpenBLAS.swift`), not linked: its constructor would cost every
        // process a thread start, `convert` and `inspect` included.
        .target(name: "NeuralNet", dependencies: ["ModelSpec", "SafeIO", "CDNNL", "CKernels"]),
        // Our own C kernels, each compiled for AVX2 (and FMA) and for baseline x86-64 in one binary, chosen at each call
        // by the CPU's features (`kernel_dispatch.h`; Swift has no per-function target): Winograd (with its fused max-pool),
        // one-channel convolution, float64 products over a batch's nonzero inputs; and the small thread pool they share
        // (`parallel_for.h`).
        .target(name: "CKernels"),

        // Bridge: Keras configs and weight layouts onto NeuralNet models, and back.
        .target(name: "Bridge", dependencies: ["SafeIO", "NumPyFormat", "KerasFormat", "NeuralNet"]),

        // Data and evaluation.
        .target(name: "MNIST", dependencies: ["CGzip", "CLibCrypto", "NumPyFormat", "SafeIO"]),
        .target(name: "Evaluation", dependencies: ["SafeIO"]),

        // Umbrella library and the command-line tool.
        .target(
            name: "WeightBridge",
            dependencies: [
                "SafeIO", "NumPyFormat", "SafeTensorsFormat", "HDF5", "KerasFormat", "ModelSpec", "NeuralNet", "Bridge", "MNIST",
                "Evaluation",
                // Verification manifests (YAML, or JSON read as YAML so figures keep their written digits).
                .product(name: "Yams", package: "Yams"),
            ],
            // The seed's reported figures compiled into the binary (a link to Fixtures/seed/reported.json, the one
            // copy), so an installed `weightbridge verify` works without its clone.
            resources: [.embedInCode("Resources/seed-reported.json")]),
        .executableTarget(
            name: "WeightBridgeCLI", dependencies: ["WeightBridge", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        // Timings for Docs/benchmarks.md (scripts/bench.py runs it beside NumPy and Keras).
        .executableTarget(name: "WeightBridgeBench", dependencies: ["WeightBridge"]),

        // Tests.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "SafeIOTests", dependencies: ["SafeIO", "TestSupport"]),
        .testTarget(name: "NumPyFormatTests", dependencies: ["NumPyFormat", "TestSupport"]),
        .testTarget(name: "SafeTensorsFormatTests", dependencies: ["SafeTensorsFormat", "NumPyFormat", "TestSupport"]),
        .testTarget(name: "HDF5Tests", dependencies: ["HDF5", "TestSupport"]),
        .testTarget(name: "KerasFormatTests", dependencies: ["KerasFormat", "NumPyFormat", "SafeIO", "TestSupport"]),
        .testTarget(name: "ModelSpecTests", dependencies: ["ModelSpec", "TestSupport"]),
        .testTarget(name: "NeuralNetTests", dependencies: ["NeuralNet", "CKernels", "TestSupport"]),
        .testTarget(name: "BridgeTests", dependencies: ["Bridge", "NumPyFormat", "KerasFormat", "NeuralNet", "TestSupport"]),
        .testTarget(name: "MNISTTests", dependencies: ["MNIST", "TestSupport"]),
        .testTarget(name: "EvaluationTests", dependencies: ["Evaluation", "TestSupport"]),
        .testTarget(name: "WeightBridgeTests", dependencies: ["WeightBridge", "TestSupport"]),
        // The listings of Docs/training-api.md and the DocC articles, run as written.
        .testTarget(name: "DocumentationTests", dependencies: ["WeightBridge", "TestSupport"]),
        .testTarget(name: "CLITests", dependencies: ["KerasFormat", "SafeIO", "SafeTensorsFormat", "TestSupport"]),
    ]
)
