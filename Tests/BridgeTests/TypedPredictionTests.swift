import Bridge
import Foundation
import NumPyFormat
import TestSupport
import XCTest

/// `LoadedModel.predict` returns arrays of the model's own precision and shape, checked against the outputs Keras
/// and NumPy recorded for the models in `Fixtures/verify` (made by `Fixtures/generate/verify_fixtures.py`).
final class TypedPredictionTests: XCTestCase {
    /// Keras (XLA) sums in another order than OpenBLAS: float32 outputs in [0, 1] agree to this.
    static let float32Parity: Float = 1e-5
    /// NumPy's float64 forward pass sums in another order: the same bound `Fixtures/verify/checks.yml` uses.
    static let float64Parity = 1e-9

    private func fixture(_ name: String) -> URL { FixturePaths.fixture("verify/\(name)") }

    func testFloat32KerasModelGivesFloat32OutputsOfItsShape() throws {
        let model = try ModelFile.load(fixture("cancer_mlp.h5")).model
        let x = try NPYFile.read(fixture("cancer_x.npy"))
        let y = try model.predict(x)
        XCTAssertEqual(y.dtype, .float32)
        XCTAssertEqual(y.shape, [114, 1])
        let keras = try NPYFile.read(fixture("cancer_mlp_outputs.npy")).values(as: Float.self)
        assertClose(try y.values(as: Float.self), keras, tolerance: Self.float32Parity)
    }

    func testFloat64NumpyMLPGivesFloat64Outputs() throws {
        let model = try ModelFile.load(fixture("wine_mlp.npz")).model
        let x = try XCTUnwrap(try NPZArchive(url: fixture("wine_test.npz"))["x"])
        let y = try model.predict(x)
        XCTAssertEqual(y.dtype, .float64)
        XCTAssertEqual(y.shape, [36, 3])
        let numpy = try NPYFile.read(fixture("wine_mlp_outputs.npy")).values(as: Double.self)
        assertClose(try y.values(as: Double.self), numpy, tolerance: Self.float64Parity)
    }

    /// Examples may come in any shape of N times the input's size: (360, 8, 8) for a (8, 8, 1) input.
    func testAcceptsExamplesOfTheInputsSizeInAnotherShape() throws {
        let model = try ModelFile.load(fixture("digits_cnn.h5")).model
        let digits = try XCTUnwrap(try NPZArchive(url: fixture("digits_test.npz"))["x"])
        let scaled = NPYArray(shape: digits.shape, float32: try digits.values(as: Float.self).map { $0 / 16 })
        let y = try model.predict([scaled])
        XCTAssertEqual(y.map(\.shape), [[360, 10]])
        let keras = try NPYFile.read(fixture("digits_cnn_outputs.npy")).values(as: Float.self)
        assertClose(try y[0].values(as: Float.self), keras, tolerance: Self.float32Parity)
    }

    func testNoExamplesGiveEmptyOutputs() throws {
        let model = try ModelFile.load(fixture("cancer_mlp.h5")).model
        let y = try model.predict(NPYArray(shape: [0, 30], float32: []))
        XCTAssertEqual(y.shape, [0, 1])
        XCTAssertEqual(try y.values(as: Float.self), [])
    }

    func testRefusesInputsThatDoNotFitTheModel() throws {
        let model = try ModelFile.load(fixture("cancer_mlp.h5")).model
        let name = model.inputNames[0]
        XCTAssertThrowsError(try model.predict(NPYArray(shape: [4, 29], float32: Array(repeating: 0, count: 116)))) { error in
            XCTAssertEqual(error.localizedDescription, "cannot predict: input '\(name)' has shape (4, 29), expected (N, 30)")
        }
        let x = NPYArray(shape: [1, 30], float32: Array(repeating: 0, count: 30))
        XCTAssertThrowsError(try model.predict([x, x])) { error in
            XCTAssertEqual(error.localizedDescription, "cannot predict: 2 input arrays for a model of 1 inputs (\(name))")
        }
    }
}
