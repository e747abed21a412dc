import Bridge
import Foundation
import KerasFormat
import NeuralNet
import NumPyFormat
import TestSupport
import XCTest

/// SimpleRNN, LSTM, GRU (reset_after true and false), Bidirectional (every merge mode, an explicit backward layer) and
/// TimeDistributed (Dense, Conv2D, Flatten) models with random weights, saved by Keras 3 as `.h5` and `.keras` by
/// `Fixtures/generate/recurrent.py`, predict as Keras does; exported back to `.h5` they run identically in Keras 3
/// and tf-keras.
final class RecurrentParityTests: XCTestCase {
    /// float32 parity, relative to the largest output: Keras (JAX) and WeightBridge sum the gate products in different
    /// orders and the error compounds over up to 12 steps, so they agree to ~1e-6; a wrong gate order, bias row or
    /// time direction gives errors of order 1.
    static let float32Parity = 1e-5
    /// A Float64 run against Keras' float32 outputs differs by float32's own rounding over the steps (~1e-6).
    static let float64AgainstFloat32 = 1e-5

    private func directory() throws -> URL { try GeneratedFixtures.directory(script: "recurrent.py") }

    private func fixture(_ name: String) throws -> (x: NPYArray, y: [Double]) {
        let dir = try directory()
        let x = try NPYFile.read(dir.appendingPathComponent("\(name).x0.npy"))
        let y = try NPYFile.read(dir.appendingPathComponent("\(name).y0.npy")).floats().map(Double.init)
        return (x, y)
    }

    private func assertParity(
        _ output: [Double], _ expected: [Double], tolerance: Double, _ what: String, file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertEqual(output.count, expected.count, what, file: file, line: line)
        let scale = max(expected.map(abs).max() ?? 1, 1e-30)
        let worst = zip(output, expected).map { abs($0 - $1) }.max() ?? 0
        XCTAssertLessThanOrEqual(worst / scale, tolerance, "\(what): worst difference \(worst) of \(scale)", file: file, line: line)
    }

    /// Loads `name` from `.h5` and from `.keras` and compares both with Keras' outputs.
    private func checkParity(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let (x, expected) = try fixture(name)
        for ext in ["h5", "keras"] {
            let imported = try ModelFile.load(try directory().appendingPathComponent("\(name).\(ext)"))
            XCTAssertEqual(imported.model.inputShape, Array(x.shape.dropFirst()), "\(name).\(ext)", file: file, line: line)
            let output = try imported.model.predict(x).values(as: Double.self)
            assertParity(output, expected, tolerance: Self.float32Parity, "\(name).\(ext)", file: file, line: line)
        }
    }

    func testSimpleRNNWithReluSequencesAndGoBackwardsPredictsAsKeras() throws { try checkParity("simple_rnn") }
    func testSimpleRNNWithoutBiasReturningBackwardSequencePredictsAsKeras() throws { try checkParity("simple_rnn_no_bias") }
    func testLSTMGateOrderAndGoBackwardsPredictAsKeras() throws { try checkParity("lstm") }
    func testLSTMBackwardSequenceKeepsKerasReversedOrder() throws { try checkParity("lstm_backward_sequences") }
    func testGRUResetAfterWithTwoBiasRowsPredictsAsKeras() throws { try checkParity("gru_reset_after") }
    func testGRUResetBeforePredictsAsKeras() throws { try checkParity("gru_reset_before") }
    func testGRUWithoutBiasPredictsAsKeras() throws { try checkParity("gru_no_bias") }
    func testBidirectionalConcatPredictsAsKeras() throws { try checkParity("bidirectional_concat") }
    func testBidirectionalSumPredictsAsKeras() throws { try checkParity("bidirectional_sum") }
    func testBidirectionalMulPredictsAsKeras() throws { try checkParity("bidirectional_mul") }
    func testBidirectionalAvePredictsAsKeras() throws { try checkParity("bidirectional_ave") }
    func testBidirectionalWithDifferentBackwardLayerPredictsAsKeras() throws { try checkParity("bidirectional_backward_layer") }
    func testTimeDistributedDenseAroundLSTMPredictsAsKeras() throws { try checkParity("time_distributed_dense") }
    func testTimeDistributedStridedConv2DAndFlattenIntoGRUPredictAsKeras() throws { try checkParity("time_distributed_conv") }
    /// The text model, fed float sequences: Input((T, F)) -> LSTM -> GRU -> Dense logits.
    func testTextModelLSTMThenGRUThenDensePredictsAsKeras() throws { try checkParity("text_lstm_gru") }

    /// The same weights run in Float64 give Keras' outputs too (the generic kernels in the other precision).
    func testRecurrentModelsRunInFloat64() throws {
        for name in ["lstm", "gru_reset_after", "gru_reset_before", "bidirectional_concat", "time_distributed_conv"] {
            let imported = try ModelFile.load(try directory().appendingPathComponent("\(name).keras"))
            guard case .float32(let single) = imported.model else { return XCTFail("\(name) is not a float32 model") }
            let double = Model<Double>(graph: single.graph)
            for layer in single.graph.layers.indices {
                try double.setWeights(
                    layer: layer, single.weights(layer: layer).map { Tensor(shape: $0.shape, scalars: $0.scalars.map(Double.init)) })
            }
            let (x, expected) = try fixture(name)
            let input = Tensor<Double>(shape: x.shape, scalars: try x.floats().map(Double.init))
            assertParity(double.predict(input).scalars, expected, tolerance: Self.float64AgainstFloat32, "\(name) in Float64")
        }
    }

    /// Exported by WeightBridge to `.h5` (Keras 3 and tf-keras 2 layouts), recurrent and wrapper layers load in real
    /// Keras 3 and tf-keras and predict what Keras predicted for the original file.
    func testRecurrentModelsExportToH5ThatKeras3AndTFKerasRunIdentically() throws {
        let dir = try directory()
        let scratch = TemporaryDirectory()
        let names = ["bidirectional_concat", "bidirectional_backward_layer", "gru_reset_before", "time_distributed_dense", "text_lstm_gru"]
        for (flavor, loader) in [(KerasFlavor.keras3, "keras"), (.keras2, "tf_keras")] {
            var jobs: [KerasReload.Job] = []
            for name in names {
                let imported = try ModelFile.load(dir.appendingPathComponent("\(name).keras"))
                let out = scratch.file("\(name)-\(loader).h5")
                try ModelFile.save(imported.model, layerNames: imported.layerNames, to: out, flavor: flavor)
                jobs.append(KerasReload.Job(name: name, path: out.path, inputs: 1, outputs: 1))
            }
            let results = try KerasReload.run(loader: loader, directory: dir, jobs: jobs)
            for job in jobs {
                let result = try XCTUnwrap(results[job.path], "\(job.name) via \(loader)")
                XCTAssertLessThanOrEqual(result.worst, Self.float32Parity, "\(job.name) reloaded by \(loader)")
            }
        }
    }

    /// `fit` refuses a model with a recurrent layer by the layer's name (no backward pass exists).
    func testFitRefusesRecurrentModelByLayerName() throws {
        let imported = try ModelFile.load(try directory().appendingPathComponent("text_lstm_gru.keras"))
        guard case .float32(let model) = imported.model else { return XCTFail("not a float32 model") }
        let x = Tensor<Float>(zeros: [2] + model.inputShape)
        XCTAssertThrowsError(try model.fit(x: x, labels: [0, 1], optimizer: SGD(learningRate: 0.1), config: TrainingConfig(epochs: 1))) {
            XCTAssertEqual($0 as? NeuralNetError, .notTrainable(layer: model.graph.layers[0].name))
        }
    }
}
