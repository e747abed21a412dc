import Foundation

extension ArraySummary {
    /// Gathers an `ArraySummary` piece by piece, so an array of any size is summarised in the memory of one piece
    /// (`inspect` and `compare` of large members). Pieces may come in any order: min, max, counts and the sum do not
    /// depend on it (the mean's last digits may, by float rounding).
    public struct Accumulator: Sendable {
        private var lo = Double.infinity
        private var hi = -Double.infinity
        private var sum = 0.0
        private var n = 0
        private var nans = 0
        private var infs = 0

        /// An accumulator that has seen nothing (its summary has no min, max or mean).
        public init() {}

        /// Adds `values`; NaN and infinities are counted and left out of min/max/mean, as `ArraySummary.init`.
        public mutating func add(_ values: [Double]) {
            values.withUnsafeBufferPointer { p in
                for v in p { add(v) }
            }
        }

        /// Adds float32 `values` as `add(_:)` adds them widened to Double (the same summary, bit for bit), without
        /// a Double copy.
        public mutating func add(_ values: UnsafeBufferPointer<Float>) {
            for f in values { add(Double(f)) }
        }

        /// One value: NaN and infinities counted, the rest into min, max and sum.
        @inline(__always) private mutating func add(_ v: Double) {
            if v.isNaN {
                nans += 1
            } else if v.isInfinite {
                infs += 1
            } else {
                if v < lo { lo = v }
                if v > hi { hi = v }
                sum += v
                n += 1
            }
        }

        /// The summary of everything added so far.
        public var summary: ArraySummary {
            ArraySummary(
                min: n > 0 ? lo : nil, max: n > 0 ? hi : nil, mean: n > 0 ? sum / Double(n) : nil, nanCount: nans, infCount: infs)
        }
    }
}
