import Foundation
import KerasFormat
import TestSupport
import XCTest

/// A reference `.json` recorded by Fixtures/generate/h5_fixtures.py next to a Keras fixture.
struct KerasReference {
    struct Layer {
        var name: String
        var weights: [KerasWeight]
    }
    var layers: [Layer]
    var paramCount: Int?

    init(_ name: String) throws {
        let data = try Data(contentsOf: FixturePaths.fixture("h5/\(name)"))
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        let layers = try XCTUnwrap(json["layers"] as? [[String: Any]])
        self.layers = try layers.map { layer in
            let weights = try XCTUnwrap(layer["weights"] as? [[String: Any]]).map { w in
                KerasWeight(
                    name: try XCTUnwrap(w["name"] as? String), shape: try XCTUnwrap(w["shape"] as? [Int]),
                    values: try XCTUnwrap(w["values"] as? [String]).map { Float(bitPattern: UInt32($0, radix: 16)!) })
            }
            return Layer(name: try XCTUnwrap(layer["layer"] as? String), weights: weights)
        }
        paramCount = json["param_count"] as? Int
    }

    /// Asserts the file's layers and weights equal the reference exactly (names, shapes, every float's bits).
    func assertMatches(_ file: KerasModelFile, line: UInt = #line) {
        XCTAssertEqual(file.layerWeights.map(\.layerName), layers.map(\.name), line: line)
        for (got, want) in zip(file.layerWeights, layers) {
            XCTAssertEqual(got.weights.map(\.name), want.weights.map(\.name), got.layerName, line: line)
            XCTAssertEqual(got.weights.map(\.shape), want.weights.map(\.shape), got.layerName, line: line)
            for (g, w) in zip(got.weights, want.weights) {
                XCTAssertEqual(g.values.map(\.bitPattern), w.values.map(\.bitPattern), "\(got.layerName)/\(g.name)", line: line)
            }
        }
    }
}
