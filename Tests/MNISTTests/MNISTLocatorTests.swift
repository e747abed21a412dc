import Foundation
import MNIST
import TestSupport
import XCTest

/// Where MNIST is found without `--mnist`: the first directory holding all four files, the cache last.
final class MNISTLocatorTests: XCTestCase {
    func testFindsTheFirstDirectoryHoldingAllFourFilesAndSearchesTheCacheLast() throws {
        let dir = TemporaryDirectory()
        let partial = dir.file("partial")
        try FileManager.default.createDirectory(at: partial, withIntermediateDirectories: true)
        // Three of the four files is not MNIST.
        for name in ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz"] {
            try FileManager.default.copyItem(at: FixturePaths.fixture("mnist/\(name)"), to: partial.appendingPathComponent(name))
        }
        let cache = dir.file("cache")
        let fixtures = FixturePaths.fixture("mnist")
        let locator = MNISTLocator(fixtures: [dir.file("missing"), partial, fixtures], cache: cache)
        XCTAssertEqual(locator.directories, [dir.file("missing"), partial, fixtures, cache])
        XCTAssertEqual(locator.find(), fixtures)
        XCTAssertNil(MNISTLocator(fixtures: [partial], cache: cache).find())
    }

    func testTheDefaultSearchFindsTheClonesFixturesFromAnyWorkingDirectory() throws {
        let elsewhere = TemporaryDirectory()
        let previous = FileManager.default.currentDirectoryPath
        XCTAssertTrue(FileManager.default.changeCurrentDirectoryPath(elsewhere.url.path))
        defer { FileManager.default.changeCurrentDirectoryPath(previous) }
        let found = try XCTUnwrap(MNISTLocator(cache: elsewhere.file("cache")).find())
        XCTAssertEqual(found.resolvingSymlinksInPath().path, FixturePaths.fixture("mnist").resolvingSymlinksInPath().path)
    }
}
