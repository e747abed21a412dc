import Foundation
import TestSupport
import XCTest

/// `--max-array-bytes` and the other resource-limit flags, end to end on the built binary.
final class LimitOptionsTests: XCTestCase {
    /// An .npz written by NumPy holding `big` (262,144 float32 = 1 MiB of data) and a small `small`.
    private func makeArchive(in dir: TemporaryDirectory) throws -> URL {
        let url = dir.file("one_mib.npz")
        _ = try runPython(
            "import numpy as np, sys; np.savez(sys.argv[1], small=np.arange(4, dtype='<f4'), big=np.ones(262144, dtype='<f4'))",
            args: [url.path])
        return url
    }

    func testInspectReadsAOneMiBMemberUnderTheDefaultLimits() throws {
        let dir = TemporaryDirectory()
        let npz = try makeArchive(in: dir)
        let r = try WeightBridgeBinary.run(["inspect", npz.path, "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let arrays = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]])
        XCTAssertEqual(arrays.map { $0["name"] as? String }, ["small", "big"])
        XCTAssertEqual(arrays.last?["bytes"] as? Int, 1_048_576)
    }

    func testInspectRefusesAOneMiBMemberOverMaxArrayBytes100K() throws {
        let dir = TemporaryDirectory()
        let npz = try makeArchive(in: dir)
        let r = try WeightBridgeBinary.run(["inspect", npz.path, "--max-array-bytes", "100K"])
        // NumPyFormat refuses from the directory entry, before inflating: the limit it names is 100 KiB plus the
        // largest .npy header numpy writes (10,064 bytes), since a member holds header and data.
        assertOneLineError(r, mentioning: "\(npz.path): member 'big.npy' declares 1048704 bytes, over the limit of 112464")
    }

    func testSuffixesAreBinaryMultiples() throws {
        let dir = TemporaryDirectory()
        let npz = try makeArchive(in: dir)
        // 1M is exactly the member's data size: accepted. 1048575 (one byte less) is refused.
        XCTAssertEqual(try WeightBridgeBinary.run(["inspect", npz.path, "--max-array-bytes", "1M"]).status, 0)
        XCTAssertEqual(try WeightBridgeBinary.run(["inspect", npz.path, "--max-array-bytes", "1MiB"]).status, 0)
        let r = try WeightBridgeBinary.run(["inspect", npz.path, "--max-array-bytes", "1048575"])
        assertOneLineError(r, mentioning: "over the limit of 1048575 bytes")
    }

    func testMaxTotalBytesRefusesTheArchiveBeforeReadingMembers() throws {
        let dir = TemporaryDirectory()
        let npz = try makeArchive(in: dir)
        let r = try WeightBridgeBinary.run(["compare", npz.path, npz.path, "--max-total-bytes", "512K"])
        assertOneLineError(r, mentioning: "over the limit of 524288")
    }

    func testMaxConfigBytesRefusesAKerasModelConfig() throws {
        let h5 = FixturePaths.fixture("h5/keras2_mlp.h5")
        XCTAssertEqual(try WeightBridgeBinary.run(["inspect", h5.path]).status, 0)
        let r = try WeightBridgeBinary.run(["inspect", h5.path, "--max-config-bytes", "1K"])
        assertOneLineError(r, mentioning: "model_config: is")
        XCTAssertTrue(r.stderr.contains("over the limit of 1024 bytes"), r.stderr)
    }

    func testMaxConfigDepthRefusesADeepConfig() throws {
        let h5 = FixturePaths.fixture("h5/keras2_mlp.h5")
        let r = try WeightBridgeBinary.run(["inspect", h5.path, "--max-config-depth", "2"])
        assertOneLineError(r, mentioning: "is nested deeper than 2 levels")
    }

    func testBadSuffixIsAUsageError() throws {
        let dir = TemporaryDirectory()
        let npz = try makeArchive(in: dir)
        for bad in ["100Q", "12.5M", "-1", "M", "99999999999T"] {
            let r = try WeightBridgeBinary.run(["inspect", npz.path, "--max-array-bytes=\(bad)"])
            XCTAssertEqual(r.status, 64, "\(bad): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains("'\(bad)'") && r.stderr.contains("--max-array-bytes"), r.stderr)
        }
    }
}
