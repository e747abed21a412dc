import Bridge
import Foundation
import NumPyFormat
import TestSupport
import XCTest

/// Real `keras.applications` graph architectures (ResNet50, ResNet50V2, DenseNet121, InceptionV3) and small graph
/// models (two inputs and two outputs with a shared layer and every merge layer; a residual CNN), saved by Keras 3
/// with `model.save("x.h5")` by `Fixtures/generate/architectures.py`, predict as Keras does.
final class GraphModelParityTests: XCTestCase {
    /// Outputs are logits of magnitude ~1-100 after up to ~50 float32 layers; Keras (XLA) and WeightBridge sum
    /// convolutions in different orders, so they agree to ~1e-6 relative; 1e-4 of the largest output is the bound
    /// the issue sets, far below any layout or formula mistake (those give errors of order 1).
    static let graphParity = 1e-4

    private struct Manifest: Decodable {
        struct Model: Decodable {
            var name: String
            var outputs: Int
        }
        var models: [Model]
    }

    private func checkParity(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let directory = try GeneratedFixtures.directory(script: "architectures.py")
        let manifest = try JSONDecoder().decode(Manifest.self, from: Data(contentsOf: directory.appendingPathComponent("manifest.json")))
        let entry = try XCTUnwrap(manifest.models.first { $0.name == name }, file: file, line: line)
        let imported = try ModelFile.load(directory.appendingPathComponent("\(name).h5"))
        let model = imported.model
        var inputs: [[Float]] = []
        var count = 0
        for index in model.inputShapes.indices {
            let array = try NPYFile.read(directory.appendingPathComponent("\(name).x\(index).npy"))
            XCTAssertEqual(Array(array.shape.dropFirst()), model.inputShapes[index], file: file, line: line)
            count = array.shape[0]
            inputs.append(try array.floats())
        }
        let outputs = model.predict(float32: inputs, count: count)
        XCTAssertEqual(outputs.count, entry.outputs, file: file, line: line)
        for (index, output) in outputs.enumerated() {
            let expected = try NPYFile.read(directory.appendingPathComponent("\(name).y\(index).npy")).floats().map(Double.init)
            XCTAssertEqual(output.count, expected.count, file: file, line: line)
            let scale = expected.map(abs).max() ?? 1
            let worst = zip(output, expected).map { abs($0 - $1) }.max() ?? 0
            XCTAssertLessThanOrEqual(worst / scale, Self.graphParity, "\(name) output \(index): worst difference \(worst) of \(scale)", file: file, line: line)
        }
    }

    func testResNet50PredictsAsKeras() throws { try checkParity("resnet50") }
    func testResNet50V2PredictsAsKeras() throws { try checkParity("resnet50v2") }
    func testDenseNet121PredictsAsKeras() throws { try checkParity("densenet121") }
    func testInceptionV3PredictsAsKeras() throws { try checkParity("inceptionv3") }
    func testTwoInputTwoOutputModelWithSharedLayerAndEveryMergePredictsAsKeras() throws { try checkParity("two_in_two_out") }
    func testResidualCNNPredictsAsKeras() throws { try checkParity("residual_cnn") }
}
