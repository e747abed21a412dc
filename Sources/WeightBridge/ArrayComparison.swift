import Foundation

/// Compares two sets of named arrays as `numpy.allclose` would, array by array:
/// same names, same shapes, values with `|a - b| <= atol + rtol * |b|`, NaN equal to NaN.
public struct ArrayComparison: Codable, Sendable {
    /// The verdict for one array name.
    public struct Entry: Codable, Sendable {
        public var name: String
        public var shapeA: [Int]?
        public var shapeB: [Int]?
        public var dtypeA: String?
        public var dtypeB: String?
        public var maxAbsoluteDifference: Double?
        public var maxRelativeDifference: Double?
        public var mismatchedElements: Int
        public var problem: String?
        public var pass: Bool
    }

    public var rtol: Double
    public var atol: Double
    public var entries: [Entry]
    public var pass: Bool { entries.allSatisfy(\.pass) }

    /// Compares `a` with `b` (b is the reference for the relative tolerance). With
    /// `checkDTypes`, arrays of different dtypes mismatch even when their values agree.
    public init(_ a: [NamedArray], _ b: [NamedArray], rtol: Double = 1e-7, atol: Double = 0, checkDTypes: Bool = true) {
        self.rtol = rtol
        self.atol = atol
        var entries: [Entry] = []
        let bByName = Dictionary(b.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let aNames = Set(a.map(\.name))
        for x in a {
            guard let y = bByName[x.name] else {
                entries.append(Entry(name: x.name, shapeA: x.shape, dtypeA: x.dtype, mismatchedElements: 0, problem: "only in the first file", pass: false))
                continue
            }
            var e = Entry(name: x.name, shapeA: x.shape, shapeB: y.shape, dtypeA: x.dtype, dtypeB: y.dtype, mismatchedElements: 0, pass: true)
            if x.shape != y.shape {
                e.problem = "shapes differ"
                e.pass = false
            } else {
                var maxAbs = 0.0, maxRel = 0.0, bad = 0
                x.values.withUnsafeBufferPointer { p in
                    y.values.withUnsafeBufferPointer { q in
                        for i in 0..<p.count {
                            let u = p[i], v = q[i]
                            if u.isNaN || v.isNaN {
                                if !(u.isNaN && v.isNaN) { bad += 1; maxAbs = .nan }
                                continue
                            }
                            if u == v { continue }  // equal infinities too
                            let d = abs(u - v)
                            if d.isNaN || d > atol + rtol * abs(v) { bad += 1 }
                            if !(d <= maxAbs) { maxAbs = d }
                            let r = v == 0 ? (d == 0 ? 0 : .infinity) : d / abs(v)
                            if r > maxRel { maxRel = r }
                        }
                    }
                }
                e.maxAbsoluteDifference = maxAbs
                e.maxRelativeDifference = maxRel
                e.mismatchedElements = bad
                if bad > 0 { e.pass = false; e.problem = "\(bad) elements differ beyond tolerance" }
                if checkDTypes && x.dtype != y.dtype {
                    e.pass = false
                    e.problem = (e.problem.map { $0 + "; " } ?? "") + "dtypes differ"
                }
            }
            entries.append(e)
        }
        for y in b where !aNames.contains(y.name) {
            entries.append(Entry(name: y.name, shapeB: y.shape, dtypeB: y.dtype, mismatchedElements: 0, problem: "only in the second file", pass: false))
        }
        self.entries = entries
    }
}
