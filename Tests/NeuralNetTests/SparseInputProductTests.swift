import CKernels
import Foundation
import NeuralNet
import TestSupport
import XCTest

/// Float64 `Dense` layers whose batch is mostly zeros (MNIST pixels) multiply over the nonzero inputs only
/// (`sparse_input_product.h`), split their units over the kernels' thread pool (`parallel_for.h`), and under plain SGD
/// in `fit` take the kernel's step inside the backward pass. These tests pin what each promises: every output is one
/// chain of multiply-adds in a fixed order (so any split of the units gives the same bits), the fused SGD step is bit
/// for bit the gradient followed by `SGD.update`, and the pool runs every part once, nested or concurrent calls
/// included.
final class SparseInputProductTests: XCTestCase {
    // Bit-for-bit checks of whole arrays: the first difference says what broke, thousands more would not.
    override func setUp() { continueAfterFailure = false }

    /// A (rows, inputs) batch with about `density` of its values nonzero, whole columns zero among them.
    private func sparseBatch(rows: Int, inputs: Int, density: Double, generator: inout SeededGenerator) -> [Double] {
        let zeroColumns = Set((0..<inputs).filter { _ in Double.random(in: 0..<1, using: &generator) < 0.3 })
        return (0..<(rows * inputs)).map { i in
            zeroColumns.contains(i % inputs) || Double.random(in: 0..<1, using: &generator) >= density
                ? 0 : Double.random(in: -1...1, using: &generator)
        }
    }

    private func uniform(_ count: Int, _ generator: inout SeededGenerator) -> [Double] {
        (0..<count).map { _ in Double.random(in: -1...1, using: &generator) }
    }

    /// `a * b + c` as the kernels compute it: one rounding with FMA (AVX2), two without (baseline).
    private func multiplyAdd(_ a: Double, _ b: Double, _ c: Double, fused: Bool) -> Double {
        fused ? c.addingProduct(a, b) : c + a * b
    }

    /// Where two arrays first differ in their bits (a short message, not two whole arrays), or nil.
    private func firstBitDifference(_ a: [Double], _ b: [Double]) -> String? {
        guard a.count == b.count else { return "\(a.count) values against \(b.count)" }
        guard let i = a.indices.first(where: { a[$0].bitPattern != b[$0].bitPattern }) else { return nil }
        return "index \(i): \(a[i]) against \(b[i])"
    }

    private struct Shape {
        let rows: Int, inputs: Int, units: Int
    }

    /// Batches of one and of two 64-row blocks, odd input counts (a last column without a pair), and unit counts
    /// that leave every kind of remainder after 32- and 16-unit strips (4-unit lanes, single units).
    private let shapes = [
        Shape(rows: 64, inputs: 784, units: 128), Shape(rows: 70, inputs: 33, units: 37), Shape(rows: 1, inputs: 5, units: 3),
        Shape(rows: 129, inputs: 40, units: 21), Shape(rows: 9, inputs: 17, units: 16),
    ]

    func testProductAndKernelGradientAreMultiplyAddChainsOverTheNonzerosInOrderOnBothKernelVersions() {
        for baseline in [false, true] {
            weightbridge_kernels_force_baseline(baseline ? 1 : 0)
            defer { weightbridge_kernels_force_baseline(0) }
            let fused = weightbridge_kernels_use_avx2_fma() != 0
            for (index, shape) in shapes.enumerated() {
                var generator = SeededGenerator(seed: UInt64(index + 1))
                let (rows, inputs, units) = (shape.rows, shape.inputs, shape.units)
                let x = sparseBatch(rows: rows, inputs: inputs, density: 0.2, generator: &generator)
                let w = uniform(inputs * units, &generator)
                let d = uniform(rows * units, &generator)
                var masks = [UInt64](repeating: 0, count: inputs * ((rows + 63) / 64))
                let entries = weightbridge_sparse_masks(x, rows, inputs, &masks)
                XCTAssertEqual(entries, x.filter { $0 != 0 }.count, "\(shape)")
                var scratch = [Double](repeating: 0, count: 32 * rows)
                // The whole unit range at once, and split at a 16-unit boundary as the pool splits it.
                var y = [Double](repeating: .nan, count: rows * units)
                var ySplit = y
                var dw = [Double](repeating: .nan, count: inputs * units)
                var dwSplit = dw
                weightbridge_sparse_input_product(x, masks, rows, inputs, w, units, 0, units, &y, &scratch)
                weightbridge_sparse_input_kernel_gradient(x, masks, rows, inputs, d, units, 0, units, &dw, &scratch)
                let cut = min(16, units)
                for range in [0..<cut, cut..<units] where !range.isEmpty {
                    weightbridge_sparse_input_product(
                        x, masks, rows, inputs, w, units, range.lowerBound, range.upperBound, &ySplit, &scratch)
                    weightbridge_sparse_input_kernel_gradient(
                        x, masks, rows, inputs, d, units, range.lowerBound, range.upperBound, &dwSplit, &scratch)
                }
                for r in 0..<rows {
                    for u in 0..<units {
                        var sum = 0.0
                        for j in 0..<inputs where x[r * inputs + j] != 0 {
                            sum = multiplyAdd(x[r * inputs + j], w[j * units + u], sum, fused: fused)
                        }
                        // `==`: the product may add a zero times a weight, which turns a -0 sum into +0 and nothing else.
                        XCTAssertEqual(y[r * units + u], sum, "\(shape) baseline \(baseline): y[\(r), \(u)]")
                        XCTAssertEqual(ySplit[r * units + u].bitPattern, y[r * units + u].bitPattern, "\(shape): split y[\(r), \(u)]")
                    }
                }
                for j in 0..<inputs {
                    for u in 0..<units {
                        var sum = 0.0
                        for r in 0..<rows where x[r * inputs + j] != 0 {
                            sum = multiplyAdd(x[r * inputs + j], d[r * units + u], sum, fused: fused)
                        }
                        XCTAssertEqual(dw[j * units + u].bitPattern, sum.bitPattern, "\(shape) baseline \(baseline): dw[\(j), \(u)]")
                        XCTAssertEqual(dwSplit[j * units + u].bitPattern, sum.bitPattern, "\(shape): split dw[\(j), \(u)]")
                    }
                }
            }
        }
    }

    func testFusedSGDStepEqualsTheGradientThenSGDUpdateBitForBitAndLeavesZeroColumnsUntouched() {
        for baseline in [false, true] {
            weightbridge_kernels_force_baseline(baseline ? 1 : 0)
            defer { weightbridge_kernels_force_baseline(0) }
            for (index, shape) in shapes.enumerated() {
                var generator = SeededGenerator(seed: UInt64(50 + index))
                let (rows, inputs, units) = (shape.rows, shape.inputs, shape.units)
                let x = sparseBatch(rows: rows, inputs: inputs, density: 0.2, generator: &generator)
                var w = uniform(inputs * units, &generator)
                w[0] = -0.0  // A negative zero weight in a column that may be zero: it keeps its sign either way.
                let d = uniform(rows * units, &generator)
                var masks = [UInt64](repeating: 0, count: inputs * ((rows + 63) / 64))
                _ = weightbridge_sparse_masks(x, rows, inputs, &masks)
                var scratch = [Double](repeating: 0, count: 32 * rows)
                let rate = 0.037
                var dw = [Double](repeating: 0, count: inputs * units)
                weightbridge_sparse_input_kernel_gradient(x, masks, rows, inputs, d, units, 0, units, &dw, &scratch)
                var expected = w
                SGD(learningRate: rate).update(&expected, gradient: dw, slot: 0)
                var stepped = w
                let cut = min(16, units)
                for range in [0..<cut, cut..<units] where !range.isEmpty {
                    weightbridge_sparse_input_sgd_step(
                        x, masks, rows, inputs, d, units, range.lowerBound, range.upperBound, &stepped, rate, &scratch)
                }
                XCTAssertNil(firstBitDifference(stepped, expected), "\(shape) baseline \(baseline)")
                let zeroColumns = (0..<inputs).filter { j in (0..<rows).allSatisfy { x[$0 * inputs + j] == 0 } }
                XCTAssertFalse(zeroColumns.isEmpty, "\(shape): the batch has zero columns")
                for j in zeroColumns {
                    XCTAssertNil(
                        firstBitDifference(Array(stepped[(j * units)..<((j + 1) * units)]), Array(w[(j * units)..<((j + 1) * units)])),
                        "\(shape): column \(j) untouched")
                }
                XCTAssertNotEqual(stepped, w, "\(shape): the step changed the kernel")
            }
        }
    }

    /// `fit` with plain SGD steps the first layer's kernel in its backward pass (the batch is MNIST-like: most pixels
    /// zero); the same batches through `gradients` and `apply`, which store every gradient, must end on the same
    /// weights bit for bit, every layer.
    func testFitWithSGDEndsOnTheWeightsOfGradientsThenApplyBitForBit() throws {
        var generator = SeededGenerator(seed: 7)
        let (n, inputs, batch) = (640, 196, 64)
        let x = sparseBatch(rows: n, inputs: inputs, density: 0.2, generator: &generator)
        let labels = (0..<n).map { _ in Int.random(in: 0..<10, using: &generator) }
        let layers: [LayerSpec] = [
            .dense(units: 48, activation: .relu, useBias: true), .dense(units: 24, activation: .relu, useBias: true),
            .dense(units: 10, activation: .softmax, useBias: true),
        ]
        let fitted = try Sequential<Double>(inputShape: [inputs], layers: layers)
        fitted.initialize(seed: 3, kernel: .heNormal)
        let stepped = try Sequential<Double>(inputShape: [inputs], layers: layers)
        stepped.initialize(seed: 3, kernel: .heNormal)
        let optimizer = SGD(learningRate: 0.05)
        let initialKernel = fitted.weights(layer: 0)[0].scalars
        try fitted.fit(
            x: Tensor(shape: [n, inputs], scalars: x), labels: labels, optimizer: optimizer,
            config: TrainingConfig(epochs: 2, batchSize: batch, seed: 1, shuffle: false))
        var dropout = SeededGenerator(seed: 0)
        for _ in 0..<2 {
            for start in stride(from: 0, to: n, by: batch) {
                let rows = start..<min(start + batch, n)
                let result = stepped.gradients(
                    x: Tensor(shape: [rows.count, inputs], scalars: Array(x[(rows.lowerBound * inputs)..<(rows.upperBound * inputs)])),
                    labels: Array(labels[rows]), generator: &dropout)
                stepped.apply(result.weights, optimizer: optimizer)
            }
        }
        for layer in 0..<3 {
            for (index, (a, b)) in zip(fitted.weights(layer: layer), stepped.weights(layer: layer)).enumerated() {
                XCTAssertNil(firstBitDifference(a.scalars, b.scalars), "layer \(layer), weight \(index)")
            }
        }
        XCTAssertNotEqual(fitted.weights(layer: 0)[0].scalars, initialKernel, "training moved the first kernel")
    }

    /// The seed's own training loop in NumPy (float64, batches of 64, softmax with `(a3 - y) / m`, `W -= 0.01 * dW`) on
    /// 1,280 real MNIST rows, against `fit` with `SGD` from the same weights: the first layer runs the sparse-input
    /// product and the fused step (MNIST batches are about 19% nonzero), the others OpenBLAS split over the pool. Both
    /// must end one epoch on NumPy's weights to summation-order rounding.
    func testFitWithSGDEndsOnTheWeightsOfTheSeedsNumPyLoopOnRealMNISTRows() throws {
        let directory = TemporaryDirectory()
        let images = FixturePaths.fixture("mnist/train-images-idx3-ubyte.gz").path
        let labelsFile = FixturePaths.fixture("mnist/train-labels-idx1-ubyte.gz").path
        _ = try runPython(
            """
            import gzip, sys, numpy as np
            images, labels, out = sys.argv[1:4]
            n = 1280
            x = np.frombuffer(gzip.open(images).read(), np.uint8, offset=16)[:n * 784].reshape(n, 784).astype(np.float32) / 255.0
            y = np.frombuffer(gzip.open(labels).read(), np.uint8, offset=8)[:n]
            rng = np.random.default_rng(5)
            shapes = [(784, 128), (128,), (128, 64), (64,), (64, 10), (10,)]
            ws = [rng.standard_normal(s) * 0.05 for s in shapes]
            for i, w in enumerate(ws): w.astype("<f8").tofile(f"{out}/w{i}.start")
            x.astype("<f8").tofile(f"{out}/x")
            y.astype("<i8").tofile(f"{out}/y")
            W1, b1, W2, b2, W3, b3 = ws
            onehot = np.eye(10)[y]
            for i in range(0, n, 64):
                xb, yb = x[i:i + 64], onehot[i:i + 64]
                z1 = xb @ W1 + b1; a1 = np.maximum(0, z1); z2 = a1 @ W2 + b2; a2 = np.maximum(0, z2); z3 = a2 @ W3 + b3
                e = np.exp(z3 - z3.max(1, keepdims=True)); a3 = e / e.sum(1, keepdims=True)
                d3 = (a3 - yb) / len(xb)
                dW3 = a2.T @ d3; db3 = d3.sum(0); d2 = (d3 @ W3.T) * (z2 > 0)
                dW2 = a1.T @ d2; db2 = d2.sum(0); d1 = (d2 @ W2.T) * (z1 > 0)
                dW1 = xb.T @ d1; db1 = d1.sum(0)
                W1 -= 0.01 * dW1; b1 -= 0.01 * db1; W2 -= 0.01 * dW2; b2 -= 0.01 * db2; W3 -= 0.01 * dW3; b3 -= 0.01 * db3
            for i, w in enumerate(ws): w.astype("<f8").tofile(f"{out}/w{i}.end")
            """, args: [images, labelsFile, directory.url.path])
        func doubles(_ name: String) throws -> [Double] {
            let data = try Data(contentsOf: directory.file(name))
            return data.withUnsafeBytes { Array($0.bindMemory(to: Double.self)) }
        }
        let x = try doubles("x")
        let labels = try Data(contentsOf: directory.file("y")).withUnsafeBytes { $0.bindMemory(to: Int64.self).map(Int.init) }
        XCTAssertEqual(x.count, 1280 * 784)
        XCTAssertLessThan(Double(x.filter { $0 != 0 }.count) / Double(x.count), 1.0 / 3.0, "sparse enough for the sparse path")
        let model = try Sequential<Double>(
            inputShape: [784],
            layers: [
                .dense(units: 128, activation: .relu, useBias: true), .dense(units: 64, activation: .relu, useBias: true),
                .dense(units: 10, activation: .softmax, useBias: true),
            ])
        let shapes = [[784, 128], [128], [128, 64], [64], [64, 10], [10]]
        for layer in 0..<3 {
            try model.setWeights(
                layer: layer,
                try (0..<2).map { Tensor(shape: shapes[2 * layer + $0], scalars: try doubles("w\(2 * layer + $0).start")) })
        }
        try model.fit(
            x: Tensor(shape: [1280, 784], scalars: x), labels: labels, optimizer: SGD(learningRate: 0.01),
            config: TrainingConfig(epochs: 1, batchSize: 64, shuffle: false))
        for layer in 0..<3 {
            for (index, weight) in model.weights(layer: layer).enumerated() {
                let start = try doubles("w\(2 * layer + index).start")
                let expected = try doubles("w\(2 * layer + index).end")
                let moved = zip(start, expected).map { abs($0 - $1) }.max() ?? 0
                let worst = zip(weight.scalars, expected).map { abs($0 - $1) }.max() ?? .infinity
                XCTAssertGreaterThan(moved, 1e-5, "layer \(layer) weight \(index): NumPy's loop moved it")
                XCTAssertLessThan(worst, 1e-12, "layer \(layer) weight \(index): \(worst) from NumPy, which moved it by \(moved)")
            }
        }
    }

    /// A NaN input is not zero: it reaches its row's outputs and no other row's; and sparse batches (the kernels) and
    /// dense ones (OpenBLAS' product) both give a plain float64 sum's values to rounding.
    func testNaNInputsReachTheirRowAndSparseAndDenseBatchesAgreeWithAPlainSum() throws {
        let model = try Sequential<Double>(inputShape: [40], layers: [.dense(units: 20, activation: .linear, useBias: false)])
        var generator = SeededGenerator(seed: 11)
        let kernel = uniform(40 * 20, &generator)
        try model.setWeights(layer: 0, [Tensor(shape: [40, 20], scalars: kernel)])
        var x = sparseBatch(rows: 8, inputs: 40, density: 0.15, generator: &generator)
        x[3 * 40 + 5] = .nan
        let withNaN = model.predict(Tensor(shape: [8, 40], scalars: x)).scalars
        XCTAssertTrue((0..<20).allSatisfy { withNaN[3 * 20 + $0].isNaN }, "the NaN input's row is NaN")
        XCTAssertTrue(withNaN[0..<60].allSatisfy(\.isFinite) && withNaN[80...].allSatisfy(\.isFinite), "other rows are not")
        // Dense inputs (no zeros) take OpenBLAS' product; both agree with a plain float64 sum to rounding.
        for density in [0.1, 1.0] {
            let batch = sparseBatch(rows: 16, inputs: 40, density: density, generator: &generator).map {
                $0 == 0 && density == 1 ? 0.5 : $0
            }
            let out = model.predict(Tensor(shape: [16, 40], scalars: batch)).scalars
            for r in 0..<16 {
                for u in 0..<20 {
                    let exact = (0..<40).reduce(0.0) { $0 + batch[r * 40 + $1] * kernel[$1 * 20 + u] }
                    XCTAssertEqual(out[r * 20 + u], exact, accuracy: 1e-12, "density \(density): y[\(r), \(u)]")
                }
            }
        }
    }

    /// `Double.gemm` splits products of at least 2^18 multiply-adds over the pool by output rows or columns; every
    /// transpose combination must address its part of A, B and C right.
    func testSplitDoubleProductsMatchAPlainSumForEveryTransposeAndShape() {
        var generator = SeededGenerator(seed: 21)
        for (m, n, k) in [(64, 128, 64), (128, 64, 64), (200, 40, 40), (33, 300, 30)] {
            XCTAssertGreaterThanOrEqual(m * n * k, 1 << 18, "large enough to be split")
            for transposeA in [false, true] {
                for transposeB in [false, true] {
                    let a = uniform(m * k, &generator)
                    let b = uniform(k * n, &generator)
                    var c = [Double](repeating: 1, count: m * n)
                    let (lda, ldb) = (transposeA ? m : k, transposeB ? k : n)
                    Double.gemm(
                        transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: 0.5, a: a, lda: lda, b: b, ldb: ldb,
                        beta: 2, c: &c, ldc: n)
                    for i in 0..<m {
                        for j in 0..<n {
                            var sum = 0.0
                            for l in 0..<k {
                                sum += (transposeA ? a[l * m + i] : a[i * k + l]) * (transposeB ? b[j * k + l] : b[l * n + j])
                            }
                            XCTAssertEqual(c[i * n + j], 0.5 * sum + 2, accuracy: 1e-12, "\(m)x\(n)x\(k) \(transposeA) \(transposeB)")
                        }
                    }
                }
            }
        }
        // OpenBLAS itself stays at one thread: the pool does the splitting.
        if let handle = dlopen("libopenblas.so.0", RTLD_NOW | RTLD_NOLOAD), let get = dlsym(handle, "openblas_get_num_threads") {
            XCTAssertEqual(unsafeBitCast(get, to: (@convention(c) () -> Int32).self)(), 1)
        } else {
            XCTFail("OpenBLAS is not loaded after a float64 product")
        }
    }

    /// Every part runs exactly once, on more than one thread when asked; a call from inside a part, or from another
    /// thread while a call is under way, runs its parts on its own thread instead of waiting for the pool.
    func testThreadPoolRunsEveryPartOnceAndNestedOrConcurrentCallsComplete() {
        final class Record: @unchecked Sendable {
            let lock = NSLock()
            var counts = [Int](repeating: 0, count: 64)
            var threads = Set<UInt64>()
            var nested = 0
        }
        let record = Record()
        for round in 0..<200 {
            weightbridge_parallel_for(
                64, 2,
                { context, part in
                    let record = Unmanaged<Record>.fromOpaque(context!).takeUnretainedValue()
                    let tid = UInt64(pthread_self())
                    usleep(part % 7 == 0 ? 50 : 0)
                    if part == 5 {
                        // Nested: must not wait for the pool this call holds.
                        weightbridge_parallel_for(
                            3, 2,
                            { context, _ in
                                let record = Unmanaged<Record>.fromOpaque(context!).takeUnretainedValue()
                                record.lock.lock()
                                record.nested += 1
                                record.lock.unlock()
                            }, context)
                    }
                    record.lock.lock()
                    record.counts[Int(part)] += 1
                    record.threads.insert(tid)
                    record.lock.unlock()
                }, Unmanaged.passUnretained(record).toOpaque())
            XCTAssertEqual(record.counts, [Int](repeating: round + 1, count: 64), "round \(round)")
        }
        XCTAssertEqual(record.nested, 600)
        XCTAssertGreaterThan(record.threads.count, 1, "the pool's thread took parts")
        // Two threads calling at once: both finish, every part of each once.
        let totals = Record()
        DispatchQueue.concurrentPerform(iterations: 2) { _ in
            for _ in 0..<100 {
                weightbridge_parallel_for(
                    16, 2,
                    { context, part in
                        let record = Unmanaged<Record>.fromOpaque(context!).takeUnretainedValue()
                        record.lock.lock()
                        record.counts[Int(part)] += 1
                        record.lock.unlock()
                    }, Unmanaged.passUnretained(totals).toOpaque())
            }
        }
        XCTAssertEqual(Array(totals.counts[0..<16]), [Int](repeating: 200, count: 16))
    }
}
