import Bridge
import Foundation
import NumPyFormat
import TestSupport
import XCTest

/// The `keras.applications` architectures (and a U-Net, a text CNN and an LSTM/GRU model), built by Keras 3 with
/// random weights at small input sizes and saved both as `.keras` and as legacy `.h5` by
/// `Fixtures/generate/applications.py`, predict as Keras does.
///
/// With `WEIGHTBRIDGE_ARCHITECTURE_RESULTS=<path>`, the run also writes each model's result as JSON, from which
/// `Fixtures/generate/render_architectures.py` renders the architecture table of Docs/compatibility.md.
final class ApplicationArchitectureTests: XCTestCase {
    /// Logits after up to ~200 float32 layers, compared relative to the largest output: summation order differs
    /// between XLA and OpenBLAS, which moves float32 results by ~1e-6 relative; a layout or formula error is order 1.
    static let parity = 1e-4

    private struct Manifest: Decodable {
        struct Model: Decodable {
            var name: String
            var family: String
            var parameters: Int
            var layers: Int
        }
        var keras: String
        var models: [Model]
    }

    nonisolated(unsafe) private static var results: [String: [String: Any]] = [:]

    override class func tearDown() {
        super.tearDown()
        guard let path = ProcessInfo.processInfo.environment["WEIGHTBRIDGE_ARCHITECTURE_RESULTS"], !results.isEmpty else { return }
        if let data = try? JSONSerialization.data(withJSONObject: results, options: [.sortedKeys, .prettyPrinted]) {
            try? data.write(to: URL(fileURLWithPath: path))
        }
    }

    private func check(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let directory = try GeneratedFixtures.directory(script: "applications.py")
        let manifest = try JSONDecoder().decode(Manifest.self, from: Data(contentsOf: directory.appendingPathComponent("manifest.json")))
        let entry = try XCTUnwrap(manifest.models.first { $0.name == name }, file: file, line: line)
        let x = try NPYFile.read(directory.appendingPathComponent("\(name).x0.npy"))
        let expected = try NPYFile.read(directory.appendingPathComponent("\(name).y0.npy")).floats().map(Double.init)
        for format in ["keras", "h5"] {
            var record: [String: Any] = [
                "name": name, "family": entry.family, "format": format, "parameters": entry.parameters, "keras": manifest.keras,
            ]
            defer { Self.results["\(name).\(format)"] = record }
            do {
                let imported = try ModelFile.load(directory.appendingPathComponent("\(name).\(format)"))
                let outputs = try imported.model.predict([x])[0].values(as: Double.self)
                XCTAssertEqual(outputs.count, expected.count, "\(name).\(format)", file: file, line: line)
                let scale = max(expected.map(abs).max() ?? 1, .leastNormalMagnitude)
                let worst = zip(outputs, expected).map { abs($0 - $1) }.max() ?? 0
                record["status"] = "loaded"
                record["relativeDifference"] = worst / scale
                record["layers"] = imported.layerNames.count
                XCTAssertLessThanOrEqual(
                    worst / scale, Self.parity, "\(name).\(format): worst \(worst) of \(scale)", file: file, line: line)
            } catch {
                record["status"] = "refused: \(error.localizedDescription)"
                XCTFail("\(name).\(format): \(error.localizedDescription)", file: file, line: line)
            }
        }
    }

    func testVGG16() throws { try check("vgg16") }
    func testResNet50() throws { try check("resnet50") }
    func testResNet50V2() throws { try check("resnet50v2") }
    func testMobileNet() throws { try check("mobilenet") }
    func testMobileNetV2() throws { try check("mobilenetv2") }
    func testMobileNetV3Small() throws { try check("mobilenetv3small") }
    func testDenseNet121() throws { try check("densenet121") }
    func testEfficientNetB0() throws { try check("efficientnetb0") }
    func testEfficientNetV2B0() throws { try check("efficientnetv2b0") }
    func testInceptionV3() throws { try check("inceptionv3") }
    func testXception() throws { try check("xception") }
    func testConvNeXtTiny() throws { try check("convnext_tiny") }
    func testUNet() throws { try check("unet") }
    func testTextCNN() throws { try check("text_cnn") }
    func testLSTMGRU() throws { try check("lstm_gru") }
}
