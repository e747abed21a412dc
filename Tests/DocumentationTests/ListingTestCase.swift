import Foundation
import TestSupport
import XCTest

/// A test that runs documentation listings as they are written: in a fresh directory holding a link to the
/// repository's `Fixtures`, so a listing's `Fixtures/verify/...` paths resolve and the files it writes land in the
/// temporary directory, not the clone.
class ListingTestCase: XCTestCase {
    private var directory: TemporaryDirectory?
    private var previous = ""

    override func setUpWithError() throws {
        let directory = TemporaryDirectory()
        try FileManager.default.createSymbolicLink(at: directory.file("Fixtures"), withDestinationURL: FixturePaths.fixtures)
        previous = FileManager.default.currentDirectoryPath
        XCTAssertTrue(FileManager.default.changeCurrentDirectoryPath(directory.url.path))
        self.directory = directory
    }

    override func tearDown() {
        FileManager.default.changeCurrentDirectoryPath(previous)
        directory = nil
    }

    /// A file the listing wrote, by the relative path it used.
    func written(_ path: String) throws -> URL {
        let url = try XCTUnwrap(directory).file(path)
        XCTAssertTrue(FileManager.default.fileExists(atPath: url.path), "the listing did not write \(path)")
        return url
    }
}
