/// The positions of one example grouped by the axes a layer reduces over (LayerNormalization's axes, a softmax's
/// axes): `groupCount` groups, one per position of the other axes in row-major order, each of `groupSize` positions
/// listed row-major over the reduced axes. `offsets[g * groupSize + k]` is the row-major offset of the `k`-th
/// element of group `g` in the example; `group` gives, per example offset, its group (the index into a per-group
/// parameter laid out over the kept axes).
struct AxisGroups {
    let groupCount: Int
    let groupSize: Int
    let offsets: [Int]

    /// `reduced` are indices into `shape` (the example shape, batch excluded).
    init(shape: [Int], reduced: [Int]) {
        let kept = shape.indices.filter { !reduced.contains($0) }
        var strides = [Int](repeating: 1, count: shape.count)
        for axis in stride(from: shape.count - 2, through: 0, by: -1) { strides[axis] = strides[axis + 1] * shape[axis + 1] }
        func positions(_ axes: [Int]) -> [Int] {
            var result = [0]
            for axis in axes {
                result = result.flatMap { base in (0..<shape[axis]).map { base + $0 * strides[axis] } }
            }
            return result
        }
        let starts = positions(kept)
        let inner = positions(reduced.sorted())
        groupCount = starts.count
        groupSize = inner.count
        offsets = starts.flatMap { start in inner.map { start + $0 } }
    }

    /// Per example offset, the index of its group.
    var groupOfOffset: [Int] {
        var result = [Int](repeating: 0, count: offsets.count)
        for (i, offset) in offsets.enumerated() { result[offset] = i / Swift.max(groupSize, 1) }
        return result
    }

    /// Per example offset, its index within its group (the index into a parameter shaped as the reduced axes).
    var positionInGroup: [Int] {
        var result = [Int](repeating: 0, count: offsets.count)
        for (i, offset) in offsets.enumerated() { result[offset] = i % Swift.max(groupSize, 1) }
        return result
    }

    /// Calls `body(group, base, members)` for every group of every example in a batch of `count` elements: `group`
    /// counts the groups across the batch (example * groupCount + g), `base` is the example's first offset and
    /// `members` the group's offsets within the example. Nothing is called when an example is empty.
    @inline(__always)
    func forEachGroup(count: Int, _ body: (Int, Int, Slice<UnsafeBufferPointer<Int>>) -> Void) {
        let exampleSize = groupSize * groupCount
        guard exampleSize > 0 else { return }
        offsets.withUnsafeBufferPointer { offsets in
            for example in 0..<(count / exampleSize) {
                for g in 0..<groupCount {
                    body(example * groupCount + g, example * exampleSize, offsets[(g * groupSize)..<((g + 1) * groupSize)])
                }
            }
        }
    }
}
