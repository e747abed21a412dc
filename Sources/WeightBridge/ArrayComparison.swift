import Foundation
import SafeIO

/// Compares two sets of named arrays as `numpy.allclose` would, array by array:
/// same shapes, values with `|a - b| <= atol + rtol * |b|`, NaN equal to NaN.
///
/// Arrays are paired by name, through an optional renaming map, or (with `pairSingleArrays`) as the one
/// array of each side whatever their names, so `swift.npy` and `keras.npy` compare their arrays.
public struct ArrayComparison: Codable, Sendable {
    /// The verdict for one pair of arrays (or one array without a partner).
    public struct Entry: Codable, Sendable {
        /// The array's name in the first file (or in the second, for an array only there).
        public var name: String
        /// The partner's name in the second file when it differs from `name`.
        public var nameB: String?
        public var shapeA: [Int]?
        public var shapeB: [Int]?
        public var dtypeA: String?
        public var dtypeB: String?
        public var maxAbsoluteDifference: Double?
        public var maxRelativeDifference: Double?
        /// C-order index of the element with the largest absolute difference (a NaN against a number counts as largest).
        public var worstIndex: [Int]?
        /// The first file's value at `worstIndex`.
        public var worstA: Double?
        /// The second file's value at `worstIndex`.
        public var worstB: Double?
        public var mismatchedElements: Int
        public var problem: String?
        public var pass: Bool

        /// `name`, or `name vs nameB` for a renamed pair.
        public var displayName: String { nameB.map { "\(name) vs \($0)" } ?? name }
    }

    public var rtol: Double
    public var atol: Double
    public var entries: [Entry]
    public var pass: Bool { entries.allSatisfy(\.pass) }

    /// Compares `a` with `b` (b is the reference for the relative tolerance). With `checkDTypes`, arrays of
    /// different dtypes mismatch even when their values agree. `memberMap` pairs a name of `a` with a different
    /// name of `b` (`["probs": "output_0"]`); names it does not mention pair with the same name. With
    /// `pairSingleArrays`, one array on each side is compared whatever the names. A name of `memberMap` that is not
    /// in `a` or `b` simply leaves that array unpaired ("only in the first file"); `compareFiles` refuses it instead.
    public init(
        _ a: [NamedArray], _ b: [NamedArray], rtol: Double = 1e-7, atol: Double = 0, checkDTypes: Bool = true,
        memberMap: [String: String] = [:], pairSingleArrays: Bool = false
    ) {
        self.rtol = rtol
        self.atol = atol
        if pairSingleArrays && a.count == 1 && b.count == 1 {
            entries = [Self.compare(a[0], b[0], rtol: rtol, atol: atol, checkDTypes: checkDTypes)]
            return
        }
        var entries: [Entry] = []
        let bByName = Dictionary(b.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var paired = Set<String>()
        for x in a {
            let partner = memberMap[x.name] ?? x.name
            guard let y = bByName[partner] else {
                entries.append(
                    Entry(
                        name: x.name, nameB: partner == x.name ? nil : partner, shapeA: x.shape, dtypeA: x.dtype,
                        mismatchedElements: 0, problem: "only in the first file", pass: false))
                continue
            }
            paired.insert(partner)
            entries.append(Self.compare(x, y, rtol: rtol, atol: atol, checkDTypes: checkDTypes))
        }
        for y in b where !paired.contains(y.name) {
            entries.append(
                Entry(
                    name: y.name, shapeB: y.shape, dtypeB: y.dtype, mismatchedElements: 0, problem: "only in the second file", pass: false))
        }
        self.entries = entries
    }

    /// Reads two files (`.npy`, `.npz`, Keras `.h5`) and compares their arrays: a file holding a single array
    /// (an `.npy`, or an archive of one member) is compared with another such file whatever the names; otherwise
    /// arrays pair by name through `memberMap` (first file's name to second file's name). Dtypes must agree
    /// when both files are NumPy files. Throws the readers' errors, and `ComparisonError.noSuchArray` for a
    /// `memberMap` name that is not in its file. `.h5` and `.keras` files are parsed by libhdf5 as `isolation` says.
    public static func compareFiles(
        _ a: URL, _ b: URL, rtol: Double = 1e-7, atol: Double = 0, memberMap: [String: String] = [:], limits: ResourceLimits = .default,
        isolation: KerasReadIsolation = .inProcess
    ) throws -> ArrayComparison {
        // One pair in memory at a time (for .npz and .safetensors; other kinds are read whole); .npy, .npz and
        // .safetensors pairs piece by piece, in constant memory.
        let sourceA = try NamedArraySource.open(a, limits: limits, isolation: isolation)
        let sourceB = try NamedArraySource.open(b, limits: limits, isolation: isolation)
        let namesA = Set(sourceA.names)
        let namesB = Set(sourceB.names)
        for (from, to) in memberMap.sorted(by: { $0.key < $1.key }) {
            guard namesA.contains(from) else { throw ComparisonError.noSuchArray(file: a.path, name: from, names: namesA.sorted()) }
            guard namesB.contains(to) else { throw ComparisonError.noSuchArray(file: b.path, name: to, names: namesB.sorted()) }
        }
        let checkDTypes = [sourceA.kind, sourceB.kind].allSatisfy { $0 == .npy || $0 == .npz }
        var result = ArrayComparison([], [], rtol: rtol, atol: atol)
        /// One pair: a Keras weight that comes next in its file streamed beside the other side's pieces; otherwise
        /// piece by piece when both sides can and their storage orders agree; else read whole.
        func pair(_ name: String, _ partner: String) throws -> Entry {
            if let entry = try streamedPair(name, partner) { return entry }
            if let piecesA = sourceA.pieces, let piecesB = sourceB.pieces, let ra = try piecesA(name), let rb = try piecesB(partner) {
                let (x, y) = (ra.header, rb.header)
                if x.shape != y.shape || x.fortranOrder == y.fortranOrder || x.shape.count <= 1 {
                    var entry = try compare(name: name, nameB: partner, ra, rb, rtol: rtol, atol: atol, checkDTypes: checkDTypes)
                    // Each file's own name for its dtype (`float32` for Keras weights, `bfloat16`), as whole reads give.
                    entry.dtypeA = try sourceA.describe(name).dtype
                    entry.dtypeB = try sourceB.describe(partner).dtype
                    return entry
                }
            }
            return compare(try sourceA.load(name), try sourceB.load(partner), rtol: rtol, atol: atol, checkDTypes: checkDTypes)
        }
        /// The pair with one side streamed from a Keras file (`NamedArraySource.stream`) and the other pulled beside it
        /// in C order; nil when neither side can stream this pair (then nothing has been read).
        func streamedPair(_ name: String, _ partner: String) throws -> Entry? {
            let (shapeA, dtypeA) = try sourceA.describe(name)
            let (shapeB, dtypeB) = try sourceB.describe(partner)
            guard shapeA == shapeB else { return nil }
            let streamed: (stream: (String, (UnsafeBufferPointer<Float>) throws -> Void) throws -> Bool, name: String, isFirst: Bool)
            let pulled: ArrayPieceReader
            if let stream = sourceA.stream, let pieces = sourceB.pieces, let reader = try pieces(partner) {
                (streamed, pulled) = ((stream, name, true), reader)
            } else if let stream = sourceB.stream, let pieces = sourceA.pieces, let reader = try pieces(name) {
                (streamed, pulled) = ((stream, partner, false), reader)
            } else {
                return nil
            }
            guard !pulled.header.fortranOrder || pulled.header.shape.count <= 1 else { return nil }
            var entry = Entry(
                name: name, nameB: name == partner ? nil : partner, shapeA: shapeA, shapeB: shapeB, dtypeA: dtypeA, dtypeB: dtypeB,
                mismatchedElements: 0, pass: true)
            guard
                let differences = try compare(
                    streamed: { try streamed.stream(streamed.name, $0) }, against: pulled, streamedIsFirst: streamed.isFirst, rtol: rtol,
                    atol: atol)
            else { return nil }
            differences.record(in: &entry, shape: shapeA, fortranOrder: false)
            if let problem = differences.problem(of: shapeA.reduce(1, *)) {
                entry.pass = false
                entry.problem = problem
            }
            return entry
        }
        if memberMap.isEmpty && sourceA.names.count == 1 && sourceB.names.count == 1 {
            result.entries = [try pair(sourceA.names[0], sourceB.names[0])]
            return result
        }
        // The same pairing as `init(_:_:...)`: by name through `memberMap`, then what is left on either side.
        var paired = Set<String>()
        for name in sourceA.names {
            let partner = memberMap[name] ?? name
            guard namesB.contains(partner) else {
                let (shape, dtype) = try sourceA.describe(name)
                result.entries.append(
                    Entry(
                        name: name, nameB: partner == name ? nil : partner, shapeA: shape, dtypeA: dtype, mismatchedElements: 0,
                        problem: "only in the first file", pass: false))
                continue
            }
            paired.insert(partner)
            result.entries.append(try pair(name, partner))
        }
        for name in sourceB.names where !paired.contains(name) {
            let (shape, dtype) = try sourceB.describe(name)
            result.entries.append(
                Entry(name: name, shapeB: shape, dtypeB: dtype, mismatchedElements: 0, problem: "only in the second file", pass: false))
        }
        return result
    }

    /// Compares one pair element by element.
    static func compare(_ x: NamedArray, _ y: NamedArray, rtol: Double, atol: Double, checkDTypes: Bool) -> Entry {
        var e = Entry(
            name: x.name, nameB: x.name == y.name ? nil : y.name, shapeA: x.shape, shapeB: y.shape, dtypeA: x.dtype, dtypeB: y.dtype,
            mismatchedElements: 0, pass: true)
        var problems: [String] = []
        if x.shape != y.shape {
            problems.append("shapes differ: \(ArrayComparison.describe(shape: x.shape)) vs \(ArrayComparison.describe(shape: y.shape))")
        } else {
            var differences = Differences(rtol: rtol, atol: atol)
            differences.add(x.values, y.values, at: 0)
            differences.record(in: &e, shape: x.shape, fortranOrder: false)
            if let problem = differences.problem(of: x.values.count) { problems.append(problem) }
        }
        if checkDTypes && x.dtype != y.dtype { problems.append("dtypes differ: \(x.dtype) vs \(y.dtype)") }
        if !problems.isEmpty {
            e.pass = false
            e.problem = problems.joined(separator: "; ")
        }
        return e
    }

    /// The C-order multi-index of flat position `flat` in `shape` (`[flat]` for a 0-d or mismatched shape).
    public static func index(of flat: Int, in shape: [Int]) -> [Int] {
        guard !shape.isEmpty, shape.allSatisfy({ $0 > 0 }) else { return [flat] }
        var rest = flat
        var out = [Int](repeating: 0, count: shape.count)
        for axis in stride(from: shape.count - 1, through: 0, by: -1) {
            out[axis] = rest % shape[axis]
            rest /= shape[axis]
        }
        return out
    }

    /// A shape as NumPy prints it: `(3, 4)`, `(5,)`, `()`.
    public static func describe(shape: [Int]) -> String {
        shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
    }
}

/// Errors from comparing files.
public enum ComparisonError: WeightBridgeError, Equatable {
    /// A renamed member is not in its file.
    case noSuchArray(file: String, name: String, names: [String])

    public var fileAndProblem: (file: String?, problem: String) {
        switch self {
        case .noSuchArray(let file, let name, let names):
            (file, "no array named '\(name)' (it holds: \(names.prefix(10).joined(separator: ", ") + (names.count > 10 ? ", ..." : "")))")
        }
    }
}
