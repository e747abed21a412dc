import Foundation
import NumPyFormat

extension ArrayComparison {
    /// The differences of one pair gathered piece by piece, so that two arrays of any size compare in the memory of
    /// one piece of each (`compareFiles` on `.npy` and `.npz` files); whole arrays are one piece.
    struct Differences {
        let rtol: Double
        let atol: Double
        private(set) var maxAbs = 0.0
        private(set) var maxRel = 0.0
        private(set) var mismatched = 0
        /// Storage position of the largest absolute difference (-1: none), and the two values there.
        private(set) var worst = -1
        private(set) var worstA = 0.0
        private(set) var worstB = 0.0

        init(rtol: Double, atol: Double) {
            self.rtol = rtol
            self.atol = atol
        }

        /// Adds the pair of pieces `p` (first file) and `q` (reference), of equal length, that start at storage
        /// position `base`. NaN equals NaN; a NaN against a number mismatches and counts as the largest difference.
        mutating func add(_ p: [Double], _ q: [Double], at base: Int) {
            p.withUnsafeBufferPointer { p in
                q.withUnsafeBufferPointer { q in
                    for i in 0..<min(p.count, q.count) {
                        let u = p[i]
                        let v = q[i]
                        if u.isNaN || v.isNaN {
                            if !(u.isNaN && v.isNaN) {
                                mismatched += 1
                                if !maxAbs.isNaN { note(base + i, u, v) }
                                maxAbs = .nan
                            }
                            continue
                        }
                        if u == v { continue }  // equal infinities too
                        let d = abs(u - v)
                        if d.isNaN || d > atol + rtol * abs(v) { mismatched += 1 }
                        if !maxAbs.isNaN && !(d <= maxAbs) {
                            maxAbs = d
                            note(base + i, u, v)
                        }
                        let r = v == 0 ? (d == 0 ? 0 : .infinity) : d / abs(v)
                        if r > maxRel { maxRel = r }
                    }
                }
            }
        }

        private mutating func note(_ position: Int, _ u: Double, _ v: Double) {
            worst = position
            worstA = u
            worstB = v
        }

        /// The pair's problem when some of its `count` elements differ beyond tolerance, nil when none do.
        func problem(of count: Int) -> String? {
            mismatched > 0 ? "\(mismatched) of \(count) elements differ beyond tolerance" : nil
        }

        /// Writes the figures into `entry`; positions count in C order, or in Fortran order with `fortranOrder`.
        func record(in entry: inout Entry, shape: [Int], fortranOrder: Bool) {
            entry.maxAbsoluteDifference = maxAbs
            entry.maxRelativeDifference = maxRel
            entry.mismatchedElements = mismatched
            if worst >= 0 {
                // Fortran storage runs the first axis fastest: C order over the reversed shape, read backwards.
                entry.worstIndex =
                    fortranOrder
                    ? Array(ArrayComparison.index(of: worst, in: Array(shape.reversed())).reversed())
                    : ArrayComparison.index(of: worst, in: shape)
                entry.worstA = worstA
                entry.worstB = worstB
            }
        }
    }

    /// Elements per piece when two arrays are walked side by side: 512 KiB of float64 values per side.
    static let pieceElements = 1 << 16

    /// The differences of an array whose float32 values `streamed` pushes in C order (`NamedArraySource.stream`) and
    /// the array `reader` pulls beside them, piece for piece, `streamedIsFirst` saying which is the first file (the
    /// other is the reference for `rtol`); nil when `streamed` declines (it read nothing). The caller has checked
    /// that the shapes agree and that `reader` is in C order or has at most one dimension. Throws what either
    /// reader throws; `reader`'s final checks (size, CRC-32) run at the end.
    static func compare(
        streamed: ((UnsafeBufferPointer<Float>) throws -> Void) throws -> Bool, against reader: ArrayPieceReader,
        streamedIsFirst: Bool, rtol: Double, atol: Double
    ) throws -> Differences? {
        var differences = Differences(rtol: rtol, atol: atol)
        var position = 0
        let accepted = try streamed { values in
            var start = 0
            while start < values.count {
                guard let q = try reader.next(maxElements: min(pieceElements, values.count - start)) else { return }
                let count = q.shape[0]
                let p = values[start..<(start + count)].map(Double.init)
                if streamedIsFirst {
                    differences.add(p, try q.doubles(), at: position)
                } else {
                    differences.add(try q.doubles(), p, at: position)
                }
                start += count
                position += count
            }
        }
        guard accepted else { return nil }
        _ = try reader.next(maxElements: 1)  // the pulled side's final checks (size, CRC-32)
        return differences
    }

    /// Compares the arrays `a` and `b` read piece by piece, with the verdict `compare(_:_:...)` gives for the whole
    /// arrays. Both must be in the same storage order unless they have at most one dimension (the caller reads
    /// them whole otherwise). Arrays of different shapes are not read.
    static func compare(
        name: String, nameB: String, _ a: ArrayPieceReader, _ b: ArrayPieceReader, rtol: Double, atol: Double, checkDTypes: Bool
    ) throws -> Entry {
        let (x, y) = (a.header, b.header)
        var e = Entry(
            name: name, nameB: name == nameB ? nil : nameB, shapeA: x.shape, shapeB: y.shape, dtypeA: x.dtype.descr,
            dtypeB: y.dtype.descr, mismatchedElements: 0, pass: true)
        var problems: [String] = []
        if x.shape != y.shape {
            problems.append("shapes differ: \(describe(shape: x.shape)) vs \(describe(shape: y.shape))")
        } else {
            var differences = Differences(rtol: rtol, atol: atol)
            var position = 0
            while let p = try a.next(maxElements: pieceElements) {
                guard let q = try b.next(maxElements: p.shape[0]) else { break }
                differences.add(try p.doubles(), try q.doubles(), at: position)
                position += p.shape[0]
            }
            _ = try b.next(maxElements: 1)  // the reference's final checks (size, CRC-32)
            differences.record(in: &e, shape: x.shape, fortranOrder: x.fortranOrder && x.shape.count > 1)
            if let problem = differences.problem(of: x.count) { problems.append(problem) }
        }
        if checkDTypes && x.dtype.descr != y.dtype.descr { problems.append("dtypes differ: \(x.dtype.descr) vs \(y.dtype.descr)") }
        if !problems.isEmpty {
            e.pass = false
            e.problem = problems.joined(separator: "; ")
        }
        return e
    }
}
