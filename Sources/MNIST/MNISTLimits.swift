/// Limits on what an IDX file may announce, checked before allocating.
public enum MNISTLimits {
    /// Largest number of rows or columns of an image (MNIST's are 28).
    public static let maxSide: UInt64 = 4096
    /// Largest number of examples in one file (MNIST's train set has 60000).
    public static let maxCount: UInt64 = 100_000_000
}
