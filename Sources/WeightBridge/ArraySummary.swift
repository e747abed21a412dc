import Foundation

/// Minimum, maximum, mean and non-finite counts of an array, for `inspect`.
public struct ArraySummary: Codable, Sendable {
    public var min: Double?
    public var max: Double?
    public var mean: Double?
    public var nanCount: Int
    public var infCount: Int

    /// Summarises `values`; NaN and infinities are counted and left out of min/max/mean (one piece of an
    /// `Accumulator`, which does the counting).
    public init(_ values: [Double]) {
        var accumulator = Accumulator()
        accumulator.add(values)
        self = accumulator.summary
    }

    /// The summary of statistics already gathered (`Accumulator.summary`).
    init(min: Double?, max: Double?, mean: Double?, nanCount: Int, infCount: Int) {
        self.min = min
        self.max = max
        self.mean = mean
        self.nanCount = nanCount
        self.infCount = infCount
    }
}
