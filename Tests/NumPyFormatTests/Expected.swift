import Foundation
import NumPyFormat
import TestSupport
import XCTest

/// What `Fixtures/generate/npy_fixtures.py` recorded about one array it saved with numpy.
struct ExpectedArray {
    let descr: String
    let shape: [Int]
    let fortranOrder: Bool
    let version: String
    /// C-order values as numpy printed them: `repr(float)` or the integer.
    let values: [String]

    init(_ json: [String: Any]) {
        descr = json["descr"] as! String
        shape = (json["shape"] as! [NSNumber]).map(\.intValue)
        fortranOrder = json["fortran_order"] as! Bool
        version = json["version"] as! String
        values = json["values"] as! [String]
    }

    var doubles: [Double] { values.map { Double($0) ?? Double(UInt64($0)!) } }
}

/// The fixtures' `expected.json`.
enum Expected {
    static let json: [String: Any] = {
        let data = try! Data(contentsOf: FixturePaths.fixture("npy/expected.json"))
        return try! JSONSerialization.jsonObject(with: data) as! [String: Any]
    }()

    static var npy: [String: ExpectedArray] {
        (json["npy"] as! [String: [String: Any]]).mapValues(ExpectedArray.init)
    }

    static func npz(_ file: String) -> (order: [String], arrays: [String: ExpectedArray]) {
        var members = (json["npz"] as! [String: [String: Any]])[file]!
        let order = members.removeValue(forKey: "_order") as! [String]
        return (order, members.mapValues { ExpectedArray($0 as! [String: Any]) })
    }
}

/// Asserts that `array` holds exactly what numpy saved (dtype, shape, order, every value bit for bit).
func assertMatches(_ array: NPYArray, _ expected: ExpectedArray, _ name: String, file: StaticString = #filePath, line: UInt = #line) throws
{
    XCTAssertEqual(array.dtype.descr, expected.descr, name, file: file, line: line)
    XCTAssertEqual(array.shape, expected.shape, name, file: file, line: line)
    XCTAssertEqual(array.fortranOrder, expected.fortranOrder, name, file: file, line: line)
    let doubles = try array.doubles()
    let want = expected.doubles
    XCTAssertEqual(doubles.map(\.bitPattern), want.map(\.bitPattern), "\(name) doubles", file: file, line: line)
    if array.dtype.elementType.isFloatingPoint {
        XCTAssertThrowsError(try array.int64s(), name, file: file, line: line)
        XCTAssertEqual(try array.floats().map(\.bitPattern), want.map { Float($0).bitPattern }, "\(name) floats", file: file, line: line)
    } else if expected.values.allSatisfy({ Int64($0) != nil }) {
        XCTAssertEqual(try array.int64s(), expected.values.map { Int64($0)! }, "\(name) int64s", file: file, line: line)
    } else {
        XCTAssertThrowsError(try array.int64s(), "\(name): uint64 above Int64.max", file: file, line: line)
    }
}
