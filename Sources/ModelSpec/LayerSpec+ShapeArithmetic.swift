/// The axis and broadcasting arithmetic the shape rules share (no layer kind of its own).
extension LayerSpec {
    /// (steps, channels) of a sequence input in `format`, or an error for any other rank.
    static func sequence(_ input: [Int], _ format: DataFormat, _ impossible: (String) -> ModelSpecError) throws -> (
        steps: Int, channels: Int
    ) {
        guard input.count == 2 else { throw impossible("needs a sequence input of rank 2 (steps and channels), got rank \(input.count)") }
        return format == .channelsFirst ? (input[1], input[0]) : (input[0], input[1])
    }

    /// Several distinct Keras axes as sorted indices into the example's shape (see `featureAxis`).
    public static func featureAxes(_ axes: [Int], rank: Int, _ impossible: (String) -> ModelSpecError) throws -> [Int] {
        let indices = try axes.map { try featureAxis($0, rank: rank, impossible) }.sorted()
        guard Set(indices).count == indices.count else { throw impossible("axes \(axes) name one axis twice") }
        return indices
    }

    /// A Keras axis (batch = 0, negative from the end, of a tensor whose examples have rank `rank`) as an index
    /// into the example's shape.
    public static func featureAxis(_ axis: Int, rank: Int, _ impossible: (String) -> ModelSpecError) throws -> Int {
        let index = axis < 0 ? axis + rank : axis - 1
        guard index >= 0, index < rank else {
            throw impossible("axis \(axis) does not exist in an input of rank \(rank + 1) (with the batch)")
        }
        return index
    }

    /// NumPy broadcasting of example shapes (aligned from the last axis), as Keras' merge layers do.
    static func broadcast(_ shapes: [[Int]], _ impossible: (String) -> ModelSpecError) throws -> [Int] {
        let rank = shapes.map(\.count).max() ?? 0
        var out = [Int](repeating: 1, count: rank)
        for shape in shapes {
            for (offset, d) in shape.reversed().enumerated() {
                let i = rank - 1 - offset
                if out[i] == 1 {
                    out[i] = d
                } else if d != 1 && d != out[i] {
                    throw impossible("shapes do not broadcast (axis \(i + 1): \(out[i]) and \(d))")
                }
            }
        }
        return out
    }
}
