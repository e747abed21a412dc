/// Limits on what a file may make WeightBridge allocate, checked before
/// allocating. Every size read from a file is untrusted.
public struct ResourceLimits: Sendable, Equatable {
    /// Largest single array, in bytes (default 4 GiB).
    public var maxArrayBytes: UInt64
    /// Largest total of all members of one archive, in bytes (default 16 GiB).
    public var maxTotalBytes: UInt64
    /// Largest inflated/compressed ratio accepted for a compressed member (default 1100:1,
    /// above deflate's theoretical maximum of about 1032:1).
    public var maxInflateRatio: UInt64
    /// Most members in one archive (default 65536).
    public var maxMembers: Int
    /// Largest JSON/YAML configuration, in bytes (default 64 MiB).
    public var maxConfigBytes: Int
    /// Deepest nesting accepted in a JSON/YAML configuration (default 64).
    public var maxConfigDepth: Int
    /// Most layers in one model configuration, counted per model list (default 100,000; the largest
    /// `keras.applications` model has under 1,000).
    public var maxLayers: Int

    public init(
        maxArrayBytes: UInt64 = 4 << 30, maxTotalBytes: UInt64 = 16 << 30, maxInflateRatio: UInt64 = 1100,
        maxMembers: Int = 65536, maxConfigBytes: Int = 64 << 20, maxConfigDepth: Int = 64, maxLayers: Int = 100_000
    ) {
        self.maxArrayBytes = maxArrayBytes
        self.maxTotalBytes = maxTotalBytes
        self.maxInflateRatio = maxInflateRatio
        self.maxMembers = maxMembers
        self.maxConfigBytes = maxConfigBytes
        self.maxConfigDepth = maxConfigDepth
        self.maxLayers = maxLayers
    }

    /// The defaults.
    public static let `default` = ResourceLimits()
}

extension ResourceLimits {
    /// The one way a message says that a value is over a limit: `"2000028 bytes, over the limit of 1048576 bytes"`.
    /// The caller puts what was measured before it (`"model_config: is " + ...`, `"has " + ...`).
    ///
    /// `unit` is the plural unit of both numbers (`"bytes"`, `"layers"`, `"members"`), or empty for a bare value
    /// such as a layer setting. `whose` names a limit that is not WeightBridge's own (`"NumPy's"`).
    public static func overLimit(_ value: some BinaryInteger, limit: some BinaryInteger, unit: String, whose: String = "the") -> String {
        let unit = unit.isEmpty ? "" : " " + unit
        return "\(value)\(unit), over \(whose) limit of \(limit)\(unit)"
    }
}
