/// What a link in a group points to. Soft and external links are reported, never followed.
public enum HDF5ObjectKind: String, Sendable, Equatable {
    case group, dataset
    /// A named (committed) datatype.
    case datatype
    /// A soft link (a path to another object), which WeightBridge does not follow.
    case softLink = "soft link"
    /// A link into another file, which WeightBridge refuses.
    case externalLink = "external link"
    /// Anything else (user-defined links, unknown objects).
    case other
}
