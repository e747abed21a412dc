import ModelSpec
import XCTest

/// The shape rules of the recurrent layers and their wrappers: output shapes, Keras' variable shapes, and the
/// mistakes they refuse with the layer's name.
final class RecurrentShapeTests: XCTestCase {
    func testRecurrentOutputsAndKerasVariableShapes() throws {
        XCTAssertEqual(try LayerSpec.lstm(units: 4).outputShape(for: [[7, 3]], layer: "l"), [4])
        XCTAssertEqual(try LayerSpec.gru(units: 4, returnSequences: true).outputShape(for: [[7, 3]], layer: "g"), [7, 4])
        XCTAssertEqual(LayerSpec.lstm(units: 4).weightShapes(for: [[7, 3]]), [[3, 16], [4, 16], [16]])
        XCTAssertEqual(LayerSpec.gru(units: 4, resetAfter: true).weightShapes(for: [[7, 3]]), [[3, 12], [4, 12], [2, 12]])
        XCTAssertEqual(LayerSpec.gru(units: 4, resetAfter: false).weightShapes(for: [[7, 3]]), [[3, 12], [4, 12], [12]])
        XCTAssertEqual(LayerSpec.simpleRNN(units: 2, useBias: false).weightShapes(for: [[5, 3]]), [[3, 2], [2, 2]])
        XCTAssertEqual(LayerSpec.simpleRNN(units: 2, useBias: false).weightCount, 2)
        XCTAssertFalse(LayerSpec.lstm(units: 2).supportsTraining)
    }

    func testBidirectionalConcatenatesOrNeedsEqualUnits() throws {
        let f = LayerSpec.lstm(units: 4, returnSequences: true)
        let b = LayerSpec.gru(units: 2, returnSequences: true, goBackwards: true)
        XCTAssertEqual(try LayerSpec.bidirectional(forward: f, backward: b).outputShape(for: [[5, 3]], layer: "bi"), [5, 6])
        XCTAssertEqual(LayerSpec.bidirectional(forward: f, backward: b).weightShapes(for: [[5, 3]]).count, 6)
        XCTAssertThrowsError(try LayerSpec.bidirectional(forward: f, backward: b, merge: .sum).outputShape(for: [[5, 3]], layer: "bi")) {
            XCTAssertTrue($0.localizedDescription.contains("'bi'"))
        }
        XCTAssertThrowsError(try LayerSpec.bidirectional(forward: f, backward: f).outputShape(for: [[5, 3]], layer: "bi"))
        XCTAssertThrowsError(try LayerSpec.lstm(units: 2).outputShape(for: [[5, 3, 2]], layer: "l"))
    }

    func testTimeDistributedRecursesIntoItsInnerLayer() throws {
        let conv = LayerSpec.conv2D(filters: 3, kernelHeight: 3, kernelWidth: 3, strideHeight: 2, strideWidth: 2, padding: .same)
        let wrapped = LayerSpec.timeDistributed(conv)
        XCTAssertEqual(try wrapped.outputShape(for: [[4, 8, 8, 2]], layer: "td"), [4, 4, 4, 3])
        XCTAssertEqual(wrapped.weightShapes(for: [[4, 8, 8, 2]]), [[3, 3, 2, 3], [3]])
        XCTAssertEqual(LayerSpec.timeDistributed(.batchNormalization()).nonTrainableWeightCount, 2)
        XCTAssertThrowsError(try wrapped.outputShape(for: [[8, 8, 2]], layer: "td"))
        XCTAssertThrowsError(try LayerSpec.timeDistributed(.merge(.add)).outputShape(for: [[4, 3]], layer: "td"))
    }
}
