import NeuralNet
import TestSupport
import XCTest

/// Training behaviour: loss falls on learnable data, seeds make runs reproducible, cancellation stops early.
final class TrainingTests: XCTestCase {
    /// Three Gaussian blobs in 2-D, well separated.
    private func blobs<Scalar: NNScalar>(_: Scalar.Type, count: Int, seed: UInt64) -> (Tensor<Scalar>, [Int]) {
        var generator = SeededGenerator(seed: seed)
        let centres: [(Double, Double)] = [(-2, 0), (2, 0), (0, 2.5)]
        var scalars: [Scalar] = []
        var labels: [Int] = []
        for i in 0..<count {
            let label = i % 3
            scalars.append(Scalar(centres[label].0 + 0.5 * generator.nextNormal()))
            scalars.append(Scalar(centres[label].1 + 0.5 * generator.nextNormal()))
            labels.append(label)
        }
        return (Tensor(shape: [count, 2], scalars: scalars), labels)
    }

    /// 8x8 images holding a bright horizontal (class 0) or vertical (class 1) bar at a random place, plus noise.
    private func bars(count: Int, seed: UInt64) -> (Tensor<Float>, [Int]) {
        var generator = SeededGenerator(seed: seed)
        var scalars = [Float](repeating: 0, count: count * 64)
        var labels: [Int] = []
        for n in 0..<count {
            let label = n % 2
            let position = Int(generator.next() % 8)
            for i in 0..<8 {
                let (y, x) = label == 0 ? (position, i) : (i, position)
                scalars[n * 64 + y * 8 + x] = 1
            }
            for p in 0..<64 { scalars[n * 64 + p] += Float(0.1 * generator.nextNormal()) }
            labels.append(label)
        }
        return (Tensor(shape: [count, 8, 8, 1], scalars: scalars), labels)
    }

    private static let barSpecs: [LayerSpec] = [
        .conv2D(
            filters: 4, kernelHeight: 3, kernelWidth: 3, strideHeight: 1, strideWidth: 1, padding: .same, activation: .relu, useBias: true),
        .maxPool2D(poolHeight: 2, poolWidth: 2, strideHeight: 2, strideWidth: 2, padding: .valid),
        .flatten(),
        .dropout(rate: 0.2),
        .dense(units: 2, activation: .softmax, useBias: true),
    ]

    func testMLPLearnsSeparableBlobsInFloatAndDouble() throws {
        try checkBlobs(Float.self)
        try checkBlobs(Double.self)
    }

    private func checkBlobs<Scalar: NNScalar>(_: Scalar.Type) throws {
        let (x, labels) = blobs(Scalar.self, count: 300, seed: 1)
        let (vx, vlabels) = blobs(Scalar.self, count: 90, seed: 2)
        let model = try Sequential<Scalar>(
            inputShape: [2],
            layers: [.dense(units: 16, activation: .relu, useBias: true), .dense(units: 3, activation: .softmax, useBias: true)])
        model.initialize(seed: 5, kernel: .heNormal)
        let before = model.evaluate(x: vx, labels: vlabels)
        var batches = 0
        let reports = try model.fit(
            x: x, labels: labels, validation: (vx, vlabels), optimizer: Adam(learningRate: 0.01),
            config: TrainingConfig(epochs: 8, batchSize: 32, seed: 3),
            onBatch: { _ in batches += 1 })
        XCTAssertEqual(reports.count, 8)
        XCTAssertEqual(batches, 8 * 10)
        XCTAssertLessThan(reports.last!.loss, reports.first!.loss)
        XCTAssertLessThan(try XCTUnwrap(reports.last!.validationLoss), before.loss)
        XCTAssertGreaterThan(try XCTUnwrap(reports.last!.validationAccuracy), 0.95)
    }

    func testCNNWithDropoutLearnsBarsWithSGD() throws {
        let (x, labels) = bars(count: 256, seed: 11)
        let model = try Sequential<Float>(inputShape: [8, 8, 1], layers: Self.barSpecs)
        model.initialize(seed: 1)
        let before = model.evaluate(x: x, labels: labels)
        let reports = try model.fit(
            x: x, labels: labels, validation: nil, optimizer: SGD(learningRate: 0.1),
            config: TrainingConfig(epochs: 6, batchSize: 16, seed: 4))
        let after = model.evaluate(x: x, labels: labels)
        XCTAssertLessThan(after.loss, before.loss * 0.5)
        XCTAssertGreaterThan(after.accuracy, 0.95)
        XCTAssertTrue(reports.allSatisfy { $0.isComplete && $0.validationLoss == nil })
    }

    private func trainedBarWeights(seed: UInt64) throws -> [[Tensor<Float>]] {
        let (x, labels) = bars(count: 96, seed: 11)
        let model = try Sequential<Float>(inputShape: [8, 8, 1], layers: Self.barSpecs)
        model.initialize(seed: 1)
        try model.fit(x: x, labels: labels, optimizer: Adam(), config: TrainingConfig(epochs: 2, batchSize: 16, seed: seed))
        return model.specs.indices.map { model.weights(layer: $0) }
    }

    func testSameSeedGivesBitIdenticalWeights() throws {
        let first = try trainedBarWeights(seed: 42)
        XCTAssertEqual(first, try trainedBarWeights(seed: 42))
        XCTAssertNotEqual(first, try trainedBarWeights(seed: 43))
    }

    func testInitializeIsSeededAndFollowsInitializerScale() throws {
        let a = try Sequential<Double>(inputShape: [400], layers: [.dense(units: 200, activation: .relu, useBias: true)])
        let b = try Sequential<Double>(inputShape: [400], layers: [.dense(units: 200, activation: .relu, useBias: true)])
        a.initialize(seed: 9, kernel: .heNormal)
        b.initialize(seed: 9, kernel: .heNormal)
        XCTAssertEqual(a.weights(layer: 0), b.weights(layer: 0))
        XCTAssertEqual(a.weights(layer: 0)[1].scalars, [Double](repeating: 0, count: 200))
        let kernel = a.weights(layer: 0)[0].scalars
        let variance = kernel.reduce(0) { $0 + $1 * $1 } / Double(kernel.count)
        XCTAssertEqual(variance, 2.0 / 400, accuracy: 0.05 * 2.0 / 400)  // 80,000 samples: ~0.5% standard error
        b.initialize(seed: 9, kernel: .glorotUniform)
        let limit = (6.0 / 600).squareRoot()
        let glorot = b.weights(layer: 0)[0].scalars
        XCTAssertTrue(glorot.allSatisfy { abs($0) <= limit })
        XCTAssertGreaterThan(glorot.map(abs).max()!, limit * 0.99)
    }

    func testShouldStopEndsTrainingAfterCurrentBatch() throws {
        let (x, labels) = blobs(Float.self, count: 100, seed: 1)
        let model = try Sequential<Float>(inputShape: [2], layers: [.dense(units: 3, activation: .softmax, useBias: true)])
        model.initialize(seed: 1)
        var seen: [BatchProgress] = []
        var epochs = 0
        let reports = try model.fit(
            x: x, labels: labels, optimizer: SGD(), config: TrainingConfig(epochs: 5, batchSize: 10, seed: 1),
            onBatch: { seen.append($0) }, onEpoch: { _ in epochs += 1 }, shouldStop: { seen.count >= 3 })
        XCTAssertEqual(seen.map(\.batch), [1, 2, 3])
        XCTAssertEqual(seen.last?.batches, 10)
        XCTAssertEqual(reports.count, 1)
        XCTAssertEqual(epochs, 1)
        XCTAssertFalse(reports[0].isComplete)
    }

    func testFitRejectsLabelsOutsideTheOutputs() throws {
        let model = try Sequential<Float>(inputShape: [2], layers: [.dense(units: 3, activation: .softmax, useBias: true)])
        XCTAssertThrowsError(
            try model.fit(x: Tensor(zeros: [2, 2]), labels: [0, 3], optimizer: SGD(), config: TrainingConfig())
        ) { error in
            XCTAssertEqual(error.localizedDescription, "training data: label 3 outside 0..<3 (the model has 3 outputs)")
        }
    }
}
