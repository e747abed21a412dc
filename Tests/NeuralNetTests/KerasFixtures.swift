import Foundation
import NeuralNet
import TestSupport
import XCTest

/// Reads the arrays written by Fixtures/generate/nn_fixtures.py: raw little-endian `.bin` files described by
/// `Fixtures/nn/manifest.json` ({"arrays": {name: {"file", "dtype": "f4"|"f8", "shape"}}}).
enum KerasFixtures {
    private struct Entry: Decodable {
        let file: String
        let dtype: String
        let shape: [Int]
    }
    private struct Manifest: Decodable { let arrays: [String: Entry] }

    /// The committed manifest; a missing or broken one fails every test that reads it (never a skip).
    private static let manifest: Result<Manifest, Error> = Result {
        try JSONDecoder().decode(Manifest.self, from: Data(contentsOf: FixturePaths.fixture("nn/manifest.json")))
    }

    /// The array `name` converted to `Scalar`, with its shape.
    static func tensor<Scalar: NNScalar>(_ name: String, as: Scalar.Type = Scalar.self) throws -> Tensor<Scalar> {
        guard let entry = try manifest.get().arrays[name] else {
            XCTFail("fixture array \(name) not in manifest")
            throw CocoaError(.fileNoSuchFile)
        }
        let data = try Data(contentsOf: FixturePaths.fixture("nn/\(entry.file)"))
        let count = entry.shape.reduce(1, *)
        var scalars = [Scalar]()
        scalars.reserveCapacity(count)
        switch entry.dtype {
        case "f4":
            XCTAssertEqual(data.count, count * 4, name)
            data.withUnsafeBytes { raw in
                for i in 0..<count {
                    scalars.append(
                        Scalar(Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)))))
                }
            }
        case "f8":
            XCTAssertEqual(data.count, count * 8, name)
            data.withUnsafeBytes { raw in
                for i in 0..<count {
                    scalars.append(
                        Scalar(Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)))))
                }
            }
        default:
            XCTFail("unknown dtype \(entry.dtype) for \(name)")
        }
        return Tensor(shape: entry.shape, scalars: scalars)
    }

    /// Loads `<name>.w<layer>.<j>` for every weighted layer of `model` and sets them.
    static func loadWeights<Scalar: NNScalar>(into model: Sequential<Scalar>, case name: String) throws {
        for layer in model.specs.indices where model.parameterCounts[layer] > 0 {
            let count = model.weights(layer: layer).count
            let weights: [Tensor<Scalar>] = try (0..<count).map { try tensor("\(name).w\(layer).\($0)") }
            try model.setWeights(layer: layer, weights)
        }
    }
}
