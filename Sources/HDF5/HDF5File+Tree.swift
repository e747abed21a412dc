import Foundation

extension HDF5File {
    /// One line per object below the root, depth first in name order: `path  kind  shape dtype` for datasets
    /// (e.g. `/grp/w  dataset  [3, 2] float32`), `path  group`, and `path  soft link` / `external link` for links,
    /// which are listed but never followed. Stops with an error past `maxMembers` objects in total.
    public func treeDescription() throws -> [String] {
        var lines: [String] = []
        let limit = root.location.limits.maxMembers
        func visit(_ group: HDF5Group, _ prefix: String, depth: Int) throws {
            guard depth <= 64 else {
                throw HDF5Error.refused(file: url.path, object: prefix, reason: "groups nested deeper than 64 levels")
            }
            for (name, kind) in try group.children() {
                if lines.count >= limit {
                    throw HDF5Error.limitExceeded(
                        file: url.path, object: prefix, what: "number of objects",
                        bytes: UInt64(limit) + 1, limit: UInt64(limit))
                }
                let path = prefix + "/" + name
                switch kind {
                case .dataset:
                    let dataset = try group.dataset(name)
                    lines.append("\(path)  dataset  \(dataset.shape) \(dataset.elementType)")
                case .group:
                    lines.append("\(path)  group")
                    try visit(try group.group(name), path, depth: depth + 1)
                default:
                    lines.append("\(path)  \(kind.rawValue)")
                }
            }
        }
        try visit(root, "", depth: 0)
        return lines
    }
}
