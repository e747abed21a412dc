// weightbridge-bench: timings for Docs/benchmarks.md, run by scripts/bench.py side by side with
// NumPy and Keras on the same machine. Not a test: nothing here asserts a time.
// Each subcommand prints one JSON object: {"name": ..., "seconds": best-of-runs, ...}.
import Foundation
import WeightBridge

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

func best(_ runs: Int, _ body: () throws -> Void) rethrows -> Double {
    var b = Double.infinity
    for _ in 0..<runs { b = min(b, try seconds(body)) }
    return b
}

func emit(_ name: String, _ secs: Double, _ extra: [String: Any] = [:]) {
    var object = extra
    object["name"] = name
    object["seconds"] = secs
    let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    print(String(decoding: data, as: UTF8.self))
}

let args = Array(CommandLine.arguments.dropFirst())
guard let command = args.first else {
    print(
        "usage: weightbridge-bench npz-read FILE | npz-write DIR MB | h5-load FILE | cnn-predict H5 MNIST | cnn-train-epoch MNIST | mlp-train-epoch MNIST | sgemm-peak"
    )
    exit(2)
}
do {
    switch command {
    case "npz-read":
        let url = URL(fileURLWithPath: args[1])
        var bytes = 0
        let t = try best(3) {
            let archive = try NPZArchive(url: url, limits: ResourceLimits(maxArrayBytes: 8 << 30, maxTotalBytes: 64 << 30))
            bytes = 0
            for name in archive.names { bytes += try archive.array(name).byteCount }
        }
        emit("npz-read \(url.lastPathComponent)", t, ["bytes": bytes])
    case "npz-write":
        let dir = URL(fileURLWithPath: args[1])
        let megabytes = Int(args[2]) ?? 1024
        let members = 4
        let perMember = megabytes * (1 << 20) / 4 / members
        var g = SystemRandomNumberGenerator()
        let arrays = (0..<members).map { i -> (name: String, array: NPYArray) in
            let values = (0..<perMember).map { _ in Float.random(in: -1...1, using: &g) }
            return ("w\(i)", NPYArray(shape: [perMember], float32: values))
        }
        for compressed in [false, true] {
            let out = dir.appendingPathComponent(compressed ? "swift_deflated.npz" : "swift_stored.npz")
            let t = try best(compressed ? 1 : 2) { try NPZWriter.write(arrays, to: out, compressed: compressed) }
            emit("npz-write \(compressed ? "deflated" : "stored")", t, ["bytes": megabytes << 20])
        }
    case "h5-load":
        let url = URL(fileURLWithPath: args[1])
        let read = try best(5) { _ = try KerasModelFile.read(url) }
        emit("h5-read-weights", read)
        let load = try best(5) { _ = try ModelFile.load(url) }
        emit("h5-load-model", load)
        // As the weightbridge command loads it: libhdf5 in a child process (`weightbridge _read-h5`, built beside this).
        let cli = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("weightbridge")
        let child = ModelFile.ImportOptions(isolation: .childProcess(KerasChildReader(executable: cli, arguments: ["_read-h5"])))
        let isolated = try best(5) { _ = try ModelFile.load(url, options: child) }
        emit("h5-load-model-isolated", isolated)
    case "cnn-predict":
        let model = try ModelFile.load(URL(fileURLWithPath: args[1])).model
        let test = try MNISTDataset.load(directory: URL(fileURLWithPath: args[2])).test
        let x = NPYArray(shape: [test.count] + model.inputShape, float32: test.pixelsFloat32())
        let t = try best(3) { _ = try model.predict(x, batchSize: 500) }
        emit("cnn-predict-10000", t)
    case "sgemm-peak":
        // One 4096^3 float32 product through `Float.gemm` (oneDNN's sgemm, all its threads): the practical ceiling
        // for the GEMMs training is made of.
        let n = 4096
        let a = (0..<n * n).map { Float($0 % 17) / 17 }
        let b = (0..<n * n).map { Float($0 % 13) / 13 }
        var c = [Float](repeating: 0, count: n * n)
        let product = {
            c.withUnsafeMutableBufferPointer { cp in
                Float.gemm(
                    transposeA: false, transposeB: false, m: n, n: n, k: n, alpha: 1, a: a, lda: n, b: b, ldb: n,
                    beta: 0, c: cp.baseAddress!, ldc: n)
            }
        }
        product()
        let t = best(3, product)
        emit("sgemm-4096", t, ["gflops": 2 * Double(n * n) * Double(n) / t / 1e9])
    case "cnn-train-epoch", "mlp-train-epoch":
        let data = try MNISTDataset.load(directory: URL(fileURLWithPath: args[1]))
        var reports: [EpochReport] = []
        if command == "cnn-train-epoch" {
            let fit = data.train.subset(Array(0..<54000))
            let model = try Sequential<Float>(inputShape: [28, 28, 1], layers: SeedArchitecture.cnn)
            model.initialize(seed: 1, kernel: .glorotUniform)
            let x = Tensor<Float>(shape: [fit.count, 28, 28, 1], scalars: fit.pixelsFloat32())
            let t = try seconds {
                reports = try model.fit(
                    x: x, labels: fit.labels.map(Int.init), validation: nil, optimizer: Adam(learningRate: 0.001),
                    config: TrainingConfig(epochs: 1, batchSize: 128, seed: 1),
                    onBatch: { _ in }, onEpoch: { _ in }, shouldStop: { false })
            }
            emit("cnn-train-epoch", t, ["accuracy": reports.last?.accuracy ?? 0])
        } else {
            let train = data.openMLOrder.subset(SeedMLPSplit.indices().train)
            let model = try Sequential<Double>(
                inputShape: [784],
                layers: [
                    .dense(units: 128, activation: .relu, useBias: true), .dense(units: 64, activation: .relu, useBias: true),
                    .dense(units: 10, activation: .softmax, useBias: true),
                ])
            model.initialize(seed: 1, kernel: .heNormal)
            let x = Tensor<Double>(shape: [train.count, 784], scalars: train.pixelsFloat64FromFloat32())
            // Best of three consecutive epochs (each under a second, so one run is at the mercy of the scheduler).
            let t = try best(3) {
                reports = try model.fit(
                    x: x, labels: train.labels.map(Int.init), validation: nil, optimizer: SGD(learningRate: 0.01),
                    config: TrainingConfig(epochs: 1, batchSize: 64, seed: 1),
                    onBatch: { _ in }, onEpoch: { _ in }, shouldStop: { false })
            }
            emit("mlp-train-epoch", t, ["accuracy": reports.last?.accuracy ?? 0])
        }
    default:
        print("unknown benchmark \(command)")
        exit(2)
    }
} catch {
    FileHandle.standardError.write(Data("weightbridge-bench: \((error as? LocalizedError)?.errorDescription ?? "\(error)")\n".utf8))
    exit(2)
}
