import Foundation

/// Minimum, maximum, mean and non-finite counts of an array, for `inspect`.
public struct ArraySummary: Codable, Sendable {
    public var min: Double?
    public var max: Double?
    public var mean: Double?
    public var nanCount: Int
    public var infCount: Int

    /// Summarises `values`; NaN and infinities are counted and left out of min/max/mean.
    public init(_ values: [Double]) {
        var lo = Double.infinity
        var hi = -Double.infinity
        var sum = 0.0
        var n = 0
        var nans = 0
        var infs = 0
        values.withUnsafeBufferPointer { p in
            for v in p {
                if v.isNaN {
                    nans += 1
                    continue
                }
                if v.isInfinite {
                    infs += 1
                    continue
                }
                if v < lo { lo = v }
                if v > hi { hi = v }
                sum += v
                n += 1
            }
        }
        min = n > 0 ? lo : nil
        max = n > 0 ? hi : nil
        mean = n > 0 ? sum / Double(n) : nil
        nanCount = nans
        infCount = infs
    }
}
