import HDF5

/// String-list attributes as Keras stores them: one attribute `name`, or, when the list is over HDF5's 64 KB
/// object header limit, chunks `name0`, `name1`, ... (Keras' `save_attributes_to_hdf5_group`).
public enum KerasAttributes {
    /// HDF5's object header limit as Keras uses it (`HDF5_OBJECT_HEADER_LIMIT`).
    public static let objectHeaderLimit = 64512

    /// Reads `name` or its chunks `name0`, `name1`, ... in order; nil when neither exists.
    public static func readStrings(_ group: HDF5Group, _ name: String, maxChunks: Int = 65536) throws -> [String]? {
        if let whole = try group.stringArrayAttribute(name) { return whole }
        var result: [String] = []
        var index = 0
        while index < maxChunks, let chunk = try group.stringArrayAttribute("\(name)\(index)") {
            result += chunk
            index += 1
        }
        return index == 0 ? nil : result
    }

    /// Writes `values` as Keras does: one attribute (variable-length UTF-8, or fixed-length `|S` when `fixedLength`)
    /// when its NumPy `|S` size (longest element x count) fits `objectHeaderLimit`, else the fewest chunks
    /// `name0`, `name1`, ... (split like `np.array_split`) that each fit, as fixed-length strings.
    /// An empty list is written as an empty float64 array, as h5py does. Throws if one element alone is over the limit.
    public static func writeStrings(_ group: HDF5Group, _ name: String, _ values: [String], fixedLength: Bool) throws {
        let itemSize = max(1, values.map(\.utf8.count).max() ?? 1)
        if let long = values.first(where: { $0.utf8.count > objectHeaderLimit }) {
            throw KerasFormatError.badAttribute(
                file: group.filePath, attribute: "\(group.path)@\(name)",
                reason: "an element of \(long.utf8.count) bytes is over the \(objectHeaderLimit)-byte header limit")
        }
        var chunks = 1
        while chunkSizes(values.count, chunks).contains(where: { $0 * itemSize > objectHeaderLimit }) { chunks += 1 }
        if chunks == 1 {
            try group.setStringArrayAttribute(name, values, fixedLength: fixedLength)
            return
        }
        var start = 0
        for (index, size) in chunkSizes(values.count, chunks).enumerated() {
            let chunk = Array(values[start..<(start + size)])
            // Pad to the common item size so every chunk has the dtype NumPy gives the whole array.
            try group.setStringArrayAttribute("\(name)\(index)", chunk, fixedLength: true, minimumLength: itemSize)
            start += size
        }
    }

    /// Sizes of `np.array_split(range(n), k)`: the first `n % k` chunks get one extra element.
    static func chunkSizes(_ n: Int, _ k: Int) -> [Int] {
        (0..<k).map { n / k + ($0 < n % k ? 1 : 0) }
    }
}
