import Foundation
import MNIST
import TestSupport
import XCTest

/// Parity with NumPy's legacy RandomState and scikit-learn's train_test_split, from fixtures
/// written by Fixtures/generate/mnist_fixtures.py.
final class LegacyRandomStateTests: XCTestCase {
    struct SplitFixture: Decodable {
        struct Permutation: Decodable {
            let seed: UInt32
            let n: Int
            let sha256: String
            let permutation: [Int]?
        }
        struct Raw: Decodable {
            let seed: UInt32
            let first: [UInt32]
            let thousandth: UInt32
        }
        let trainCount: Int
        let testCount: Int
        let trainSha256: String
        let testSha256: String
        let trainFirst100: [Int]
        let trainLast100: [Int]
        let permutations: [Permutation]
        let rawUint32: [Raw]
    }

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return decoder
    }()

    static func fixture() throws -> SplitFixture {
        try Self.decoder.decode(SplitFixture.self, from: Data(contentsOf: FixturePaths.fixture("split/split.json")))
    }

    static func littleEndianU32(_ values: [Int]) -> Data {
        var data = Data(capacity: values.count * 4)
        for v in values { withUnsafeBytes(of: UInt32(v).littleEndian) { data.append(contentsOf: $0) } }
        return data
    }

    func testRawOutputsMatchNumPyMT19937() throws {
        for raw in try Self.fixture().rawUint32 {
            var random = LegacyRandomState(seed: raw.seed)
            let outputs = (0..<1000).map { _ in random.nextUInt32() }
            XCTAssertEqual(Array(outputs.prefix(10)), raw.first, "seed \(raw.seed)")
            XCTAssertEqual(outputs[999], raw.thousandth, "seed \(raw.seed)")
        }
    }

    func testPermutationsMatchNumPyLegacyPermutation() throws {
        let cases = try Self.fixture().permutations
        XCTAssertGreaterThanOrEqual(cases.count, 6)
        for c in cases {
            var random = LegacyRandomState(seed: c.seed)
            let perm = random.permutation(c.n)
            if let expected = c.permutation { XCTAssertEqual(perm, expected, "seed \(c.seed) n \(c.n)") }
            XCTAssertEqual(MNISTChecksum.sha256(Self.littleEndianU32(perm)), c.sha256, "seed \(c.seed) n \(c.n)")
        }
    }

    func testSeedMLPSplitEqualsSklearnTrainTestSplit() throws {
        let fixture = try Self.fixture()
        let (train, test) = SeedMLPSplit.indices()
        XCTAssertEqual(train.count, fixture.trainCount)
        XCTAssertEqual(test.count, fixture.testCount)
        let stored = try Data(contentsOf: FixturePaths.fixture("split/test_indices.u32le"))
        XCTAssertEqual(stored.count, 14000 * 4)
        let bytes = [UInt8](stored)
        var sklearnTest: [Int] = []
        for i in stride(from: 0, to: bytes.count, by: 4) {
            var value = UInt32(bytes[i + 3])
            value = value << 8 | UInt32(bytes[i + 2])
            value = value << 8 | UInt32(bytes[i + 1])
            value = value << 8 | UInt32(bytes[i])
            sklearnTest.append(Int(value))
        }
        XCTAssertEqual(test, sklearnTest)
        XCTAssertEqual(MNISTChecksum.sha256(Self.littleEndianU32(test)), fixture.testSha256)
        XCTAssertEqual(Array(train.prefix(100)), fixture.trainFirst100)
        XCTAssertEqual(Array(train.suffix(100)), fixture.trainLast100)
        XCTAssertEqual(MNISTChecksum.sha256(Self.littleEndianU32(train)), fixture.trainSha256)
        XCTAssertEqual(Set(train + test).count, 70000)
    }

    func testSeedMLPSplitsOfTheShippedFilesMatchSklearnOnNumPyArrays() throws {
        // NumPy reads the same IDX files, stacks train then test (OpenML order) and splits with sklearn;
        // the SHA-256 of each side's pixels and labels must match Swift's.
        let directory = FixturePaths.fixture("mnist").path
        let out = try runPython(
            """
            import gzip, hashlib, sys
            import numpy as np
            from sklearn.model_selection import train_test_split
            d = sys.argv[1]
            def idx(name, offset):
                with gzip.open(d + "/" + name) as f:
                    return np.frombuffer(f.read(), dtype=np.uint8, offset=offset)
            X = np.concatenate([idx("train-images-idx3-ubyte.gz", 16), idx("t10k-images-idx3-ubyte.gz", 16)]).reshape(70000, 784)
            y = np.concatenate([idx("train-labels-idx1-ubyte.gz", 8), idx("t10k-labels-idx1-ubyte.gz", 8)])
            X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=42)
            for a in (X_train, X_test, y_train, y_test):
                print(hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest())
            """, args: [directory])
        let expected = out.split(separator: "\n").map(String.init)
        XCTAssertEqual(expected.count, 4)
        let (train, test) = SeedMLPSplit.splits(of: try MNISTDataset.load(directory: FixturePaths.fixture("mnist")))
        XCTAssertEqual(train.count, 56000)
        XCTAssertEqual(test.count, 14000)
        XCTAssertEqual(
            [train.images, test.images, train.labels, test.labels].map { MNISTChecksum.sha256($0) }, expected)
    }
}
