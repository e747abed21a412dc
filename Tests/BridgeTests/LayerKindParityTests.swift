import Bridge
import Foundation
import KerasFormat
import NumPyFormat
import TestSupport
import XCTest

/// Normalisation, preprocessing, activation and embedding layer kinds (LayerNormalization, Normalization,
/// Rescaling, BatchNormalization on axis 1, ReLU/PReLU/ELU/Softmax layers with settings, the Keras 3 activation
/// functions, Keras 2's hard_sigmoid, Embedding, RepeatVector, Reshape with -1, the inference-identity layers,
/// ConvNeXt's LayerScale) in small models saved by Keras 3 as `.h5` and `.keras` (and by tf-keras 2 for
/// hard_sigmoid) by `Fixtures/generate/layer_kinds_lb.py`, predict as Keras does.
final class LayerKindParityTests: XCTestCase {
    /// float32 outputs of magnitude ~1-10 after a handful of layers; Keras (XLA) and WeightBridge differ only in
    /// summation order and in libm's last bits (erf, tanh, exp), ~1e-7 relative, so 1e-5 of the largest output is
    /// far above rounding and far below any formula, axis or layout mistake (errors of order 1e-2 or more).
    static let float32Parity = 1e-5

    private struct Manifest: Decodable {
        struct Model: Decodable {
            var name: String
            var outputs: Int
            var formats: [String]
        }
        var models: [Model]
    }

    private func fixtures() throws -> URL { try GeneratedFixtures.directory(script: "layer_kinds_lb.py") }

    /// Keras' outputs for `name`, one array per output.
    private func expectedOutputs(_ name: String, count: Int, in directory: URL) throws -> [[Double]] {
        try (0..<count).map { try NPYFile.read(directory.appendingPathComponent("\(name).y\($0).npy")).floats().map(Double.init) }
    }

    /// The worst difference of `outputs` from `expected`, relative to the largest expected value of each output.
    private func worstRelativeError(_ outputs: [[Double]], _ expected: [[Double]]) -> Double {
        zip(outputs, expected).map { output, want in
            let scale = want.map(abs).max() ?? 1
            let worst = zip(output, want).map { abs($0 - $1) }.max() ?? .infinity
            return output.count == want.count ? worst / scale : .infinity
        }.max() ?? .infinity
    }

    private func checkParity(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let directory = try fixtures()
        let manifest = try JSONDecoder().decode(Manifest.self, from: Data(contentsOf: directory.appendingPathComponent("manifest.json")))
        let entry = try XCTUnwrap(manifest.models.first { $0.name == name }, file: file, line: line)
        for ext in entry.formats {
            let imported = try ModelFile.load(directory.appendingPathComponent("\(name).\(ext)"))
            let input = try NPYFile.read(directory.appendingPathComponent("\(name).x0.npy"))
            XCTAssertEqual(Array(input.shape.dropFirst()), imported.model.inputShapes[0], file: file, line: line)
            let outputs = try imported.model.predict([input]).map { try $0.values(as: Double.self) }
            XCTAssertEqual(outputs.count, entry.outputs, "\(name).\(ext)", file: file, line: line)
            let worst = worstRelativeError(outputs, try expectedOutputs(name, count: entry.outputs, in: directory))
            XCTAssertLessThanOrEqual(worst, Self.float32Parity, "\(name).\(ext)", file: file, line: line)
        }
    }

    func testLayerNormalizationNormalizationRescalingAndBatchNormOnAxis1PredictAsKeras() throws { try checkParity("normalisation") }
    func testAdaptedNormalizationReadsItsStatisticsVariables() throws { try checkParity("adapted_normalization") }
    func testReLUPReLUELUAndSoftmaxOnAxesPredictAsKeras() throws { try checkParity("activation_layers") }
    func testKeras3ActivationFunctionsByNamePredictAsKeras() throws { try checkParity("activation_functions") }
    func testEmbeddingRepeatVectorReshapeMinusOneAndIdentityLayersPredictAsKeras() throws { try checkParity("embedding_text") }
    func testConvNeXtLayerScalePredictsAsKeras() throws { try checkParity("layer_scale") }
    func testKeras2HardSigmoidKeepsItsOldFormula() throws { try checkParity("hard_sigmoid_keras2") }

    /// Models WeightBridge exports to `.h5` (Keras 3 layout) load in real Keras 3 and predict what the originals did.
    /// Left out, because Keras 3.15 cannot reload even its own `.h5` of them: `normalisation` and `activation_layers`
    /// (its legacy loader reads a list `axis` of LayerNormalization and Softmax as the last axis), `embedding_text`
    /// (SpatialDropout1D's constructor refuses the `trainable` key every layer config carries), `layer_scale` (a
    /// legacy config cannot name LayerScale's module).
    func testExportedModelsLoadInKeras3AndPredictIdentically() throws {
        let directory = try fixtures()
        let scratch = TemporaryDirectory()
        for name in ["adapted_normalization", "activation_functions"] {
            let imported = try ModelFile.load(directory.appendingPathComponent("\(name).keras"))
            let out = scratch.file("\(name).h5")
            try ModelFile.save(imported.model, layerNames: imported.layerNames, to: out, flavor: .keras3)
            let report = try runPython(
                """
                import sys, os, numpy as np
                os.environ.setdefault("KERAS_BACKEND", "jax")
                import keras
                path, directory, name, outputs = sys.argv[1:5]
                model = keras.models.load_model(path, compile=False)
                ys = model.predict(np.load(os.path.join(directory, f"{name}.x0.npy")), verbose=0)
                ys = ys if isinstance(ys, (list, tuple)) else [ys]
                worst = 0.0
                for j in range(int(outputs)):
                    want = np.load(os.path.join(directory, f"{name}.y{j}.npy"))
                    worst = max(worst, float(np.max(np.abs(ys[j] - want)) / np.max(np.abs(want))))
                print(len(ys), worst)
                """,
                args: [out.path, directory.path, name, "\(imported.model.modelOutputShapes.count)"])
            // The last line is the script's answer (Keras may log before it).
            let answer = report.split(separator: "\n").last.map(String.init) ?? ""
            let fields = answer.split(separator: " ").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            XCTAssertEqual(fields.first, "\(imported.model.modelOutputShapes.count)", "\(name): \(report)")
            let worst = try XCTUnwrap(Double(fields.last ?? ""), report)
            XCTAssertLessThanOrEqual(worst, Self.float32Parity, "\(name) reloaded by Keras 3")
        }
    }

    /// An index that is not an integer in range gives NaN rather than another row.
    func testEmbeddingGivesNaNForIndicesOutOfRange() throws {
        let directory = try fixtures()
        let imported = try ModelFile.load(directory.appendingPathComponent("embedding_text.h5"))
        let valid = [Float](repeating: 1, count: 7)
        var invalid = valid
        invalid[3] = 20
        var fraction = valid
        fraction[0] = 0.5
        let outputs = try imported.model.predict(NPYArray(shape: [3, 7], float32: valid + invalid + fraction)).values(as: Float.self)
        let perExample = outputs.count / 3
        XCTAssertTrue(outputs[0..<perExample].allSatisfy(\.isFinite))
        XCTAssertTrue(outputs[perExample..<(2 * perExample)].contains { $0.isNaN })
        XCTAssertTrue(outputs[(2 * perExample)...].contains { $0.isNaN })
    }
}
