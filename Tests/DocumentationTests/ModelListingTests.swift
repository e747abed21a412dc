import Foundation
import TestSupport
import WeightBridge
import XCTest

/// The listings of the article "Importing Keras models", run as written against the outputs Keras and NumPy
/// recorded for the models in `Fixtures/verify`.
final class ModelListingTests: ListingTestCase {
    func testImportListingsPredictAsKerasAndNumpy() throws {
        // listing: import-keras
        // A Keras model (.h5 or .keras) becomes a Swift model of the same layers and weights, in float32.
        let imported = try ModelFile.load(URL(fileURLWithPath: "Fixtures/verify/cancer_mlp.h5"))
        print(imported.model.precisionName, imported.model.inputShapes, imported.model.modelOutputShapes)
        let x = try loadArray(url: URL(fileURLWithPath: "Fixtures/verify/cancer_x.npy"))  // (114, 30) float32
        let y = try imported.model.predict(x)  // dtype <f4, shape [114, 1]: the model's own precision
        let probabilities: [Float] = try y.values(as: Float.self)
        // end listing
        XCTAssertEqual(y.dtype, .float32)
        XCTAssertEqual(probabilities.count, 114)

        // listing: import-numpy
        // A NumPy MLP saved as W1 b1 W2 b2 ... runs in the precision it was saved in (here float64).
        let mlp = try ModelFile.load(URL(fileURLWithPath: "Fixtures/verify/wine_mlp.npz"))
        let wine = try loadArrays(url: URL(fileURLWithPath: "Fixtures/verify/wine_test.npz"))
        let wineOutputs = try mlp.model.predict(wine["x"]!)  // dtype <f8, shape [36, 3]
        // end listing
        XCTAssertEqual(wineOutputs.dtype, .float64)
        XCTAssertEqual(wineOutputs.shape, [36, 3])

        // listing: import-parity
        // Parity with the outputs Keras recorded in Python, element by element.
        let keras = try loadArray(url: URL(fileURLWithPath: "Fixtures/verify/cancer_mlp_outputs.npy"))
        let worst = zip(probabilities, try keras.values(as: Float.self)).map { abs($0 - $1) }.max() ?? 0
        precondition(worst <= 1e-5, "Swift and Keras differ by \(worst)")
        // end listing
        let numpy = try loadArray(url: URL(fileURLWithPath: "Fixtures/verify/wine_mlp_outputs.npy")).values(as: Double.self)
        assertClose(try wineOutputs.values(as: Double.self), numpy, tolerance: Tolerance.float64NumPyParity)
    }
}
