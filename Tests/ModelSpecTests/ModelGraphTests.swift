import ModelSpec
import XCTest

/// The shape rules and graph checks of the model vocabulary, on hand-worked cases.
final class ModelGraphTests: XCTestCase {
    func testResidualBlockShapesAndWeightShapes() throws {
        let builder = GraphBuilder()
        let x = builder.input("image", shape: [8, 8, 3])
        let conv = LayerSpec.conv2D(filters: 3, kernelHeight: 3, kernelWidth: 3, padding: .same)(x)
        let sum = LayerSpec.merge(.add)(x, conv)
        let out = LayerSpec.dense(units: 4)(LayerSpec.flatten()(sum))
        let graph = try builder.graph(outputs: [out])
        XCTAssertEqual(graph.nodeShapes, [[8, 8, 3], [8, 8, 3], [192], [4]])
        XCTAssertEqual(graph.weightShapes, [[[3, 3, 3, 3], [3]], [], [], [[192, 4], [4]]])
        XCTAssertEqual(graph.parameterCounts, [84, 0, 0, 772])
        XCTAssertEqual(graph.layers.map(\.name), ["conv2d", "merge", "flatten", "dense"])
        XCTAssertFalse(graph.isChain)
    }

    func testMergeBroadcastsLikeNumPy() throws {
        XCTAssertEqual(try LayerSpec.merge(.multiply).outputShape(for: [[4, 4, 8], [1, 1, 8]], layer: "se"), [4, 4, 8])
        XCTAssertEqual(try LayerSpec.merge(.add).outputShape(for: [[5, 3], [3]], layer: "bias"), [5, 3])
        XCTAssertThrowsError(try LayerSpec.merge(.add).outputShape(for: [[3], [4]], layer: "bad")) { error in
            XCTAssertEqual(
                error.localizedDescription, "layer 'bad' cannot take input (3) and (4): shapes do not broadcast (axis 1: 3 and 4)")
        }
    }

    func testConcatenateJoinsAlongNegativeAndPositiveAxes() throws {
        XCTAssertEqual(try LayerSpec.concatenate(axis: -1).outputShape(for: [[2, 2, 3], [2, 2, 5]], layer: "c"), [2, 2, 8])
        XCTAssertEqual(try LayerSpec.concatenate(axis: 1).outputShape(for: [[2, 3], [4, 3]], layer: "c"), [6, 3])
        XCTAssertThrowsError(try LayerSpec.concatenate(axis: -1).outputShape(for: [[2, 3], [4, 3]], layer: "c"))
        XCTAssertThrowsError(try LayerSpec.concatenate(axis: 3).outputShape(for: [[2, 3], [2, 3]], layer: "c"))
    }

    func testSharedLayerHasOneSetOfWeights() throws {
        let builder = GraphBuilder()
        let a = builder.input("a", shape: [4])
        let b = builder.input("b", shape: [4])
        let shared = builder.layer(.dense(units: 2), name: "shared")
        let graph = try builder.graph(outputs: [LayerSpec.concatenate()(shared(a), shared(b))])
        XCTAssertEqual(graph.layers.count, 2)
        XCTAssertEqual(graph.nodes.count, 3)
        XCTAssertEqual(graph.weightShapes[0], [[4, 2], [2]])
        XCTAssertEqual(graph.nodeShapes.last, [4])
    }

    func testSharedLayerOnInputsItsWeightsDoNotFitIsRefused() {
        let builder = GraphBuilder()
        let shared = builder.layer(.dense(units: 2), name: "shared")
        let a = builder.input("a", shape: [4])
        let b = builder.input("b", shape: [5])
        XCTAssertThrowsError(try builder.graph(outputs: [shared(a), shared(b)])) { error in
            XCTAssertTrue(error.localizedDescription.contains("shared layer"), error.localizedDescription)
        }
    }

    func testChannelsFirstConvolutionKeepsChannelsFirst() throws {
        let spec = LayerSpec.conv2D(filters: 6, kernelHeight: 3, kernelWidth: 3, dataFormat: .channelsFirst)
        XCTAssertEqual(try spec.outputShape(for: [[2, 10, 12]], layer: "c"), [6, 8, 10])
        XCTAssertEqual(spec.weightShapes(for: [[2, 10, 12]]), [[3, 3, 2, 6], [6]])
    }

    func testGraphOutOfTopologicalOrderIsRefused() {
        XCTAssertThrowsError(
            try ModelGraph(
                inputs: [.init(name: "x", shape: [3])],
                layers: [.init(name: "a", spec: .dense(units: 2)), .init(name: "b", spec: .dense(units: 2))],
                nodes: [.init(layer: 0, inputs: [.node(1)]), .init(layer: 1, inputs: [.input(0)])], outputs: [.node(0)]))
    }

    func testDenseAppliesToTheLastAxisOfAnyRank() throws {
        XCTAssertEqual(try LayerSpec.dense(units: 7).outputShape(for: [[5, 3]], layer: "d"), [5, 7])
        XCTAssertEqual(LayerSpec.dense(units: 7).weightShapes(for: [[5, 3]]), [[3, 7], [7]])
    }

    func testBatchNormalizationWeightsFollowCenterAndScale() {
        XCTAssertEqual(LayerSpec.batchNormalization(axis: 1, center: true, scale: false).weightShapes(for: [[4, 5, 6]]), [[4], [4], [4]])
        XCTAssertEqual(LayerSpec.batchNormalization().weightShapes(for: [[4, 5, 6]]), [[6], [6], [6], [6]])
    }
}
