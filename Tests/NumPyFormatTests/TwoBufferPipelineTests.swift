import Foundation
import XCTest

@testable import NumPyFormat

/// The pipeline behind `writeMemberAsNPY` hands every piece over in order, and a failure on either side ends both
/// sides and comes back to the caller instead of hanging either thread.
final class TwoBufferPipelineTests: XCTestCase {
    private struct Failure: Error, Equatable { let side: String }

    /// Pieces of uneven sizes, each filled with its index, arrive in order and whole.
    func testPiecesArriveInOrderWithTheirContents() throws {
        let sizes = [5, 3, 8, 1, 8, 2]
        var seen: [[UInt8]] = []
        try TwoBufferPipeline.run(
            sizes: sizes, fill: { i, buffer in buffer.initializeMemory(as: UInt8.self, repeating: UInt8(i)) },
            drain: { seen.append(Array($0)) })
        XCTAssertEqual(seen, sizes.enumerated().map { [UInt8](repeating: UInt8($0), count: $1) })
    }

    func testAFailedFillStopsTheDrainAndIsRethrown() {
        let filled = Counter()
        var drained = 0
        XCTAssertThrowsError(
            try TwoBufferPipeline.run(
                sizes: Array(repeating: 4, count: 10),
                fill: { i, _ in
                    filled.add()
                    if i == 3 { throw Failure(side: "fill") }
                }, drain: { _ in drained += 1 })
        ) { XCTAssertEqual($0 as? Failure, Failure(side: "fill")) }
        // The pieces filled before the failure may or may not be drained (the consumer stops as soon as it sees the
        // failure), never the failed one or any after it.
        XCTAssertLessThanOrEqual(drained, 3, "no piece from the failure on")
        XCTAssertEqual(filled.value, 4, "no piece after the failure")
    }

    func testAFailedDrainStopsTheFillAndIsRethrown() {
        for failing in 0..<4 {
            let filled = Counter()
            XCTAssertThrowsError(
                try TwoBufferPipeline.run(
                    sizes: Array(repeating: 4, count: 50), fill: { _, _ in filled.add() },
                    drain: { _ in if filled.value > failing { throw Failure(side: "drain") } })
            ) { XCTAssertEqual($0 as? Failure, Failure(side: "drain")) }
            XCTAssertLessThanOrEqual(filled.value, failing + 3, "the producer stops within a piece or two")
        }
    }

    func testNoPiecesCallsNeitherSide() throws {
        try TwoBufferPipeline.run(sizes: [], fill: { _, _ in XCTFail("fill") }, drain: { _ in XCTFail("drain") })
    }

    /// A count shared with the producer's thread.
    private final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var count = 0
        var value: Int { lock.withLock { count } }
        func add() { lock.withLock { count += 1 } }
    }
}
