import Foundation
import TestSupport
import XCTest

/// Symbolic links to models, and a `weightbridge` installed away from its clone and run from another directory.
final class InstalledBinaryTests: XCTestCase {
    func testModelReachedThroughASymlinkChainLoadsLikeTheFile() throws {
        let tmp = TemporaryDirectory()
        let model = FixturePaths.fixture("h5/keras3_cnn.h5")
        // A cache layout: blobs/<hash> holds the bytes, snapshots/model.h5 -> ../blobs/<hash> (relative), plus a link to that link.
        let blobs = tmp.file("blobs")
        let snapshots = tmp.file("snapshots")
        try FileManager.default.createDirectory(at: blobs, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: snapshots, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: model, to: blobs.appendingPathComponent("3f2a9c"))
        try FileManager.default.createSymbolicLink(
            atPath: snapshots.appendingPathComponent("model.h5").path, withDestinationPath: "../blobs/3f2a9c")
        try FileManager.default.createSymbolicLink(
            at: tmp.file("model.h5"), withDestinationURL: snapshots.appendingPathComponent("model.h5"))
        let direct = try WeightBridgeBinary.run(["inspect", model.path, "--json"])
        XCTAssertEqual(direct.status, 0, direct.stderr)
        for link in [snapshots.appendingPathComponent("model.h5"), tmp.file("model.h5")] {
            let r = try WeightBridgeBinary.run(["inspect", link.path, "--json"])
            XCTAssertEqual(r.status, 0, "\(link.path): \(r.stderr)")
            XCTAssertEqual(r.stdout, direct.stdout.replacingOccurrences(of: model.path, with: link.path))
        }
        let compare = try WeightBridgeBinary.run(["compare", tmp.file("model.h5").path, model.path])
        XCTAssertEqual(compare.status, 0, compare.stdout + compare.stderr)
    }

    /// The binary copied to `bin/`, reached through a symlink in `links/`, run from an unrelated `work/`:
    /// it still finds the MNIST fixtures and the seed's reported figures.
    func testCopiedAndSymlinkedBinaryRunsFromAnotherDirectory() throws {
        let mlp = try FixturePaths.sharedFile("seed/mlp_weights.npz")
        let cnn = try FixturePaths.sharedFile("seed/cnn_model.h5")
        let tmp = TemporaryDirectory()
        for dir in ["bin", "links", "work"] {
            try FileManager.default.createDirectory(at: tmp.file(dir), withIntermediateDirectories: true)
        }
        let installed = tmp.file("bin/weightbridge")
        try FileManager.default.copyItem(at: WeightBridgeBinary.url, to: installed)
        let link = tmp.file("links/weightbridge")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: installed)
        func run(_ arguments: [String]) throws -> ProcessResult {
            try runProcess(link.path, arguments, currentDirectory: tmp.file("work"))
        }
        let evaluate = try run(["evaluate", cnn.path, "--json"])
        XCTAssertEqual(evaluate.status, 0, evaluate.stderr)
        let e = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(evaluate.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(e["accuracy"] as? Double, 0.9929)  // 9929 / 10000, the seed's figure
        let verify = try run(["verify", "--mlp", mlp.path, "--cnn", cnn.path, "--json"])
        XCTAssertEqual(verify.status, 0, verify.stderr)
        let v = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(verify.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(v["pass"] as? Bool, true)
        XCTAssertTrue((v["reportedFigures"] as? String ?? "").hasSuffix("Fixtures/seed/reported.json"), "\(v["reportedFigures"] ?? "")")
        let train = try run(["train", "mlp", "--limit", "500", "--epochs", "1", "--output", "m.npz", "--json"])
        XCTAssertEqual(train.status, 0, train.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: tmp.file("work/m.npz").path))
    }
}
