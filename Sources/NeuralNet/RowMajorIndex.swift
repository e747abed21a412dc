extension Array where Element == Int {
    /// Steps this multi-index to the next position of `shape` in row-major order (the last axis fastest); after
    /// the last position it wraps to all zeros. Used to build the per-position tables of Permute and PReLU.
    mutating func advanceRowMajor(within shape: [Int]) {
        var axis = count - 1
        while axis >= 0 {
            self[axis] += 1
            if self[axis] < shape[axis] { break }
            self[axis] = 0
            axis -= 1
        }
    }
}
