import Foundation

/// Settings of 1-D layers, which Keras writes as one integer or a one-element list (`kernel_size: [3]`).
extension KerasLayerMapping.Settings {
    /// A positive integer given as `n` or `[n]`.
    func single(_ value: Any?, _ setting: String) throws -> Int {
        if let list = value as? [Any] {
            guard list.count == 1 else { throw unsupported(setting, list, expected: "one positive integer") }
            return try positiveInt(list[0], setting)
        }
        return try positiveInt(value, setting)
    }

    /// A non-negative integer (padding or cropping amounts), at most 2^20.
    func count(_ value: Any, _ setting: String) throws -> Int {
        guard let n = value as? NSNumber, let i = Int(exactly: n.doubleValue), i >= 0, i <= 1 << 20 else {
            throw unsupported(setting, value, expected: "non-negative integers")
        }
        return i
    }
}
