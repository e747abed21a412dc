import Foundation
import KerasFormat
import NumPyFormat
import SafeIO
import TestSupport
import XCTest

/// `.keras` archives and `.weights.h5` files saved by real Keras 3 (Fixtures/keras3, see its README) read into the
/// weight tree with exactly the values h5py reads from the (inner) weights file.
final class KerasArchiveReadingTests: XCTestCase {
    struct Expected: Decodable {
        struct Weight: Decodable {
            var path: String
            var shape: [Int]
            var dtype: String
            var bits: [String]
        }
        struct File: Decodable {
            var members: [String]?
            var kerasVersion: String?
            var layers: [[String]]?
            var weights: [Weight]

            enum CodingKeys: String, CodingKey {
                case members, layers, weights
                case kerasVersion = "keras_version"
            }
        }
        var files: [String: File]
    }

    static func expected() throws -> Expected {
        try JSONDecoder().decode(Expected.self, from: Data(contentsOf: FixturePaths.fixture("keras3/expected.json")))
    }

    /// Asserts the tree holds exactly `want`'s paths, in order, with their shapes and float32 bit patterns.
    static func assertTree(
        _ tree: KerasWeightTree, equals want: [Expected.Weight], _ name: String, file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertEqual(tree.entries.map(\.path), want.map(\.path), name, file: file, line: line)
        for (got, w) in zip(tree.entries, want) {
            XCTAssertEqual(got.shape, w.shape, "\(name):\(w.path)", file: file, line: line)
            XCTAssertEqual(got.values.map { String(format: "%08x", $0.bitPattern) }, w.bits, "\(name):\(w.path)", file: file, line: line)
        }
    }

    func testReadsArchivesKerasSavedIntoTheTreeH5pyReads() throws {
        let all = try Self.expected()
        let names = all.files.keys.filter { $0.hasSuffix(".keras") }.sorted()
        XCTAssertEqual(names, ["functional.keras", "mixed.keras", "nested.keras", "sequential.keras", "sequential_deflated.keras"])
        for name in names {
            let want = all.files[name]!
            let archive = try KerasArchive.read(FixturePaths.fixture("keras3/\(name)"), isolation: .inProcess)
            XCTAssertEqual(archive.memberPaths, want.members, name)
            XCTAssertEqual(archive.kerasVersion, want.kerasVersion, name)
            XCTAssertEqual(archive.layerSummaries.map { [$0.name, $0.className] }, want.layers, name)
            Self.assertTree(archive.weights, equals: want.weights, name)
        }
    }

    func testNestedModelsKeepTheirPathAndTheVarsGroupsTheirLayerNames() throws {
        let archive = try KerasArchive.read(FixturePaths.fixture("keras3/nested.keras"), isolation: .inProcess)
        XCTAssertEqual(archive.weights["layers/functional/layers/dense/vars/0"]?.shape, [5, 3])
        let names = Dictionary(uniqueKeysWithValues: archive.weights.groups.compactMap { g in g.name.map { (g.path, $0) } })
        XCTAssertEqual(names["layers/functional/layers/dense/vars"], "inner_dense")
        XCTAssertEqual(names["layers/dense/vars"], "dense_6")
        // Keras creates a vars group for a layer without variables too.
        XCTAssertEqual(names["layers/functional/layers/input_layer/vars"], "a")
    }

    func testReadsFloat16AndBFloat16WeightsToFloat32Exactly() throws {
        let all = try Self.expected()
        let want = all.files["mixed.weights.h5"]!.weights
        XCTAssertEqual(want.map(\.dtype), ["float16", "float16", "bfloat16", "bfloat16"])
        let tree = try KerasWeightTree.read(FixturePaths.fixture("keras3/mixed.weights.h5"), isolation: .inProcess)
        Self.assertTree(tree, equals: want, "mixed.weights.h5")
        XCTAssertEqual(tree.entries.map(\.storedType), ["float16", "float16", "bfloat16", "bfloat16"])
    }

    func testReadsMixedPrecisionLegacyH5WhoseBFloat16HasNoMarker() throws {
        let all = try Self.expected()
        let want = all.files["mixed.h5"]!.weights
        let file = try KerasModelFile.read(FixturePaths.fixture("keras3/mixed.h5"), isolation: .inProcess)
        let got = file.layerWeights.flatMap(\.weights)
        // h5py lists bias before kernel (name order); the Keras reader follows weight_names (kernel, bias).
        for w in want {
            let match = try XCTUnwrap(got.first { w.path.hasSuffix($0.name) }, w.path)
            XCTAssertEqual(match.values.map { String(format: "%08x", $0.bitPattern) }, w.bits, w.path)
        }
    }

    func testRefusesArchivesWhoseConfigWouldRunCode() throws {
        for (name, what) in [("bad_lambda.keras", "Lambda"), ("bad_custom_module.keras", "evil.module")] {
            XCTAssertThrowsError(try KerasArchive.read(FixturePaths.fixture("keras3/\(name)"), isolation: .inProcess), name) { error in
                XCTAssertTrue((error as? LocalizedError)?.errorDescription?.contains(what) == true, "\(error)")
            }
        }
    }

    func testRefusesHostileArchivesWithTheZIPReadersChecks() throws {
        func refusal(_ name: String, limits: ResourceLimits = .default) -> Error? {
            do {
                _ = try KerasArchive.read(FixturePaths.fixture("keras3/\(name)"), limits: limits, isolation: .inProcess)
                return nil
            } catch { return error }
        }
        let path = { (name: String) in FixturePaths.fixture("keras3/\(name)").path }
        XCTAssertEqual(
            refusal("bad_traversal.keras") as? NPZError, .unsafeMemberName(file: path("bad_traversal.keras"), member: "../model.weights.h5")
        )
        XCTAssertEqual(
            refusal("bad_bomb.keras") as? NPZError,
            .inflatesPastDeclaredSize(file: path("bad_bomb.keras"), member: "model.weights.h5", declared: 4096))
        XCTAssertEqual(
            refusal("bad_config_too_large.keras", limits: ResourceLimits(maxConfigBytes: 1 << 20)) as? NPZError,
            .memberTooLarge(file: path("bad_config_too_large.keras"), member: "config.json", bytes: 2_100_960, limit: 1 << 20))
        guard case .missingMember(_, "config.json", let found) = refusal("bad_no_config.keras") as? KerasArchiveError else {
            return XCTFail("bad_no_config.keras: \(String(describing: refusal("bad_no_config.keras")))")
        }
        XCTAssertEqual(found, ["metadata.json", "model.weights.h5"])
    }

    func testRecognisesFilesByContentWhateverTheirExtension() throws {
        let kinds: [(String, FileKind?)] = [
            ("keras3/sequential.keras", .kerasArchive), ("keras3/archive_named.h5", .kerasArchive), ("keras3/hdf5_named.keras", .hdf5),
            ("keras3/bad_no_config.keras", .kerasArchive), ("keras3/userblock.bin", .hdf5), ("keras3/mixed.weights.h5", .hdf5),
            ("safetensors/noextension", .safetensors), ("npy/stored.npz", .npz), ("keras3/expected.json", .json),
        ]
        for (path, kind) in kinds {
            XCTAssertEqual(try FileKind.detect(FixturePaths.fixture(path)), kind, path)
        }
    }
}
