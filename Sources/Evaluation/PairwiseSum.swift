/// NumPy's pairwise summation of float64 (`np.sum`, `np.mean`, `np.average`), reproduced so that
/// averages over classes are bit-identical to scikit-learn's: blocks of 8 partial sums up to 128
/// elements, halves (rounded down to a multiple of 8) above, a plain loop below 8.
enum PairwiseSum {
    static func sum(_ values: [Double]) -> Double {
        values.withUnsafeBufferPointer { 0.0 + sum($0) }
    }

    private static func sum(_ a: UnsafeBufferPointer<Double>) -> Double {
        let n = a.count
        if n < 8 {
            var total = 0.0
            for v in a { total += v }
            return total
        }
        if n <= 128 {
            var r = Array(a[0..<8])
            var i = 8
            while i < n - n % 8 {
                for j in 0..<8 { r[j] += a[i + j] }
                i += 8
            }
            var total = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
            while i < n {
                total += a[i]
                i += 1
            }
            return total
        }
        var half = n / 2
        half -= half % 8
        return sum(UnsafeBufferPointer(rebasing: a[0..<half])) + sum(UnsafeBufferPointer(rebasing: a[half...]))
    }
}
